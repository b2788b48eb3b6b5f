"""The action of `crank status` and `crank ps`, shared by the Typer command and the quick path."""

from __future__ import annotations

import sys

from crank_cli.cli.context import CommandContext, OutputFormat, global_options, json_errors, usable_engines


def run(ctx: CommandContext, output_format: OutputFormat, runtimes: bool, all_projects: bool) -> None:
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        if runtimes:
            from crank_cli.cli.actions.doctor import show_engines

            show_engines(ctx, as_json=as_json)
            return
        _show_status(ctx, as_json=as_json, all_projects=all_projects)


def _show_status(ctx: CommandContext, *, as_json: bool, all_projects: bool) -> None:
    from crank_cli import render
    from crank_cli.operations.status import CRANK, FIELDS
    from crank_cli.operations.status import status as collect

    project_name = None if all_projects else _project_name(ctx)
    rows = collect(usable_engines(ctx), project_name)
    if project_name is not None and not rows:
        _check_project_loads(ctx)
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


def _project_name(ctx: CommandContext) -> str | None:
    """Return the project's name, or None when no compose file is in reach and nothing names it."""
    from crank_cli.errors import ProjectNotFoundError

    from crank_cli import verbose
    from crank_cli.cli.context import given_project_name, log_project_by_name
    from crank_cli.compose import project_name

    options = global_options(ctx)
    if options.project_name and not options.files:
        log_project_by_name(options, options.project_name)
        return options.project_name
    try:
        # Only the name is needed, which is much cheaper than loading the whole model.
        name = project_name(options.load_options())
    except ProjectNotFoundError:
        named = given_project_name(options)
        if named is None:
            verbose.info("project", "no compose file found and no project named, so status lists every project")
        else:
            log_project_by_name(options, named)
        return named
    verbose.info("project", "project %s, named from the compose files in reach of %s", name, options.working_dir)
    return name


def _check_project_loads(ctx: CommandContext) -> None:
    """Raise the loader's error if the compose files in reach do not load.

    `status` reads only the project's name from them, which is much cheaper. When the project
    has no containers, though, an empty list from a broken file would tell a script that
    nothing runs, where docker compose ps reports the error.
    """
    from crank_cli.cli.context import load_project
    from crank_cli.errors import ProjectNotFoundError

    try:
        load_project(ctx)
    except ProjectNotFoundError:
        pass
