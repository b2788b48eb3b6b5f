"""`crank wait`: block until the containers of services stop, and exit with the last one's exit code."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.absent import reject_if_absent
from crank_cli.cli.context import load_project_or_containers
from crank_cli.errors import CrankError


def register(app: typer.Typer) -> None:
    app.command("wait")(wait)


class NoRunningContainerError(CrankError):
    """The services have no running container to wait for: exit code 1, as with docker compose (v2.40.3)."""


def wait(
    ctx: typer.Context,
    services: Annotated[list[str], typer.Argument(autocompletion=complete.services, help="Services whose running containers to wait for.", show_default=False)],
    down_project: Annotated[bool, typer.Option("--down-project", help="Once the containers have stopped, remove the project as down --remove-orphans does.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --down-project, print the engine commands that down would run instead of running them; the wait itself is the same.")] = False,
) -> None:
    """Block until the running containers of the services stop.

    Prints a line for each container as it stops, and exits with the exit code of the last
    one to stop. One-off containers of crank run count too.
    """
    import sys

    from crank_cli import render
    from crank_cli.operations import labels
    from crank_cli.operations.exits import ACTIVE_STATES, wait_for_exits
    from crank_cli.operations.up import require_services

    project, engine = load_project_or_containers(ctx, tuple(services), verb="wait")
    require_services(project, services)
    states = [state for state in engine.backend.list_containers(labels.container_filter(project.name))
              if state.service in services and state.state in ACTIVE_STATES]
    if not states:
        reject_if_absent(ctx, project.name, engine, "wait")
        raise NoRunningContainerError(f"no running container of {', '.join(services)} in project {project.name} "
                                      f"on {engine.info.name}: start it with crank up")

    def report(state, exit_code: int) -> None:  # type: ignore[no-untyped-def]
        # The line docker compose (v2.40.3) prints, with the container's full ID.
        render.print_lines([f'container "{state.id}" exited with status code {exit_code}'])
        sys.stdout.flush()

    code = wait_for_exits(engine.backend, states, report)
    if down_project:
        from crank_cli.cli.actions.down import run as run_down

        run_down(ctx, volumes=False, timeout=None, rmi=None, remove_orphans=True, force=False, dry_run=dry_run)
    raise typer.Exit(code)
