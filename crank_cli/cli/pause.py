"""`crank pause` and `crank unpause`: suspend and resume the project's containers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP

if TYPE_CHECKING:
    from collections.abc import Callable

    from crank_cli.compose import Project
    from crank_cli.operations.events import Events
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.resolve import Resolution

    Action = Callable[[Project, Backend, tuple[str, ...], Events], list[str]]


def register(app: typer.Typer) -> None:
    app.command("pause")(pause)
    app.command("unpause")(unpause)


def pause(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to pause; default: all.")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Pause the running containers of the project, or of the services named.

    Their processes stay suspended, holding their memory, until crank unpause.
    """
    from crank_cli.operations.pause import pause as run_pause

    _change(ctx, tuple(services or ()), run_pause, "pause", dry_run=dry_run)


def unpause(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to unpause; default: all.")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Resume the paused containers of the project, or of the services named."""
    from crank_cli.operations.pause import unpause as run_unpause

    _change(ctx, tuple(services or ()), run_unpause, "unpause", dry_run=dry_run)


def _change(ctx: typer.Context, services: tuple[str, ...], action: Action, verb: str, *, dry_run: bool) -> None:
    """Run `action` on the project's engine, and print a note when it found no container to act on."""
    from crank_cli import render
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.cli.context import is_dry_run, load_project_or_containers, progress

    dry = is_dry_run(ctx, dry_run)
    # A service named on the command line is enabled even when its profile is not, as with up.
    # The operation checks the names, with docker compose's exit code for an unknown one.
    project, engine = load_project_or_containers(ctx, services, verb=verb, dry_run=dry,
                                                  check_services=False)
    with progress(ctx, dry_run=dry_run) as events:
        changed = action(project, engine.backend, services, events)
        changed += _change_other_engines(ctx, project, engine, services, action, verb, events, dry=dry)
    if not changed:
        reject_if_absent(ctx, project.name, engine, verb)
        render.info(f"nothing to {verb} in project {project.name} on {engine.info.name}")


def _change_other_engines(ctx: typer.Context, project: Project, engine: Resolution, services: tuple[str, ...],
                          action: Action, verb: str, events: Events, *, dry: bool) -> list[str]:
    """Run `action` on the other engines with the project's containers, as on the chosen engine.

    Under runtime auto, each engine with the project's containers gets the same action. With
    a named engine, a `pause` of the whole project raises `UsageError` while another engine
    still runs some of it.
    """
    from crank_cli.cli.elsewhere import is_auto, other_engines, reject_left_elsewhere
    from crank_cli.operations.labels import container_filter

    pausing = verb == "pause"
    others = other_engines(ctx, project.name, engine, running=pausing, dry_run=dry)
    if not others:
        return []
    if not is_auto(ctx):
        # NOTE: with a named engine, paused containers on another engine after `unpause` are not reported.
        if pausing and not services and engine.backend.has_containers(container_filter(project.name)):
            reject_left_elsewhere(ctx, project.name, engine, others, verb, kind="running containers")
        return []
    changed: list[str] = []
    for other in others:
        changed += action(project, other.backend, services, events)
    return changed
