"""`crank up`: create and start the project's services."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import global_options, load_project, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("up")(up)


def up(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to start, with their dependencies; default: all.")] = None,  # noqa: UP045
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Start in the background and return; without it, follow the logs until Ctrl-C, which stops the services.")] = False,
    parallel: Annotated[Optional[int], typer.Option("--parallel", min=1, help="Most engine commands at once; default: COMPOSE_PARALLEL_LIMIT, else 8.")] = None,  # noqa: UP045
) -> None:
    """Create networks, volumes and missing images, then start services in dependency order.

    Running up again on an unchanged project starts nothing new.
    """
    from crank_cli import render
    from crank_cli.operations.follow import follow_logs
    from crank_cli.operations.parallel import parallel_limit
    from crank_cli.operations.up import UpOptions
    from crank_cli.operations.up import up as run_up

    names = tuple(services or ())
    project = load_project(ctx, names)
    engine = resolve_engine(ctx)
    options = UpOptions(services=names, parallel=parallel_limit(global_options(ctx).environ, parallel))
    result = run_up(project, engine.backend, options, render.EventPrinter())
    if not result.changed:
        render.info(f"project {project.name} is up to date on {engine.info.name}")
    if detach:
        return
    try:
        follow_logs(engine.backend, result.containers, render.LogPrinter(result.containers).write)
    except KeyboardInterrupt:
        render.info("stopping the project (Ctrl-C)")
        engine.backend.stop_containers(result.containers)
        raise
