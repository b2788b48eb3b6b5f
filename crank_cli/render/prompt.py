"""Yes-or-no questions on stderr, answered on standard input."""

from __future__ import annotations

import sys
from typing import TextIO

# The first words of an answer that mean yes. docker compose (v2.40.3) takes y, t, true and
# 1 in any case when its standard input is not a terminal; crank takes yes as well.
_YES = frozenset({"y", "yes", "t", "true", "1"})


def confirm(question: str, stdin: TextIO | None = None, stderr: TextIO | None = None) -> bool:
    """Ask `question` on stderr and return whether the answer on standard input means yes.

    The answer is one line, read also when standard input is not a terminal, as docker
    compose does, so `echo y | crank rm` confirms. The end of the input, as with `< /dev/null`
    or a closed standard input, means no, and so does an empty line.
    NOTE: like docker compose, crank waits for a line from a pipe that stays open without one.
    """
    source = stdin if stdin is not None else sys.stdin
    out = stderr or sys.stderr
    out.write(f"{question} [y/N]: ")
    out.flush()
    line = _read_line(source)
    if not _is_terminal(source):
        # A terminal echoes the answer with its newline; a pipe or file does not.
        out.write("\n")
    words = line.split()
    return bool(words) and words[0].lower() in _YES


def _read_line(source: TextIO | None) -> str:
    """Return one line of `source`, or an empty string when it is closed or missing."""
    if source is None:
        return ""
    try:
        return source.readline()
    except (OSError, ValueError):
        return ""


def _is_terminal(source: TextIO | None) -> bool:
    try:
        return source is not None and source.isatty()
    except ValueError:
        return False
