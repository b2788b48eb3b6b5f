"""Sizes and durations in the forms compose files use and the reference prints.

Sizes follow Docker's `RAMInBytes`: a number, an optional space, an optional unit letter
(k, m, g, t, p, in powers of 1024), then an optional `i` and `b`. Durations follow Go's
`time.ParseDuration` plus the `d` and `w` units, and print as Go's `Duration.String`.
"""

from __future__ import annotations

import re
from typing import Any

from crank_cli.compose.problems import quote

# `decimal` is imported by the functions that use it, because a project with no sizes or
# durations does not need it.

_SIZE = re.compile(r"^(\d*\.?\d+(?:[eE][-+]?\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$")
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}

_DURATION_PART = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h|d|w)")
_NANOSECONDS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
    "w": 604_800_000_000_000,
}


def parse_bytes(value: Any) -> int:
    """Return a size in bytes; raise ValueError naming the value when it is not a size."""
    if isinstance(value, bool):
        raise ValueError(f"invalid size {quote(value)}: use a number of bytes or a value such as 512m")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = _SIZE.match(str(value).strip())
    if match is None:
        raise ValueError(f"invalid size {quote(value)}: use a number of bytes or a value such as 512m")
    from decimal import Decimal

    number = Decimal(match.group(1))
    unit = (match.group(2) or "").lower()
    return int(number * _SIZE_UNITS[unit])


def parse_duration(text: str) -> int:
    """Return a duration in nanoseconds; raise ValueError when `text` is not a Go duration."""
    body = text
    sign = 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if body == "0":
        return 0
    if not body:
        raise _invalid_duration(text)
    from decimal import Decimal, InvalidOperation

    total = Decimal(0)
    position = 0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None or match.group(1) in ("", "."):
            raise _invalid_duration(text)
        try:
            total += Decimal(match.group(1)) * _NANOSECONDS[match.group(2)]
        except InvalidOperation:
            raise _invalid_duration(text) from None
        position = match.end()
    return sign * int(total)


def _invalid_duration(text: str) -> ValueError:
    return ValueError(f"invalid duration {quote(text)}: use a value such as 30s, 1m30s or 500ms")


def render_duration(nanoseconds: int) -> str:
    """Return Go's `time.Duration.String()` of a duration in nanoseconds."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if value >= size:
                return sign + _decimal(value, size) + unit
    hours, rest = divmod(value, 3_600_000_000_000)
    minutes, rest = divmod(rest, 60_000_000_000)
    seconds = _decimal(rest, 1_000_000_000) + "s"
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}"
    if minutes:
        return f"{sign}{minutes}m{seconds}"
    return sign + seconds


def _decimal(value: int, size: int) -> str:
    whole, fraction = divmod(value, size)
    if not fraction:
        return str(whole)
    digits = str(fraction).rjust(len(str(size)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}"
