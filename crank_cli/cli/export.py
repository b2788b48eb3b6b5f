"""`crank export`: write a service container's filesystem as a tar archive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP, global_options, is_dry_run, progress


def register(app: typer.Typer) -> None:
    app.command("export")(export)


def export(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(autocompletion=complete.services, help="Service whose container to export.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write the archive to this file, replaced only once the export succeeds, instead of standard output.")] = None,  # noqa: UP045
    index: Annotated[int, typer.Option("--index", min=0, help="Which replica of the service, from 1; 0 takes the lowest number running.")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Export a running service container's filesystem as a tar archive.

    The container is the one with the lowest number unless --index picks one. Without -o the
    archive goes to standard output, which must not be a terminal. Exits with code 1 when
    the service has no running container.
    """
    import sys

    from crank_cli import render
    from crank_cli.cli.service_container import running_service_container
    from crank_cli.operations.export import check_output
    from crank_cli.operations.export import export as run_export

    path = global_options(ctx).working_dir / output if output is not None else None
    check_output(path, stdout_is_terminal=render.is_terminal(sys.stdout))
    dry = is_dry_run(ctx, dry_run)
    _, engine, container = running_service_container(ctx, service, index or None, verb="export", dry_run=dry)
    with progress(ctx, dry_run=dry) as events:
        run_export(engine.backend, container, path, events, dry_run=dry)
