"""`crank stats`: the CPU, memory, network and disk use of the project's containers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import OutputFormat, handle_sigint, json_errors, load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.runtime.models import ContainerState, ContainerStats

# The table's columns after SERVICE and #, as `docker stats` names them.
HEADERS = ["NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)


def stats(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services; default: all.", show_default=False)] = None,  # noqa: UP045
    all_containers: Annotated[bool, typer.Option("--all", "-a", help="Show stopped containers too; by default only running and paused ones.")] = False,
    no_stream: Annotated[bool, typer.Option("--no-stream", help="Read the containers once and print a table, instead of the engine's live view.")] = False,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts; json needs --no-stream.")] = OutputFormat.table,
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="Accepted for docker compose's users; crank prints whole names.")] = False,
) -> None:
    """Show the resource use of the project's running and paused containers.

    Without --no-stream, the engine's own live view runs until Ctrl-C, and crank starts it
    again when a container of the project starts, stops or is removed. With --no-stream, crank
    reads each container once and prints a row for it under its service and replica number.
    Values are as the engine reports them: Docker's memory in KiB, MiB and GiB, Podman's in
    kB, MB and GB.
    """
    from crank_cli import render
    from crank_cli.cli.absent import reject_absent_project
    from crank_cli.errors import Exit, ExitCode, UsageError
    from crank_cli.operations import labels, stats_view
    from crank_cli.operations.up import require_services

    names = tuple(services or ())
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        if as_json and not no_stream:
            raise UsageError("invalid --format json without --no-stream: the live view is the engine's own display; add --no-stream")
        project, engine = load_project_or_containers(ctx, names, verb="stats")
        require_services(project, names)
        states = engine.backend.list_containers(labels.container_filter(project.name))
        if not states:
            reject_absent_project(ctx, project.name, engine, "stats")
        chosen = stats_view.shown_containers(states, names, all_containers=all_containers)
        if not no_stream:
            handle_sigint()
            try:
                code = stats_view.follow(engine.backend, project.name, names, [state.name for state in chosen],
                                         all_containers=all_containers, notify=render.info)
            except KeyboardInterrupt:
                # Ctrl-C is how the live view ends: exit with 130, as `logs -f` and docker compose 2.40.3 do.
                code = ExitCode.INTERRUPTED
            # A negative code means crank ended the view on SIGTERM, which ends it as Ctrl-C does.
            raise Exit(ExitCode.INTERRUPTED if code < 0 else code)
        readings = {reading.name: reading for reading in engine.backend.read_stats([state.name for state in chosen])}
    rows = [(state, readings.get(state.name)) for state in chosen]
    if as_json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION,
                           "containers": [_json_row(state, reading) for state, reading in rows]})
        return
    cells = [[state.service, str(state.replica) if state.replica else "-", state.name,
              *(_values(reading) if reading else ["-"] * (len(HEADERS) - 1))] for state, reading in rows]
    render.print_table(None, ["SERVICE", "#", *HEADERS], cells)


def _values(reading: ContainerStats) -> list[str]:
    return [reading.cpu_percent, reading.memory_usage, reading.memory_percent, reading.net_io, reading.block_io,
            reading.pids]


def _json_row(state: ContainerState, reading: ContainerStats | None) -> dict[str, object]:
    """Return a container's row of `stats --format json`; a container the engine did not report has null values."""
    values = reading._asdict() if reading else {}
    return {"name": state.name, "service": state.service, "replica": state.replica or None, "state": state.state,
            **{key: values.get(key) for key in ("cpu_percent", "memory_usage", "memory_percent", "net_io", "block_io",
                                                 "pids")}}
