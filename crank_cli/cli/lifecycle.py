"""`crank stop`: stop running containers of the project, without removing them."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import load_project, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("stop")(stop)


def stop(
    ctx: typer.Context,
    targets: Annotated[Optional[list[str]], typer.Argument(metavar="[SERVICE|CONTAINER]...", help="Services of the project, or containers by name; default: the whole project.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait before killing; default: the engine's (10).")] = None,  # noqa: UP045
) -> None:
    """Stop the project's containers, or the services or containers named."""
    from crank_cli import render
    from crank_cli.errors import ProjectNotFoundError
    from crank_cli.operations.down import stop as run_stop

    names = tuple(targets or ())
    engine = resolve_engine(ctx)
    try:
        project_name: str | None = load_project(ctx).name
    except ProjectNotFoundError:
        if not names:
            raise
        project_name = None
    if project_name is None:
        engine.backend.stop_containers(list(names), timeout)
        return
    stopped = run_stop(project_name, engine.backend, names, timeout, render.EventPrinter())
    if not stopped:
        render.info(f"nothing to stop in project {project_name} on {engine.info.name}")
