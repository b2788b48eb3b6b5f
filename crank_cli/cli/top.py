"""`crank top`: the processes running in the project's containers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.operations.top import ContainerProcesses

# The column of the command line, which the table shows last because it is the longest.
COMMAND_COLUMNS = ("CMD", "COMMAND")


def register(app: typer.Typer) -> None:
    app.command("top")(top)


def top(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services; default: all.", show_default=False)] = None,  # noqa: UP045
) -> None:
    """Show the processes in each running or paused container, one row per process.

    The rows of each container follow each other, under its service and replica number.
    The other columns are those of the engine's own top: Docker runs ps -ef, Podman reports
    user, PID, CPU share, elapsed time and command.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_absent_project
    from crank_cli.operations import labels
    from crank_cli.operations.top import project_processes
    from crank_cli.operations.up import require_services

    names = tuple(services or ())
    project, engine = load_project_or_containers(ctx, names, verb="top")
    require_services(project, names)
    states = engine.backend.list_containers(labels.container_filter(project.name))
    if not states:
        reject_absent_project(ctx, project.name, engine, "top")
    chosen = [state for state in states if not names or state.service in names]
    found = project_processes(engine.backend, chosen)
    if not found:
        render.info(f"no running containers in project {project.name} on {engine.info.name}")
        return
    for item in found:
        if item.paused and not item.processes.processes:
            render.info(f"{item.container} is paused, and {engine.info.name} lists no processes of a paused container")
    if not any(item.processes.processes for item in found):
        return
    headers, rows = process_table(found)
    render.print_table(None, headers, rows, hidden_when_narrow=NARROW_HIDDEN)


# The columns of Docker's and Podman's `top` that a narrow terminal hides first, so the
# service, the process IDs and the command stay readable.
NARROW_HIDDEN = ("C", "%CPU", "STIME", "ELAPSED", "TTY", "TIME", "PPID", "UID", "USER")


def process_table(found: Sequence[ContainerProcesses]) -> tuple[list[str], list[list[str]]]:
    """Merge the processes of every container into one table with SERVICE and # columns first.

    Engines may report different columns for different containers, so the columns are
    those of every container, in the order first seen, with the command last. A process
    that lacks a column shows `-` there.
    """
    titles: list[str] = []
    for item in found:
        titles += [title for title in item.processes.titles if title not in titles]
    titles.sort(key=lambda title: title in COMMAND_COLUMNS)
    rows: list[list[str]] = []
    for item in found:
        positions = {title: position for position, title in enumerate(item.processes.titles)}
        replica = str(item.replica) if item.replica else "-"
        for process in item.processes.processes:
            values = [process[positions[title]] if title in positions else "-" for title in titles]
            rows.append([item.service, replica, *values])
    return ["SERVICE", "#", *titles], rows
