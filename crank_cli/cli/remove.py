"""`crank rm`: remove the project's stopped containers."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP


def register(app: typer.Typer) -> None:
    app.command("rm")(rm)


def rm(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services whose containers to remove; default: all.")] = None,  # noqa: UP045
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
    from crank_cli.operations.remove import remove, stopped_containers
    from crank_cli.render.prompt import confirm

    names = tuple(services or ())
    dry = is_dry_run(ctx, dry_run)
    # A service named on the command line is enabled even when its profile is not, as with up.
    # The operation checks the names, with docker compose's exit code for an unknown one.
    project, engine = load_project_or_containers(ctx, names, verb="rm", dry_run=dry,
                                                  check_services=False)
    with progress(ctx, dry_run=dry_run) as events:
        stopped = stopped_containers(project, engine.backend, names, events, stop=stop, dry_run=dry)
    if not stopped:
        reject_if_absent(ctx, project.name, engine, "rm")
        render.info(f"no stopped containers to remove in project {project.name} on {engine.info.name}")
        return
    targets = [state.name for state in stopped]
    plan = f"Going to remove {', '.join(targets)}"
    if force or dry:
        # A dry run changes nothing, so it skips the prompt, although docker compose (v2.40.3) prompts then too.
        render.info(plan)
    elif not confirm(plan):
        render.info("no container removed: the answer was not yes; pass -f to remove without asking")
        return
    with progress(ctx, dry_run=dry_run) as events:
        remove(engine.backend, targets, events, volumes=volumes)
