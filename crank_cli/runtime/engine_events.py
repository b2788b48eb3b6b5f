"""Read the container events that `docker events` and `podman events` print as JSON.

Docker prints one object per line with `--format '{{json .}}'`: the action, the container's ID,
its labels with `image` and `name` among them, and `timeNano`. Podman 4.3 prints one object per
line with `--format json`: `Status`, `ID`, `Name`, `Image`, `Time` (RFC 3339), the labels, and
`ContainerExitCode` when the container died. Each engine keeps its own action names: Docker's
`die` and `destroy` are Podman's `died` and `remove`, and Podman adds `init` and `cleanup`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from crank_cli.runtime.models import ContainerEvent

SERVICE_LABEL = "io.crank.service"
# The arguments that print container events as JSON, before the filters.
DOCKER_ARGS = ("events", "--filter", "type=container", "--format", "{{json .}}")
PODMAN_ARGS = ("events", "--filter", "type=container", "--format", "json")


def docker_event(line: str) -> ContainerEvent | None:
    """Return the event of one line of Docker's output, or None when the line is not an event."""
    record = _object(line)
    if record is None:
        return None
    actor = record.get("Actor") or {}
    attributes = actor.get("Attributes") or {}
    nanoseconds = int(record.get("timeNano") or 0)
    return ContainerEvent(
        time=datetime.fromtimestamp(nanoseconds / 1e9, timezone.utc),
        action=str(record.get("Action") or record.get("status") or ""),
        id=str(actor.get("ID") or record.get("id") or ""),
        name=str(attributes.get("name") or ""),
        image=str(attributes.get("image") or ""),
        service=str(attributes.get(SERVICE_LABEL) or ""),
        exit_code=attributes.get("exitCode"),
    )


def podman_event(line: str) -> ContainerEvent | None:
    """Return the event of one line of Podman's output, or None when the line is not an event."""
    record = _object(line)
    if record is None:
        return None
    attributes = record.get("Attributes") or {}
    exit_code = record.get("ContainerExitCode")
    return ContainerEvent(
        time=_rfc3339(str(record.get("Time") or "")),
        action=str(record.get("Status") or ""),
        id=str(record.get("ID") or ""),
        name=str(record.get("Name") or ""),
        image=str(record.get("Image") or ""),
        service=str(attributes.get(SERVICE_LABEL) or ""),
        # Podman sets the exit code on the `died` event only; it is 0 elsewhere.
        exit_code=str(exit_code) if record.get("Status") == "died" and exit_code is not None else None,
    )


def _object(line: str) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def _rfc3339(text: str) -> datetime:
    """Read an RFC 3339 time; Python 3.11's parser takes nanoseconds and `Z`."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        # An event is still worth printing without its time, so it gets the time crank read it.
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
