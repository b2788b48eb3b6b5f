"""Step 5's check: the moved services run, and are healthy where they have a healthcheck.

The waiting itself is `operations.wait`, which also runs Podman's checks where no systemd
schedules them. This module picks the containers and names the failed check in the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from crank_cli.errors import NotReadyError
from crank_cli.operations import wait
from crank_cli.operations.events import Events
from crank_cli.operations.up import readiness_targets
from crank_cli.runtime import queries
from crank_cli.runtime.compatible import DockerCompatibleEngine

if TYPE_CHECKING:
    from crank_cli.compose import Project


def wait_until_ready(engine: DockerCompatibleEngine, project: Project, containers: Mapping[str, list[str]],
                     timeout: float, events: Events) -> None:
    """Return when every container runs and is healthy; raise `NotReadyError` naming what failed."""
    targets = readiness_targets(project, dict(containers))
    try:
        wait.wait_for(engine, targets, timeout, events)
    except NotReadyError as error:
        details = [detail for name in _names(containers) if (detail := failed_check(engine, name))]
        message = f"{error.message} on {engine.name}" + "".join(f"; {detail}" for detail in details)
        raise NotReadyError(message) from None


def failed_check(engine: DockerCompatibleEngine, container: str) -> str | None:
    """Describe a container's failing healthcheck: its command and the last output, or None."""
    records = queries.inspect_containers(engine, [container])
    if not records:
        return None
    state = records[0].get("State") or {}
    health = state.get("Health") or state.get("Healthcheck") or {}
    if health.get("Status") not in ("unhealthy", "starting"):
        return None
    test = ((records[0].get("Config") or {}).get("Healthcheck") or {}).get("Test") or []
    command = " ".join(test[1:]) if isinstance(test, list) else str(test)
    log = health.get("Log") or []
    output = (log[-1].get("Output") or "").strip() if log else ""
    description = f"healthcheck `{command}` of {container} is {health.get('Status')}"
    return description + (f", last output: {output[:200]}" if output else "")


def _names(containers: Mapping[str, list[str]]) -> list[str]:
    return [name for names in containers.values() for name in names]
