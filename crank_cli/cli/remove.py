"""`crank rm`: remove the project's stopped containers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP

if TYPE_CHECKING:
    from crank_cli.runtime.models import ContainerState
    from crank_cli.runtime.resolve import Resolution


def register(app: typer.Typer) -> None:
    app.command("rm")(rm)


def rm(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services whose containers to remove; default: all.")] = None,  # noqa: UP045
    force: Annotated[bool, typer.Option("--force", "-f", help="Remove without asking for confirmation.")] = False,
    stop: Annotated[bool, typer.Option("--stop", "-s", help="Stop the running and paused containers first, dependents before their dependencies.")] = False,
    volumes: Annotated[bool, typer.Option("--volumes", "-v", help="Also remove the anonymous volumes of the containers; named volumes stay.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Remove the stopped containers of the project, or of the services named.

    crank prompts for confirmation first unless -f is given. Off a terminal it still reads the
    answer from standard input, as docker compose does, so `echo y | crank rm` removes and
    `crank rm < /dev/null` removes nothing. Running, paused and one-off containers stay.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.cli.context import is_dry_run, load_project_or_containers, progress
    from crank_cli.cli.elsewhere import is_auto, other_engines, reject_left_elsewhere
    from crank_cli.operations.remove import remove, removable_containers, stopped_containers
    from crank_cli.render.prompt import confirm

    names = tuple(services or ())
    dry = is_dry_run(ctx, dry_run)
    # A service named on the command line is enabled even when its profile is not, as with up.
    # The operation checks the names, with docker compose's exit code for an unknown one.
    project, engine = load_project_or_containers(ctx, names, verb="rm", dry_run=dry,
                                                  check_services=False)
    # After `crank migrate SERVICE` or `--keep-source`, other engines can have containers too.
    # Under runtime auto `rm` acts on each of them, and with a named engine it reports them.
    others = other_engines(ctx, project.name, engine, dry_run=dry)
    auto = is_auto(ctx)
    reached = [engine, *others] if auto else [engine]
    with progress(ctx, dry_run=dry_run) as events:
        found = [(holder, stopped_containers(project, holder.backend, names, events, stop=stop, dry_run=dry))
                 for holder in reached]
    found = [(holder, states) for holder, states in found if states]
    left = [] if auto else [other for other in others if removable_containers(project, other.backend, names, stop=stop)]
    kind = "containers" if stop else "stopped containers"
    if not found:
        reject_if_absent(ctx, project.name, engine, "rm")
        if left:
            reject_left_elsewhere(ctx, project.name, engine, left, "rm", kind=kind)
        render.info(f"no stopped containers to remove in project {project.name} on {engine.info.name}")
        return
    plan = _removal_plan(found)
    if force or dry:
        # A dry run changes nothing, so it skips the prompt, although docker compose (v2.40.3) prompts then too.
        render.info(plan)
    elif not confirm(plan):
        render.info("no container removed: the answer was not yes; pass -f to remove without asking")
        return
    with progress(ctx, dry_run=dry_run) as events:
        for holder, states in found:
            remove(holder.backend, [state.name for state in states], events, volumes=volumes)
    if left:
        reject_left_elsewhere(ctx, project.name, engine, left, "rm", kind=kind)


def _removal_plan(found: list[tuple[Resolution, list[ContainerState]]]) -> str:
    """Return the line that names the containers to remove, each with its engine when there are several engines."""
    several = len(found) > 1
    targets = [f"{state.name} on {holder.info.name}" if several else state.name
               for holder, states in found for state in states]
    return f"Going to remove {', '.join(targets)}"
