"""`crank status` (also `crank ps`): the state of each container, with its engine and host."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from crank_cli.cli.context import OutputFormat, global_options, json_errors, usable_engines


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("ps", help="Same as status.")(status)


def status(
    ctx: typer.Context,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
    runtimes: Annotated[bool, typer.Option("--runtimes", help="List the engines instead, as crank doctor does.")] = False,
    all_projects: Annotated[bool, typer.Option("--all", "-a", help="Show every project, not only the one in this folder.")] = False,
) -> None:
    """Show one row per container: service, name, runtime, host, state, health, ports, image.

    With no compose file in reach, or with --all, every project is shown, including those
    docker compose or podman-compose started. With runtime auto, every engine that responds
    is searched.
    """
    from crank_cli.cli.doctor import show_engines

    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        if runtimes:
            show_engines(ctx, as_json=as_json)
            return
        _show_status(ctx, as_json=as_json, all_projects=all_projects)


def _show_status(ctx: typer.Context, *, as_json: bool, all_projects: bool) -> None:
    from crank_cli import render
    from crank_cli.operations.status import CRANK, FIELDS
    from crank_cli.operations.status import status as collect

    project_name = None if all_projects else _project_name(ctx)
    rows = collect(usable_engines(ctx), project_name)
    if as_json:
        render.print_json([row.as_dict() for row in rows])
        return
    headers = [field.upper() for field in FIELDS]
    cells = [[row.project if row.tool == CRANK else f"{row.project} ({row.tool})", row.service, row.container,
              row.runtime, row.host, row.state, row.health or "-", ", ".join(row.ports) or "-", row.image]
             for row in rows]
    title = f"project {project_name}" if project_name else "all projects"
    if project_name and render.is_terminal(sys.stdout):
        # On a terminal the title names the project, so its column only takes room.
        headers, cells = headers[1:], [cell[1:] for cell in cells]
    render.print_table(title, headers, cells)
    if not rows:
        render.info(f"no containers found for {title}")


def _project_name(ctx: typer.Context) -> str | None:
    """Return the project's name, or None when no compose file is in reach."""
    from crank_cli.errors import ProjectNotFoundError

    from crank_cli.compose import project_name

    options = global_options(ctx)
    if options.project_name and not options.files:
        return options.project_name
    try:
        # Only the name is needed, which is much cheaper than loading the whole model.
        return project_name(options.load_options())
    except ProjectNotFoundError:
        return None
