"""`crank kill`: send a signal to the project's running containers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.operations.events import Events
    from crank_cli.runtime.resolve import Resolution


def register(app: typer.Typer) -> None:
    app.command("kill")(kill)


def kill(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services whose containers get the signal; default: all.")] = None,  # noqa: UP045
    signal: Annotated[str, typer.Option("--signal", "-s", metavar="SIGNAL", help="Signal to send, by name (SIGTERM, HUP) or number.")] = "SIGKILL",
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="Also signal the containers of services no longer in the compose files. As with docker compose, this removes nothing.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Send a signal, SIGKILL unless -s names another, to the project's running, paused and restarting containers.

    One-off containers of crank run get it too, as with docker compose kill.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.cli.context import is_dry_run, load_project_or_containers, progress
    from crank_cli.operations.kill import kill as run_kill
    from crank_cli.operations.kill import parse_signal

    names = tuple(services or ())
    chosen_signal = parse_signal(signal)
    dry = is_dry_run(ctx, dry_run)
    # A service named on the command line is enabled even when its profile is not, as with up.
    # The operation checks the names, with docker compose's exit code for an unknown one.
    project, engine = load_project_or_containers(ctx, names, verb="kill", dry_run=dry,
                                                  check_services=False)
    with progress(ctx, dry_run=dry_run) as events:
        killed = run_kill(project, engine.backend, names, chosen_signal, events, remove_orphans=remove_orphans)
        killed += _kill_on_other_engines(ctx, project, engine, names, chosen_signal, events,
                                         remove_orphans=remove_orphans, dry=dry)
    if not killed:
        reject_if_absent(ctx, project.name, engine, "kill")
        render.info(f"no container to kill in project {project.name} on {engine.info.name}")


def _kill_on_other_engines(ctx: typer.Context, project: Project, engine: Resolution, services: tuple[str, ...],
                           signal: str, events: Events, *, remove_orphans: bool, dry: bool) -> list[str]:
    """Signal the project's containers that run on other engines, as `kill` on the chosen engine did.

    Under runtime auto, each engine where the project runs gets the same `kill`. With a named
    engine, `UsageError` is raised while another engine still runs containers of the services
    named, or with none named, of the project.
    """
    from crank_cli.cli.elsewhere import act_on_running_elsewhere
    from crank_cli.operations.kill import kill as run_kill

    return act_on_running_elsewhere(
        ctx, project.name, engine, services, "kill",
        lambda backend: run_kill(project, backend, services, signal, events, remove_orphans=remove_orphans),
        dry_run=dry)
