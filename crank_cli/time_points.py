"""Points in time given on the command line, as `docker events --since` and `--until` read them."""

from __future__ import annotations

import re
import time
from datetime import datetime

from crank_cli.errors import UsageError

_UNIX_TIME = re.compile(r"\d+(\.\d+)?")
_DURATION = re.compile(r"(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+")


def parse_time_point(text: str, option: str) -> float:
    """Return the Unix time that `text` names, in seconds.

    The forms are Docker's: a Unix time (`1733400000` or with a fraction), a duration
    before now (`10m`, `1h30m`), or an RFC 3339 date and time (`2026-12-05T19:10:00Z`,
    `2026-12-05`). A date or time without a zone is local time. Raises `UsageError`
    naming `option` for anything else.
    """
    from crank_cli.durations import parse_duration

    if _UNIX_TIME.fullmatch(text):
        return float(text)
    if _DURATION.fullmatch(text):
        return time.time() - parse_duration(text, option)
    try:
        # From Python 3.11 on, fromisoformat reads RFC 3339 and cuts nanoseconds to microseconds.
        moment = datetime.fromisoformat(text)
    except ValueError:
        message = (f"{option} {text!r}: invalid time. Give a Unix time (1733400000), a duration "
                   "before now (10m, 1h30m) or a date and time (2026-12-05T19:10:00Z)")
        raise UsageError(message) from None
    return moment.timestamp()
