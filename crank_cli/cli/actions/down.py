"""The action of `crank down`, shared by the Typer command and the quick path."""

from __future__ import annotations

from crank_cli.cli.context import (
    CommandContext,
    given_project_name,
    global_options,
    is_dry_run,
    load_and_resolve,
    load_project_or_name,
    progress,
)


def run(ctx: CommandContext, volumes: bool, timeout: int | None, rmi: str | None, remove_orphans: bool,
        force: bool, dry_run: bool) -> None:
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
    name = project.name if project is not None else given_project_name(global_options(ctx)) or ""
    options = DownOptions(volumes, timeout, rmi, remove_orphans, force)
    lock = nullcontext() if dry else project_lock(name, render.info)
    with cancel_on_interrupt(), lock, progress(ctx, dry_run=dry) as events:
        result = run_down(project, name, engine.backend, options, events)
    for warning in result.warnings:
        render.warn(warning)
    if not (result.containers or result.networks or result.volumes or result.images):
        render.info(f"nothing of project {name} found on {engine.info.name}")
