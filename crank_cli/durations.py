"""Compose duration strings such as `1m30s` or `500ms`, turned into seconds."""

from __future__ import annotations

import re

from crank_cli.errors import InvalidProjectError

_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | int | float, where: str = "duration") -> float:
    """Return the number of seconds a compose duration stands for.

    A bare number is seconds. Raises `InvalidProjectError` naming `where` for anything else.
    """
    if isinstance(text, int | float):
        return float(text)
    position, total = 0, 0.0
    for match in _PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text) or not text:
        message = f"{where}: invalid duration {text!r}: expected a form like 30s, 1m30s or 500ms"
        raise InvalidProjectError(message)
    return total
