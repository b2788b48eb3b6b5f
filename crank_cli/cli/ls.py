"""`crank ls`: every project on every engine that responds, one row per project and engine."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli.context import OutputFormat, json_errors, usable_engines


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)


def ls(
    ctx: typer.Context,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
) -> None:
    """List projects: name, engine, host, the tool that started it, container states, compose files."""
    from crank_cli import render
    from crank_cli.operations.status import projects, status

    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        found = projects(status(usable_engines(ctx), None))
    if as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "projects": [row.as_dict() for row in found]})
        return
    headers = ["NAME", "RUNTIME", "HOST", "TOOL", "STATUS", "CONFIG FILES"]
    cells = [[row.name, row.runtime, row.host, row.tool, row.status, row.config_files or "-"] for row in found]
    render.print_table("projects", headers, cells)
