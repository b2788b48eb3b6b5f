"""Sizes and ages in the short forms that Docker's tables show, such as `4.27MB` and `3 weeks`."""

from __future__ import annotations

from datetime import datetime, timezone

# Decimal units, as `docker images` uses them.
_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def human_size(size: int) -> str:
    """Return a size in bytes with three significant digits and a decimal unit: 4270000 gives `4.27MB`."""
    value = float(size)
    unit = 0
    while value >= 1000 and unit < len(_SIZE_UNITS) - 1:
        value /= 1000
        unit += 1
    return f"{value:.3g}{_SIZE_UNITS[unit]}"


def human_age(created: str, now: datetime | None = None) -> str:
    """Return how long ago an RFC 3339 time was, as Docker words it: `About an hour ago`, `3 weeks ago`.

    A time that cannot be read gives `N/A`.
    """
    moment = _parse_time(created)
    if moment is None:
        return "N/A"
    seconds = ((now or datetime.now(timezone.utc)) - moment).total_seconds()
    return f"{_duration_words(seconds)} ago"


def _duration_words(seconds: float) -> str:
    """Word a duration the way Docker's tables do, with the same thresholds."""
    if seconds < 1:
        return "Less than a second"
    if seconds < 2:
        return "1 second"
    if seconds < _MINUTE:
        return f"{int(seconds)} seconds"
    minutes = int(seconds // _MINUTE)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    # Hours are rounded to the nearest hour, where the smaller units are cut down.
    hours = int(seconds / _HOUR + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds // _DAY) // 365} years"


def _parse_time(text: str) -> datetime | None:
    """Read an RFC 3339 time; Python 3.11's parser takes nanoseconds and `Z`."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
