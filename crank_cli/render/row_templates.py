"""Rows printed through a `--format` template, in the subset of Go's template syntax that scripts
written for `docker compose ps --format` use.

A template contains text and actions: `{{.Name}}` prints a field, `{{json .}}` the whole row as
JSON and `{{json .Name}}` one field as JSON. `\\t` stands for a tab, and a template that starts
with `table ` prints a header line of the field names first and aligns the columns, as the
docker client does. Anything else inside `{{ }}` is an error, raised before a row is printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from crank_cli.errors import UsageError

_ACTION = re.compile(r"\{\{\s*(json\s+)?\.(\w*)\s*\}\}")
_ANY_ACTION = re.compile(r"\{\{.*?\}\}")
_TABLE = "table "
# Go's tabwriter as the docker client sets it up (cli/command/formatter): each column at least
# 10 wide, 3 spaces after its widest cell.
_MIN_WIDTH, _PADDING = 10, 3

Row = TypeVar("Row")


def is_template(text: str) -> bool:
    """Tell whether a `--format` value is a template rather than a format name such as json."""
    return "{{" in text


def render_rows(template: str, rows: Sequence[Row], fields: Mapping[str, Callable[[Row], Any]],
                document: Callable[[Row], Any], option: str = "--format") -> list[str]:
    """Return the lines that `template` makes of `rows`.

    `fields` maps each name a template may use, such as Name, to the function that reads it
    from a row, and `document` makes the value that `{{json .}}` prints. Raises `UsageError`
    naming `option` for an action outside the subset or an unknown field.
    """
    table = template.startswith(_TABLE)
    body = (template[len(_TABLE):] if table else template).replace("\\t", "\t").replace("\\n", "\n")
    _check(body, fields, option)

    def action(row: Row, match: re.Match[str]) -> str:
        as_json, name = match.group(1), match.group(2)
        value = fields[name](row) if name else document(row)
        return json.dumps(value) if as_json else _text(value)

    lines = [_ACTION.sub(partial(action, row), body) for row in rows]
    if not table:
        return lines
    header = _ACTION.sub(lambda match: (match.group(2) or "").upper(), body)
    return _aligned([header, *lines])


def _check(body: str, fields: Mapping[str, Any], option: str) -> None:
    if "{{" in _ANY_ACTION.sub("", body):
        raise UsageError(f"invalid {option} template {body!r}: an action opened with {{{{ is not closed with }}}}")
    for found in _ANY_ACTION.finditer(body):
        match = _ACTION.fullmatch(found.group(0))
        if match is None:
            raise UsageError(f"invalid {option} template action {found.group(0)}: crank reads only {{{{.Field}}}}, "
                             "{{json .}} and {{json .Field}}")
        name = match.group(2)
        if name and name not in fields:
            raise UsageError(f"invalid {option} template field .{name}: the fields are {', '.join(fields)}")
        if not name and not match.group(1):
            raise UsageError(f"invalid {option} template action {found.group(0)}: use {{{{json .}}}} for the whole row")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _aligned(lines: list[str]) -> list[str]:
    """Pad tab-separated cells to the width of their column, as Go's tabwriter does for the docker client."""
    table = [line.split("\t") for line in lines]
    widths: dict[int, int] = {}
    for cells in table:
        for index, cell in enumerate(cells[:-1]):
            widths[index] = max(widths.get(index, _MIN_WIDTH), len(cell) + _PADDING)
    return ["".join(cell.ljust(widths[index]) for index, cell in enumerate(cells[:-1])) + cells[-1]
            for cells in table]
