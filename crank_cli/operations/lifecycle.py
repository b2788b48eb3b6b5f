"""`start` and `restart`: act on a project's existing containers in dependency order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.operations import graph, labels
from crank_cli.operations.events import Events
from crank_cli.operations.up import by_service, require_services
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project


def start_services(project: Project, backend: Backend, services: Sequence[str], events: Events) -> list[str]:
    """Start stopped containers, dependencies first; return the names started."""
    started: list[str] = []
    for level in _levels(project, backend, services):
        names = [state.name for state in level if not state.running]
        if names:
            backend.start_containers(names)
            _announce(events, names, "started")
            started += names
    return started


def restart_services(project: Project, backend: Backend, services: Sequence[str], timeout: int | None,
                     events: Events) -> list[str]:
    """Restart containers, dependencies first; return the names restarted."""
    restarted: list[str] = []
    for level in _levels(project, backend, services):
        names = [state.name for state in level]
        if names:
            backend.restart_containers(names, timeout)
            _announce(events, names, "restarted")
            restarted += names
    return restarted


def _levels(project: Project, backend: Backend, services: Sequence[str]):  # type: ignore[no-untyped-def]
    require_services(project, services)
    grouped = by_service(backend.list_containers(labels.project_filter(project.name)))
    chosen = set(services) or set(project.model["services"])
    for level in graph.start_levels(project.model["services"], chosen):
        yield [state for service in level for state in sorted(grouped.get(service, []), key=lambda s: s.replica)]


def _announce(events: Events, names: Sequence[str], status: str) -> None:
    for name in names:
        events.emit(name, status)
