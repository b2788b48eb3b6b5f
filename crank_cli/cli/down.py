"""`crank down`: stop and remove what `up` created."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP, global_options, is_dry_run, load_and_resolve, load_project_or_name, progress


def register(app: typer.Typer) -> None:
    app.command("down")(down)


def down(
    ctx: typer.Context,
    volumes: Annotated[bool, typer.Option("--volumes", "-v", help="Also remove the project's named volumes and their data.")] = False,
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait for each container to stop before killing it; default: the engine's (10).")] = None,  # noqa: UP045
    rmi: Annotated[Optional[str], typer.Option("--rmi", metavar="all|local", help="Also remove images: all the services use, or local: only those built without an image name.")] = None,  # noqa: UP045
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="Also remove containers of services no longer in the compose files.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Remove a project that docker compose or podman-compose started.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Stop containers in reverse dependency order, then remove them and the networks.

    With -v the named volumes go too, and their data with them.
    """
    from contextlib import nullcontext

    from crank_cli import render
    from crank_cli.errors import UsageError
    from crank_cli.operations.cancel import cancel_on_interrupt
    from crank_cli.operations.down import DownOptions
    from crank_cli.operations.down import down as run_down
    from crank_cli.operations.lock import project_lock

    if rmi not in (None, "all", "local"):
        raise UsageError(f"invalid --rmi value {rmi!r}: expected all or local")
    dry = is_dry_run(ctx, dry_run)
    project, engine = load_and_resolve(ctx, lambda: load_project_or_name(ctx), dry_run=dry)
    name = project.name if project is not None else global_options(ctx).project_name or ""
    options = DownOptions(volumes, timeout, rmi, remove_orphans, force)
    lock = nullcontext() if dry else project_lock(name, render.info)
    with cancel_on_interrupt(), lock, progress(ctx, dry_run=dry) as events:
        result = run_down(project, name, engine.backend, options, events)
    for warning in result.warnings:
        render.warn(warning)
    if not (result.containers or result.networks or result.volumes or result.images):
        render.info(f"nothing of project {name} found on {engine.info.name}")
