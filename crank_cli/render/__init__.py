"""Everything crank shows: tables and progress for people, plain text and JSON for scripts.

Results go to stdout and talk (progress, warnings, errors) to stderr. This is the only module
that imports Rich, and it does so only when stdout is a terminal, so scripts that read
crank's plain or JSON output do not pay for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from crank_cli.errors import CrankError
from crank_cli.render.progress import json_time, progress

if TYPE_CHECKING:
    from crank_cli.operations.events import Events

__all__ = ["progress"]

_NO_WRAP = {"PROJECT", "SERVICE", "CONTAINER", "RUNTIME", "HOST", "STATE", "HEALTH", "ENGINE", "USABLE", "VERSION"}

# Version of the JSON documents crank prints; it changes only when a key changes meaning.
JSON_SCHEMA_VERSION = 1


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """Write one JSON document to stdout."""
    out = stream or sys.stdout
    json.dump(document, out, indent=2)
    out.write("\n")


def print_table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write a table: with Rich on a terminal, as aligned plain columns otherwise."""
    if is_terminal(sys.stdout):
        _rich_table(title, headers, rows)
    else:
        _plain_table(headers, rows, sys.stdout)


# The form of warnings, notes and errors on stderr, from `--progress`: "text" lines, "json"
# lines (one object each, like the progress events) or, for "quiet", errors only.
_talk = "text"


def set_talk(progress_mode: str) -> None:
    """Make warnings and notes follow `--progress`: JSON lines with json, none with quiet."""
    global _talk
    _talk = progress_mode if progress_mode in ("json", "quiet") else "text"


def print_error(error: CrankError, *, as_json: bool = False) -> None:
    """Report an error: one line on stderr, or a JSON object on stdout for `--format json`."""
    if as_json:
        print_json({"schema": JSON_SCHEMA_VERSION, "error": error.kind, "message": error.message})
    else:
        _talk_line("error", f"crank: error: {error.message}", error.message, error=error.kind)


def print_command(line: str) -> None:
    """Write an engine command that a dry run would run, on stdout."""
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    if _talk != "quiet":
        _talk_line("warning", f"crank: warning: {message}", message)


def info(message: str) -> None:
    if _talk != "quiet":
        _talk_line("info", message, message)


def engine_output() -> Callable[[str], None] | None:
    """Return where the lines of a build's or pull's output go under --progress json or quiet.

    Under json each line becomes a JSON line of level `output`, and under quiet it is dropped
    (a failure quotes the last lines in its error). Otherwise this returns None, and the
    engine writes its output to stderr itself.
    """
    if _talk == "json":
        return lambda line: _talk_line("output", line, line)
    if _talk == "quiet":
        return lambda line: None
    return None


def _talk_line(level: str, text: str, message: str, **extra: str) -> None:
    if _talk == "json":
        record = {"schema": JSON_SCHEMA_VERSION, "time": json_time(),
                  "level": level, **extra, "message": message}
        text = json.dumps(record)
    sys.stderr.write(f"{text}\n")


def line_progress(mode: str) -> Events:
    """Return progress as lines on stderr for `mode`, for work too long for a live view.

    tty and auto give time-stamped lines; json, plain and quiet are as in `progress`.
    """
    from crank_cli.render.progress import JsonProgress, PlainProgress, QuietProgress

    if mode == "quiet":
        return QuietProgress()
    if mode == "json":
        return JsonProgress(sys.stderr)
    return PlainProgress(sys.stderr)


class LogPrinter:
    """Write container log lines to stdout, each prefixed with its container name."""

    def __init__(self, containers: Iterable[str]) -> None:
        names = list(containers)
        self.width = max((len(name) for name in names), default=0)

    def write(self, container: str, line: str) -> None:
        sys.stdout.write(f"{container.ljust(self.width)} | {line}\n")
        sys.stdout.flush()


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for line in [headers, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")


def _rich_table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    from rich import box

    table = Table(title=title, title_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for header in headers:
        # Short values such as states keep one line; names and ports fold when narrow.
        table.add_column(header, overflow="fold", no_wrap=header in _NO_WRAP)
    for row in rows:
        table.add_row(*row)
    # Engine text may contain [brackets], which Rich would otherwise read as markup.
    Console(markup=False, highlight=False).print(table)
