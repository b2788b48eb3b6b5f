"""`crank down` and `crank stop`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import load_project, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("down")(down)


def down(
    ctx: typer.Context,
    volumes: Annotated[bool, typer.Option("--volumes", "-v", help="Also remove the project's named volumes and their data.")] = False,
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait for each container to stop before killing it; default: the engine's (10).")] = None,  # noqa: UP045
) -> None:
    """Stop and remove the project's containers and networks, and with -v its volumes."""
    from crank_cli import render
    from crank_cli.operations.down import DownOptions
    from crank_cli.operations.down import down as run_down

    project = load_project(ctx)
    engine = resolve_engine(ctx)
    result = run_down(project.name, engine.backend, DownOptions(volumes, timeout), render.EventPrinter())
    if not (result.containers or result.networks or result.volumes):
        render.info(f"nothing of project {project.name} found on {engine.info.name}")
