"""The action of `crank down`, shared by the Typer command and the quick path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.context import (
    CommandContext,
    given_project_name,
    global_options,
    is_dry_run,
    load_and_resolve,
    load_project_or_name,
    load_settings,
    progress,
)
from crank_cli.cli.elsewhere import is_auto, other_engines, reject_left_elsewhere
from crank_cli.render import counted

if TYPE_CHECKING:
    from pathlib import Path

    from crank_cli.operations.down import DownOptions, DownResult
    from crank_cli.runtime.resolve import Resolution


def run(ctx: CommandContext, volumes: bool, timeout: int | None, rmi: str | None, remove_orphans: bool,
        force: bool, dry_run: bool) -> None:
    from contextlib import nullcontext

    from crank_cli import render
    from crank_cli.errors import UsageError
    from crank_cli.operations.cancel import cancel_on_interrupt
    from crank_cli.operations.down import DownOptions
    from crank_cli.operations.down import down as run_down
    from crank_cli.operations.lock import project_lock
    from crank_cli.threads import start

    if rmi not in (None, "all", "local"):
        raise UsageError(f"invalid --rmi value {rmi!r}: expected all or local")
    dry = is_dry_run(ctx, dry_run)
    project, engine = load_and_resolve(ctx, lambda: load_project_or_name(ctx), dry_run=dry)
    name = project.name if project is not None else given_project_name(global_options(ctx)) or ""
    options = DownOptions(volumes, timeout, rmi, remove_orphans, force)
    lock = nullcontext() if dry else project_lock(name, render.info)
    with cancel_on_interrupt(), lock, progress(ctx, dry_run=dry) as events:
        # After `crank migrate SERVICE` or `--keep-source`, other engines can have containers too.
        # This down does not change them, so they are listed while it runs, which on Podman
        # hides a client start-up.
        listed_elsewhere = start(lambda: other_engines(ctx, name, engine, dry_run=dry))
        result = run_down(project, name, engine.backend, options, events,
                          check_absent=lambda networks, found: _check_elsewhere(ctx, name, engine, options,
                                                                                [*networks, *found]))
        removed_from = [engine.info.name] if result.containers or result.volumes else []
        others = listed_elsewhere()
        if others and is_auto(ctx):
            for other in others:
                other_result = run_down(project, name, other.backend, options, events)
                if other_result.containers or other_result.volumes:
                    removed_from.append(other.info.name)
                _merge(result, other_result)
            others = []
        if not dry:
            _remove_private_files(name, engine, events)
            if volumes and project is not None:
                _close_migrations(project.working_dir, name, removed_from)
    for warning in result.warnings:
        render.warn(warning)
    if others and result.containers:
        reject_left_elsewhere(ctx, name, engine, others, "down")
    if others:
        render.info(f"project {name} still has containers on {', '.join(other.info.name for other in others)}, "
                    "which this `down` left as they are")
    if not (result.containers or result.networks or result.volumes or result.images):
        from crank_cli.runtime.placement import reject_empty_fallback

        reject_empty_fallback(name, load_settings(ctx), engine, "down")
        render.info(f"nothing of project {name} found on {engine.info.name}")


def _merge(result: DownResult, other: DownResult) -> None:
    """Add what `down` removed on another engine, and its warnings, to `result`."""
    result.containers += other.containers
    result.networks += other.networks
    result.volumes += other.volumes
    result.images += other.images
    result.warnings += other.warnings


def _check_elsewhere(ctx: CommandContext, name: str, engine: Resolution, options: DownOptions,
                     leftovers: list[str]) -> None:
    """Raise when another usable engine runs the project, so a `down` on the wrong engine does not pass as done.

    With --volumes, the networks and volumes in `leftovers` are removed instead: after
    `crank migrate`, the source engine keeps the project's volumes, and `down -v` there is
    how they go, while the project runs on the target.
    """
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.placement import check_project_elsewhere

    from crank_cli.cli.absent import warn_absent_project

    if options.remove_volumes and leftovers:
        return
    check_project_elsewhere(name, container_filter(name), load_settings(ctx), engine, "down")
    warn_absent_project(ctx, name, engine, "down")


def _close_migrations(working_dir: Path, name: str, engines: list[str]) -> None:
    """Close the last finished migration to an engine that `down --volumes` removed the project from."""
    # The folder is `record.RECORD_FOLDER`: importing the migrate package takes about 0.1 s,
    # which a project that never migrated need not pay.
    if not engines or not (working_dir / ".crank" / "migrations").is_dir():
        return
    from crank_cli import render
    from crank_cli.operations.migrate.record import close_removed

    for engine in engines:
        closed = close_removed(working_dir, name, engine)
        if closed is not None:
            render.info(f"the migration of project {name} from {closed.plan.source} to {engine} can no longer be "
                        f"rolled back, because its containers and volumes on {engine} are removed")


def _remove_private_files(name: str, engine, events) -> None:  # type: ignore[no-untyped-def]
    """Delete the project's secret and config files once no usable engine has a container of the project.

    A container left on this engine (one that --remove-orphans would remove, or one whose
    removal failed) keeps them, and so does one on another engine, which uses the same files
    after `crank migrate` or with `migrate --keep-source`.
    """
    from crank_cli import verbose
    from crank_cli.operations.labels import container_filter
    from crank_cli.operations.secrets import has_private_files, remove_private_files
    from crank_cli.runtime.resolve import engines_with_containers

    if not has_private_files(name):
        return
    found = container_filter(name)
    if engine.backend.has_containers(found):
        return
    # NOTE: an engine that does not respond now is not asked, so its containers cannot keep the files.
    holders = engines_with_containers(found, skip={engine.info.name})
    if holders:
        verbose.info("secrets", "kept the secret and config files of project %s: it has containers on %s",
                     name, ", ".join(info.name for info in holders))
        return
    removed = remove_private_files(name)
    events.emit(f"project {name}", f"removed {counted(len(removed), 'secret or config file', 'secret and config files')}")
