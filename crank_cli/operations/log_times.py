"""The time values of `logs --since` and `--until`, read the way the docker client reads them.

Docker's client turns a relative duration such as `42m` into "42 minutes ago" for both
options, while Podman 4.3 reads `--until 42m` as 42 minutes from now and accepts fewer time
stamp forms. So crank converts each value to one absolute UTC time stamp itself, and both
engines get the same instant.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from crank_cli.errors import UsageError

# A Go duration as time.ParseDuration reads it: an optional sign, then one or more numbers
# with a unit each, such as 1h30m or 1.5s.
_DURATION = re.compile(r"[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+")
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
# The time stamp forms docker's client accepts: a date, optionally with the hour, minutes,
# seconds and up to nine digits of fraction, optionally with Z or a +hh:mm offset. Without a
# zone the time is local.
_TIME_STAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?"
)
# Unix time in seconds, with up to nine digits of fraction.
_UNIX_TIME = re.compile(r"(\d+)(?:\.(\d{1,9}))?")


def engine_time(value: str, option: str, now: datetime | None = None) -> str:
    """Return `value` as a UTC time stamp in RFC 3339 form, which Docker and Podman both read.

    `value` is a time stamp such as 2013-01-02T13:23:37Z, a Unix time such as 1357133017, or a
    duration such as 42m, which means that long before `now`. Raises UsageError naming
    `option` for anything else.
    """
    now = now or datetime.now(timezone.utc)
    # "0" is a valid Go duration, but docker's client reads it as Unix time 0.
    if value != "0" and _DURATION.fullmatch(value):
        instant = now - timedelta(seconds=_duration_seconds(value))
        return _utc_text(instant.replace(microsecond=0), nanoseconds=None)
    stamp = _TIME_STAMP.fullmatch(value)
    if stamp:
        return _from_time_stamp(stamp, value, option)
    unix = _UNIX_TIME.fullmatch(value)
    if unix:
        instant = datetime.fromtimestamp(int(unix.group(1)), timezone.utc)
        return _utc_text(instant, nanoseconds=_nanoseconds(unix.group(2)))
    raise UsageError(_invalid(value, option))


def _duration_seconds(value: str) -> float:
    total = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(value))
    return -total if value.startswith("-") else total


def _from_time_stamp(stamp: re.Match[str], value: str, option: str) -> str:
    year, month, day, hour, minute, second, fraction, zone = stamp.groups()
    if zone is None:
        tzinfo = None
    elif zone == "Z":
        tzinfo = timezone.utc
    else:
        sign = -1 if zone[0] == "-" else 1
        tzinfo = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        instant = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                           tzinfo=tzinfo)
    except ValueError:
        raise UsageError(_invalid(value, option)) from None
    if tzinfo is None:
        # A time stamp without a zone is local time, as in docker's client.
        instant = instant.astimezone()
    return _utc_text(instant, nanoseconds=_nanoseconds(fraction))


def _nanoseconds(fraction: str | None) -> int | None:
    return None if fraction is None else int(fraction.ljust(9, "0"))


def _utc_text(instant: datetime, *, nanoseconds: int | None) -> str:
    text = instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if nanoseconds:
        text += f".{nanoseconds:09d}"
    return text + "Z"


def _invalid(value: str, option: str) -> str:
    return (f"invalid {option} value {value!r}: use a time stamp such as 2013-01-02T13:23:37Z, "
            f"a Unix time such as 1357133017, or a duration such as 42m for 42 minutes ago")
