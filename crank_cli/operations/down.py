"""`down` and `stop`: stop a project's containers, and for `down` remove what `up` created."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from crank_cli.operations import labels
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState


@dataclass(frozen=True)
class DownOptions:
    remove_volumes: bool = False
    timeout: int | None = None


@dataclass
class DownResult:
    """The names of what `down` removed."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)


def down(project_name: str, backend: Backend, options: DownOptions, events: Events) -> DownResult:
    """Remove every container and network labelled for the project, and with the option its volumes."""
    found = labels.project_filter(project_name)
    result = DownResult()
    result.containers = [state.name for state in backend.list_containers(found)]
    if result.containers:
        _announce(events, result.containers, "stopping")
        backend.stop_containers(result.containers, options.timeout)
        backend.remove_containers(result.containers)
        _announce(events, result.containers, "removed")
    result.networks = backend.list_networks(found)
    backend.remove_networks(result.networks)
    _announce(events, [f"network {name}" for name in result.networks], "removed")
    if options.remove_volumes:
        result.volumes = backend.list_volumes(found)
        backend.remove_volumes(result.volumes)
        _announce(events, [f"volume {name}" for name in result.volumes], "removed")
    return result


def stop(
    project_name: str, backend: Backend, services: Sequence[str], timeout: int | None, events: Events
) -> list[str]:
    """Stop the project's running containers, or only those of the services named."""
    running = [state for state in backend.list_containers(labels.project_filter(project_name)) if state.running]
    chosen = [state.name for state in running if _selected(state, services)]
    if chosen:
        _announce(events, chosen, "stopping")
        backend.stop_containers(chosen, timeout)
        _announce(events, chosen, "stopped")
    return chosen


def _selected(state: ContainerState, services: Sequence[str]) -> bool:
    return not services or state.labels.get(labels.SERVICE) in services or state.name in services


def _announce(events: Events, subjects: Sequence[str], status: str) -> None:
    for subject in subjects:
        events.emit(subject, status)
