"""`crank ls`: every project on every engine that responds, one row per project and engine."""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from crank_cli.cli.context import OutputFormat, json_errors, usable_engines


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)


def ls(
    ctx: typer.Context,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
    show_all: Annotated[bool, typer.Option("--all", "-a", help="Also list stopped projects, and count stopped containers.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the project names, one per line.")] = False,
    filters: Annotated[Optional[list[str]], typer.Option("--filter", metavar="name=PATTERN", help="List only projects whose name matches the regular expression PATTERN; repeat to allow several.")] = None,  # noqa: UP045
) -> None:
    """List projects: name, engine, host, the tool that started it, container states, compose files.

    As with docker compose ls, only projects with a running container are listed, unless --all.
    """
    from crank_cli import render
    from crank_cli.cli.actions.status import DEFAULT_STATES
    from crank_cli.operations.status import projects, status

    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        patterns = _name_patterns(filters or [])
        rows = status(usable_engines(ctx), None)
    if not show_all:
        rows = [row for row in rows if row.state in DEFAULT_STATES]
    found = [row for row in projects(rows) if _name_matches(row.name, patterns)]
    if quiet:
        # A project on two engines has two rows but is one name.
        render.print_lines(list(dict.fromkeys(row.name for row in found)))
        return
    if as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "projects": [row.as_dict() for row in found]})
        return
    headers = ["NAME", "RUNTIME", "HOST", "TOOL", "STATUS", "CONFIG FILES"]
    cells = [[row.name, row.runtime, row.host, row.tool, row.status, row.config_files or "-"] for row in found]
    render.print_table("projects", headers, cells)


def _name_patterns(filters: list[str]) -> list[re.Pattern[str]]:
    """Compile the patterns of the `--filter name=PATTERN` options.

    Raise UsageError for any other filter and for a pattern that is not a valid regular expression.
    """
    from crank_cli.errors import UsageError

    patterns = []
    for item in filters:
        key, equals, pattern = item.partition("=")
        if not equals:
            raise UsageError(f"invalid --filter {item!r}: use name=PATTERN")
        if key.strip().lower() != "name":
            raise UsageError(f"invalid --filter {item!r}: crank ls filters only by name, as in name=PATTERN")
        try:
            patterns.append(re.compile(pattern))
        except re.error as error:
            message = (f"invalid --filter {item!r}: {pattern!r} is not a valid regular expression ({error}); "
                       f"put a backslash before a special character to match it literally, as in name={re.escape(pattern)}")
            raise UsageError(message) from None
    return patterns


def _name_matches(name: str, patterns: list[re.Pattern[str]]) -> bool:
    """Tell whether `name` contains a match of any pattern, as docker's name filters do."""
    if not patterns:
        return True
    return any(pattern.search(name) for pattern in patterns)
