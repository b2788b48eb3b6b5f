"""`crank stop`, `start` and `restart`: change the state of existing containers, without removing them."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, load_project_or_containers, progress, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("stop")(stop)
    app.command("start")(start)
    app.command("restart")(restart)


def stop(
    ctx: typer.Context,
    targets: Annotated[Optional[list[str]], typer.Argument(metavar="[SERVICE|CONTAINER]...", help="Services of the project, or containers by name; default: the whole project.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait before killing; default: the engine's (10).")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Stop the project's containers (dependents first), or the services or containers named.

    Outside a project, and with no -p or COMPOSE_PROJECT_NAME to name one, the names are containers.
    """
    from crank_cli import render
    from crank_cli.errors import ProjectNotFoundError
    from crank_cli.operations.down import stop as run_stop

    names = tuple(targets or ())
    dry = is_dry_run(ctx, dry_run)
    try:
        # The names may be containers too, so they are not checked as services here.
        project, engine = load_project_or_containers(ctx, names, dry_run=dry, check_services=False)
    except ProjectNotFoundError:
        if not names:
            raise
        resolve_engine(ctx, dry_run=dry).backend.stop_containers(list(names), timeout)
        return
    with progress(ctx, dry_run=dry_run) as events:
        stopped = run_stop(project, project.name, engine.backend, names, timeout, events)
    if not stopped:
        render.info(f"nothing to stop in project {project.name} on {engine.info.name}")


def start(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to start; default: all.")] = None,  # noqa: UP045
) -> None:
    """Start the project's existing, stopped containers, dependencies first.

    Each service starts once its dependencies meet their depends_on conditions (started,
    healthy or completed successfully), as with up.
    """
    from crank_cli import render
    from crank_cli.operations.lifecycle import start_services

    project, engine = load_project_or_containers(ctx, tuple(services or ()))
    with progress(ctx) as events:
        started = start_services(project, engine.backend, tuple(services or ()), events)
    if not started:
        render.info(f"nothing to start in project {project.name} on {engine.info.name}")


def restart(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services to restart; default: all.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait before killing; default: the engine's (10).")] = None,  # noqa: UP045
) -> None:
    """Restart the project's containers, or those of the services named, dependencies first.

    Unlike start, restart does not wait for depends_on conditions, as docker compose restart does not.
    """
    from crank_cli import render
    from crank_cli.operations.lifecycle import restart_services

    project, engine = load_project_or_containers(ctx, tuple(services or ()))
    with progress(ctx) as events:
        restarted = restart_services(project, engine.backend, tuple(services or ()), timeout, events)
    if not restarted:
        render.info(f"nothing to restart in project {project.name} on {engine.info.name}")
