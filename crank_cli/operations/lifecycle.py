"""`start` and `restart`: act on a project's existing containers in dependency order.

`start` waits, before it starts a service, until the service's dependencies meet their
`depends_on` conditions, as `up` and `docker compose start` do. `restart` follows only the
`depends_on` entries with `restart: true`, as `docker compose restart` (v2.40.3) does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crank_cli.errors import CrankError
from crank_cli.operations import graph, labels, wait
from crank_cli.operations.events import Events
from crank_cli.operations.up import by_service, require_services
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project


class NoContainerToStartError(CrankError):
    """A `start` on a project without containers: exit code 1, as with docker compose (v2.40.3)."""


def start_services(project: Project, backend: Backend, services: Sequence[str], events: Events, *,
                   skip: Collection[str] = ()) -> list[str]:
    """Start stopped containers level by level, each service once its dependencies meet their conditions.

    Returns the names of the containers started. Raises `NoContainerToStartError` when the
    project has no container at all. When only the services named have none, nothing starts
    and no error is raised, as with `docker compose start` (v2.40.3). The containers of the
    services in `skip` stay as they are, and nothing waits for them.
    """
    if services:
        # The services named start after their dependencies, which start too if they are stopped.
        require_services(project, services)
        services = sorted(graph.with_dependencies(project.model["services"], services))
    grouped = _read_project(project, backend, services)
    levels = _service_levels(project, services)
    if not grouped:
        raise NoContainerToStartError(_no_container_message(project, levels))
    grouped = {service: states for service, states in grouped.items() if service not in skip}
    containers = {service: [state.name for state in states] for service, states in grouped.items()}
    started: list[str] = []
    for level in levels:
        stopped_services = [service for service in level if any(not state.running for state in grouped.get(service, []))]
        for service in stopped_services:
            wait.wait_for_dependencies(project, backend, service, containers, None, events)
        names = [state.name for state in _level_states(level, grouped) if not state.running]
        if names:
            backend.start_containers(names)
            _announce(events, names, "started")
            started += names
    return started


def _no_container_message(project: Project, levels: list[list[str]]) -> str:
    """Name the first service that start would start, or the project when it has no service."""
    first = next((service for level in levels for service in level), None)
    if first is None:
        return f'no container found for project "{project.name}": create its containers with crank up'
    return f'service "{first}" has no container to start: create its containers with crank up'


def restart_services(project: Project, backend: Backend, services: Sequence[str], timeout: int | None,
                     events: Events, *, no_deps: bool = False, skip: Collection[str] = ()) -> list[str]:
    """Restart containers level by level along the `depends_on` entries with `restart: true`.

    The services named bring along the services that depend on them with `restart: true`, at
    any depth, as with `docker compose restart` (v2.40.3), unless `no_deps` is set. The compose model gives a
    `network_mode: service:X` entry such a dependency on X, so a container that shares X's
    network namespace joins the new one. Before a service restarts, its `restart: true`
    dependencies that this call restarts must meet their conditions. Returns the names of
    the containers restarted. The containers of the services in `skip` stay as they are.
    """
    grouped = {service: states for service, states in _read_project(project, backend, services).items()
               if service not in skip}
    restart_graph = _restart_graph(project.model["services"], services, with_dependents=not no_deps)
    containers = {service: [state.name for state in states] for service, states in grouped.items()}
    restarted: list[str] = []
    for level in graph.start_levels(restart_graph):
        for service in level:
            dependencies = {name: containers.get(name, []) for name in restart_graph[service]["depends_on"]}
            wait.wait_for_dependencies(project, backend, service, dependencies, None, events)
        names = [state.name for state in _level_states(level, grouped)]
        if names:
            _announce(events, names, "restarting")
            backend.restart_containers(names, timeout)
            _announce(events, names, "restarted")
            restarted += names
    return restarted


def _restart_graph(services: Mapping[str, dict[str, Any]], named: Sequence[str], *,
                   with_dependents: bool) -> dict[str, dict[str, Any]]:
    """Return the services that `restart` acts on, each with only its `restart: true` dependencies among them."""
    edges = {name: {dependency: options for dependency, options in (service.get("depends_on") or {}).items()
                    if dependency in services and (options or {}).get("restart")}
             for name, service in services.items()}
    chosen = set(named) or set(services)
    pending = list(chosen) if with_dependents else []
    while pending:
        dependency = pending.pop()
        for name, dependencies in edges.items():
            if dependency in dependencies and name not in chosen:
                chosen.add(name)
                pending.append(name)
    return {name: {"depends_on": {dependency: options for dependency, options in edges[name].items()
                                  if dependency in chosen}}
            for name in chosen}


def _read_project(project: Project, backend: Backend, services: Sequence[str]) -> dict[str, list[ContainerState]]:
    """Check the service names, then read the project's containers by service.

    One-off containers of `crank run` are left out: `docker compose start` and `restart`
    leave them alone too.
    """
    require_services(project, services)
    states = backend.list_containers(labels.container_filter(project.name))
    return by_service([state for state in states if not labels.is_one_off(state)])


def _service_levels(project: Project, services: Sequence[str]) -> list[list[str]]:
    chosen = set(services) or set(project.model["services"])
    return graph.start_levels(project.model["services"], chosen)


def _level_states(level: Sequence[str], grouped: dict[str, list[ContainerState]]) -> list[ContainerState]:
    return [state for service in level for state in sorted(grouped.get(service, []), key=lambda s: s.replica)]


def _announce(events: Events, names: Sequence[str], status: str) -> None:
    for name in names:
        events.emit(name, status)
