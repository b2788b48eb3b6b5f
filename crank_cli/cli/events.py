"""`crank events`: follow what happens to the project's containers."""

from __future__ import annotations

import signal
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import handle_sigint, load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.runtime.models import ContainerEvent


def register(app: typer.Typer) -> None:
    app.command("events")(events)


def events(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services; default: all.", show_default=False)] = None,  # noqa: UP045
    json_lines: Annotated[bool, typer.Option("--json", help="Print one JSON object per event, for scripts.")] = False,
    since: Annotated[Optional[str], typer.Option("--since", metavar="TIME", help="First print the events recorded since TIME: a Unix time, a duration before now such as 10m, or a date and time such as 2026-12-05T19:10:00Z.")] = None,  # noqa: UP045
    until: Annotated[Optional[str], typer.Option("--until", metavar="TIME", help="Stop after the events up to TIME, in the forms --since takes.")] = None,  # noqa: UP045
) -> None:
    """Print each event of the project's containers as it happens, until Ctrl-C.

    Events of containers created after crank started are printed too, so a second terminal
    can watch `crank up` at work. The actions keep the engine's names: Docker's die and
    destroy are Podman's died and remove, and Podman adds init and cleanup. --since replays
    the events the engine recorded, and --until ends the stream at that time with exit code 0.
    """
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.errors import ExitCode
    from crank_cli.operations import labels
    from crank_cli.operations.up import require_services
    from crank_cli.time_points import parse_time_point

    handle_sigint()
    start = parse_time_point(since, "--since") if since is not None else None
    end = parse_time_point(until, "--until") if until is not None else None
    names = tuple(services or ())
    project, engine = load_project_or_containers(ctx, names, verb="events")
    require_services(project, names)
    # As stats and attach do: a project that another tool started, or that runs on another
    # engine, is refused rather than watched for events that crank's label filter never matches.
    reject_if_absent(ctx, project.name, engine, "events")
    write = _json_line if json_lines else _text_line
    # SIGTERM, from a supervisor or `timeout`, ends the watch as Ctrl-C does, so the engine's
    # event process ends with crank instead of running on.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        for event in engine.backend.follow_events(labels.container_filter(project.name), since=start, until=end):
            if _wanted(event, names, start, end):
                sys.stdout.write(write(event) + "\n")
                sys.stdout.flush()
    except KeyboardInterrupt:
        # Ctrl-C and SIGTERM both end the stream with exit code 130 and no error message, as docker compose 2.40.3 exits on both.
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _wanted(event: ContainerEvent, services: tuple[str, ...], since: float | None, until: float | None) -> bool:
    """Tell whether an event is of a service asked for and inside the time window.

    The engine takes whole seconds, so its stream may begin and end up to a second outside
    the window.
    """
    if services and event.service not in services:
        return False
    moment = event.time.timestamp()
    return (since is None or moment >= since) and (until is None or moment <= until)


def _attributes(event: ContainerEvent) -> dict[str, str]:
    found = {"exitCode": event.exit_code, "image": event.image, "name": event.name}
    return {key: value for key, value in found.items() if value}


def _text_line(event: ContainerEvent) -> str:
    """Return an event as docker compose prints it: local time, type, action, ID and attributes."""
    moment = event.time.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")
    details = ", ".join(f"{key}={value}" for key, value in _attributes(event).items())
    return f"{moment} container {event.action} {event.id} ({details})"


def _json_line(event: ContainerEvent) -> str:
    """Return an event as the JSON object of docker compose's --json, in UTC, with crank's schema version."""
    import json
    from datetime import timezone

    from crank_cli import render

    moment = event.time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return json.dumps({"schema": render.JSON_SCHEMA_VERSION, "action": event.action, "attributes": _attributes(event),
                       "id": event.id, "service": event.service, "time": moment, "type": "container"})
