"""Everything crank shows: tables and progress for people, plain text and JSON for scripts.

Results go to stdout and talk (progress, warnings, errors) to stderr. This is the only module
that imports Rich, and it does so only when stdout is a terminal, so scripts that read
crank's plain or JSON output do not pay for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from crank_cli.errors import CrankError
from crank_cli.render.progress import json_time, progress

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from crank_cli.operations.events import Events

__all__ = ["progress"]

# Columns of a terminal table whose values are never split across lines, because a part of
# a name, a port mapping or an image reference can be neither read nor copied.
_NO_WRAP = {"PROJECT", "SERVICE", "CONTAINER", "RUNTIME", "HOST", "STATE", "HEALTH", "ENGINE", "USABLE", "VERSION",
            "PORTS", "IMAGE"}
# Columns whose ", "-separated values a terminal table shows one per line.
_ONE_VALUE_PER_LINE = {"PORTS"}
# Columns that a terminal table hides, in this order, while it is wider than the terminal,
# unless the caller names others. `status` keeps SERVICE, RUNTIME, STATE, HEALTH and PORTS
# longest: the service names that the verbs take, where each runs, and how to reach it.
_HIDDEN_WHEN_NARROW = ("IMAGE", "HOST", "CONTAINER")
# The narrowest a terminal table cuts a column to: a few characters and an ellipsis.
_NARROWEST = 5

# Version of the JSON documents crank prints; it changes only when a key changes meaning.
JSON_SCHEMA_VERSION = 1


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """Return a count with its noun in the singular or the plural: 1 container, 2 containers."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty()


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """Write one JSON document to stdout."""
    out = stream or sys.stdout
    json.dump(document, out, indent=2)
    out.write("\n")


def print_table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                truncate: bool = True, hidden_when_narrow: Sequence[str] = _HIDDEN_WHEN_NARROW) -> None:
    """Write a table: with Rich on a terminal, as aligned plain columns otherwise.

    On a terminal, a table wider than the terminal hides the columns of `hidden_when_narrow`,
    in that order, and then cuts columns, unless `truncate` is False: then every value is
    whole, and the terminal wraps the lines.
    """
    if is_terminal(sys.stdout):
        _rich_table(title, headers, rows, truncate=truncate, hidden_when_narrow=hidden_when_narrow)
    else:
        _plain_table(headers, rows, sys.stdout)


# The form of warnings, notes and errors on stderr, from `--progress`: "text" lines, "json"
# lines (one object each, like the progress events) or, for "quiet", errors only.
_talk = "text"
# The --progress value as given, auto included.
_progress_mode = "auto"


def set_talk(progress_mode: str) -> None:
    """Make warnings and notes follow `--progress`: JSON lines with json, none with quiet."""
    global _talk, _progress_mode
    _talk = progress_mode if progress_mode in ("json", "quiet") else "text"
    _progress_mode = progress_mode


def print_error(error: CrankError, *, as_json: bool = False) -> None:
    """Report an error: one line on stderr, or a JSON object on stdout for `--format json`."""
    if as_json:
        print_json({"schema": JSON_SCHEMA_VERSION, "error": error.kind, "message": error.message})
    else:
        _talk_line("error", f"crank: error: {error.message}", error.message, error=error.kind)


def print_lines(lines: Sequence[str]) -> None:
    """Write plain values on stdout, one per line, such as the container IDs of `ps -q`."""
    sys.stdout.writelines(f"{line}\n" for line in lines)


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
    """Return where the lines of a build's or pull's output go, or None to let the engine write to stderr itself.

    Under json each line becomes a JSON line of level `output`, and under quiet it is dropped
    (a failure quotes the last lines in its error). Under a live view (tty, or auto on a
    terminal) each line is printed above the view, which would otherwise overwrite it.
    """
    if _talk == "json":
        return lambda line: _talk_line("output", line, line)
    if _talk == "quiet":
        return lambda line: None
    if _progress_mode == "tty" or (_progress_mode == "auto" and is_terminal(sys.stderr)):
        return _engine_line
    return None


def _engine_line(line: str) -> None:
    from crank_cli.render.progress import print_above_live

    if not print_above_live(line):
        sys.stderr.write(f"{line}\n")


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
    """Write container log lines to stdout, each prefixed with its container's name unless `prefix` is off.

    `display_names` maps a container's name to the name its lines show, when that differs.
    """

    def __init__(self, containers: Iterable[str], *, prefix: bool = True, display_names: Mapping[str, str] | None = None) -> None:
        self.display_names = dict(display_names or {})
        self.width = max((len(self.display_names.get(name, name)) for name in containers), default=0)
        self.prefix = prefix

    def write(self, container: str, line: str) -> None:
        if self.prefix:
            sys.stdout.write(f"{self.display_names.get(container, container).ljust(self.width)} | {line}\n")
        else:
            sys.stdout.write(f"{line}\n")
        sys.stdout.flush()


