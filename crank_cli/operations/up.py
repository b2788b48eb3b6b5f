"""`up`: bring a project to the state its compose files describe.

Resources are created in this order: networks, named volumes, missing images, then the
services level by level along `depends_on`, each level in parallel. A container whose
config-hash label matches the service's current definition is left alone (started if it
was stopped), so running `up` twice creates nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crank_cli.errors import UsageError
from crank_cli.operations import graph, labels, specs
from crank_cli.operations.events import Events
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project


@dataclass(frozen=True)
class UpOptions:
    services: tuple[str, ...] = ()
    parallel: int = 8


@dataclass
class UpResult:
    """The action `up` took on each container, by container name."""

    actions: dict[str, str] = field(default_factory=dict)
    containers: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(action != "running" for action in self.actions.values())


def up(project: Project, backend: Backend, options: UpOptions, events: Events) -> UpResult:
    """Create and start what the project needs; return what was done to each container."""
    services = project.model["services"]
    check_services_exist(project, options.services)
    selected = graph.with_dependencies(services, options.services or services)
    observed = existing_containers(backend, project.name)

    ensure_networks(project, backend, selected, events)
    ensure_volumes(project, backend, selected, events)
    ensure_images(project, backend, selected, events)

    result = UpResult()
    for level in graph.start_levels(services, selected):
        actions = run_all(lambda name: converge(project, backend, name, observed, events), level, options.parallel)
        for name, action in zip(level, actions, strict=True):
            container = specs.container_name(project, name)
            result.actions[container] = action
            result.containers.append(container)
    return result


def check_services_exist(project: Project, names: Sequence[str]) -> None:
    unknown = [name for name in names if name not in project.model["services"]]
    if unknown:
        known = ", ".join(sorted(project.model["services"]))
        raise UsageError(f"no such service: {', '.join(unknown)} (the project has {known})")


def existing_containers(backend: Backend, project: str) -> dict[str, ContainerState]:
    """Return the project's containers by name."""
    return {state.name: state for state in backend.list_containers(labels.project_filter(project))}


def ensure_networks(project: Project, backend: Backend, selected: set[str], events: Events) -> None:
    wanted = {
        network.name
        for name in selected
        for network in specs.container_spec(project, name).networks
        if not _is_external(project.model.get("networks", {}), network.name)
    }
    present = set(backend.list_networks(labels.project_filter(project.name)))
    for name in sorted(wanted - present):
        backend.create_network(name, labels.resource_labels(project.name, **{labels.NETWORK: name}))
        events.emit(f"network {name}", "created")


def ensure_volumes(project: Project, backend: Backend, selected: set[str], events: Events) -> None:
    declared = project.model.get("volumes") or {}
    used = {
        volume.get("source")
        for name in selected
        for volume in project.model["services"][name].get("volumes") or ()
        if volume.get("type") == "volume"
    }
    wanted = {declared[key]["name"] for key in used if key in declared and not declared[key].get("external")}
    present = set(backend.list_volumes(labels.project_filter(project.name)))
    for name in sorted(wanted - present):
        backend.create_volume(name, labels.resource_labels(project.name, **{labels.VOLUME: name}))
        events.emit(f"volume {name}", "created")


def ensure_images(project: Project, backend: Backend, selected: set[str], events: Events) -> None:
    """Build the images of services that have `build` and whose image is missing."""
    for name in sorted(selected):
        build = specs.build_spec(project, name)
        if build is None or backend.image_exists(build.tag):
            continue
        events.emit(f"image {build.tag}", "building")
        backend.build_image(build)
        events.emit(f"image {build.tag}", "built")


def converge(
    project: Project, backend: Backend, service: str, observed: dict[str, ContainerState], events: Events
) -> str:
    """Make one service's container match its definition; return the action taken."""
    spec = specs.container_spec(project, service)
    current = observed.get(spec.name)
    if current is not None and current.labels.get(labels.CONFIG_HASH) == spec.labels[labels.CONFIG_HASH]:
        if current.running:
            return "running"
        events.emit(spec.name, "starting")
        backend.start_containers([spec.name])
        events.emit(spec.name, "started")
        return "started"
    if current is not None:
        events.emit(spec.name, "recreating")
        backend.remove_containers([spec.name])
    events.emit(spec.name, "creating")
    backend.run_container(spec)
    action = "recreated" if current is not None else "created"
    events.emit(spec.name, action)
    return action


def _is_external(networks: dict[str, dict], engine_name: str) -> bool:
    return any(network.get("name") == engine_name and network.get("external") for network in networks.values())
