"""`crank logs`: show the output of the project's containers."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.absent import reject_absent_project
from crank_cli.cli.context import load_project_or_containers


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)


def logs(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to show; default: all.")] = None,  # noqa: UP045
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep following new output until Ctrl-C.")] = False,
    tail: Annotated[Optional[int], typer.Option("--tail", "-n", min=0, help="Show only the last N lines of each container.")] = None,  # noqa: UP045
    timestamps: Annotated[bool, typer.Option("--timestamps", help="Prefix each line with the engine's time stamp.")] = False,
) -> None:
    """Show the logs of the project's containers, each line prefixed with its container."""
    from crank_cli import render
    from crank_cli.operations import labels
    from crank_cli.operations.follow import follow_logs
    from crank_cli.operations.up import by_service, require_services

    names = tuple(services or ())
    # A service named on the command line is enabled even when its profile is not, as with up.
    project, engine = load_project_or_containers(ctx, names, verb="logs")
    require_services(project, names)
    grouped = by_service(engine.backend.list_containers(labels.container_filter(project.name)))
    if not grouped:
        reject_absent_project(ctx, project.name, engine, "logs")
    chosen = [state.name for service in (names or sorted(grouped)) for state in sorted(grouped.get(service, []), key=lambda s: s.replica)]
    if not chosen:
        render.info(f"no containers of project {project.name} on {engine.info.name}")
        return
    try:
        follow_logs(engine.backend, chosen, render.LogPrinter(chosen).write, follow=follow, tail=tail, timestamps=timestamps)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