def _plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for line in [headers, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")


def _rich_table(title: str | None, headers: Sequence[str], rows: Sequence[Sequence[str]],
                console: Console | None = None, *, truncate: bool = True,
                hidden_when_narrow: Sequence[str] = _HIDDEN_WHEN_NARROW) -> None:
    """Print a table that fits the terminal, hiding the columns of `hidden_when_narrow` as needed.

    When the table is still too wide with all of those hidden, the widest columns are cut first,
    down to the width of the next widest, and each cut value ends with an ellipsis.
    """
    from rich.console import Console

    # Engine text may contain [brackets], which Rich would otherwise read as markup.
    console = console or Console(markup=False, highlight=False)
    columns = []
    for index, header in enumerate(headers):
        cells = [row[index] for row in rows]
        if header in _ONE_VALUE_PER_LINE:
            cells = [cell.replace(", ", "\n") for cell in cells]
        columns.append((header, cells))

    if not truncate:
        # A console as wide as the whole table; the terminal wraps the lines that are wider than it.
        console.width = max(console.width, _min_width(console, columns))
        console.print(_table(title, columns, whole_values=True))
        return

    def fits(hidden: list[str]) -> bool:
        return _min_width(console, [column for column in columns if column[0] not in hidden]) <= console.width

    hidden: list[str] = []
    for header in hidden_when_narrow:
        if fits(hidden):
            break
        if header in headers:
            hidden.append(header)
    # A column hidden early may fit again once a later, wider one is hidden too.
    for header in hidden[-2::-1]:
        if fits([name for name in hidden if name != header]):
            hidden.remove(header)

    visible = [column for column in columns if column[0] not in hidden]
    excess = _min_width(console, visible) - console.width
    limits = _narrowed_widths(visible, excess) if excess > 0 else {}
    table = _table(title, visible, max_widths=limits)
    if hidden:
        table.caption = f"Hidden because the terminal is too narrow: {', '.join(hidden)}. Widen it, or use --format json to see them."
    console.print(table)


def _narrowed_widths(columns: list[tuple[str, list[str]]], excess: int) -> dict[str, int]:
    """Return the widths that take `excess` columns off the widest `_NO_WRAP` columns.

    Rich would cut every column by the same amount, so a short value such as `docker` or
    `running` became `dock…`. Here the widest column gives way first, down to the width of
    the next widest, then both give way together, and no column gets narrower than
    `_NARROWEST`.
    """
    widths = {header: _longest_line([header, *cells]) for header, cells in columns if header in _NO_WRAP}
    while excess > 0:
        widest = max(widths.values(), default=0)
        if widest <= _NARROWEST:
            break
        others = [width for width in widths.values() if width < widest]
        floor = max([*others, _NARROWEST])
        at_widest = [header for header, width in widths.items() if width == widest]
        step = min(widest - floor, -(-excess // len(at_widest)))
        # Cut no more than `excess` in all, so a column that fits stays whole.
        for header in at_widest:
            cut = min(step, excess)
            widths[header] -= cut
            excess -= cut
    return widths


def _table(title: str | None, columns: list[tuple[str, list[str]]], *, whole_values: bool = False,
           max_widths: dict[str, int] | None = None) -> Table:
    """Build a Rich table from (header, cells) pairs.

    With `whole_values`, each column of `_NO_WRAP` is at least as wide as its longest line, which
    makes the table's minimum width the width that shows those values whole. `max_widths`
    caps the width of the columns it names.
    """
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", caption_justify="left", header_style="bold", box=box.SIMPLE_HEAD)
    for header, cells in columns:
        no_wrap = header in _NO_WRAP
        min_width = _longest_line([header, *cells]) if no_wrap and whole_values else None
        # The other columns, such as NOTE, wrap between words and fold a word longer than the column.
        table.add_column(header, overflow="ellipsis" if no_wrap else "fold", no_wrap=no_wrap, min_width=min_width,
                         max_width=(max_widths or {}).get(header))
    for row in zip(*(cells for _, cells in columns)):
        table.add_row(*row)
    return table


def _longest_line(cells: list[str]) -> int:
    from rich.cells import cell_len

    return max(cell_len(line) for cell in cells for line in cell.splitlines() or [""])


def _min_width(console: Console, columns: list[tuple[str, list[str]]]) -> int:
    """Return the width that a table of `columns` needs to show each value of a `_NO_WRAP` column whole."""
    from rich.measure import Measurement

    unlimited = console.options.update_width(sys.maxsize)
    return Measurement.get(console, unlimited, _table(None, columns, whole_values=True)).minimum
