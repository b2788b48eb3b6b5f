"""`down` and `stop`: stop a project's containers, and for `down` remove what `up` created.

Containers stop in reverse dependency order: dependents first, the services of one level
together in one engine call, which the engine runs in parallel. `down` stops and removes each
level before it moves on to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from crank_cli.errors import InvalidProjectError, NoSuchContainerError, UsageError
from crank_cli.operations import graph, image_removal, labels
from crank_cli.operations.events import Events
from crank_cli.operations.foreign import foreign_message
from crank_cli.operations.cancel import check_cancelled
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState
from crank_cli.threads import call_all

if TYPE_CHECKING:
    from crank_cli.compose import Project


# The states of a container that `stop` stops: its processes run, or are suspended by `pause`.
STOPPABLE_STATES = frozenset({"running", "paused"})


class DownOptions(NamedTuple):
    remove_volumes: bool = False
    timeout: int | None = None
    remove_images: str | None = None  # None, "all" or "local"
    remove_orphans: bool = False
    force: bool = False


class DownResult:
    """The names of what `down` removed, and what it left and why."""

    def __init__(self, containers: list[str] | None = None) -> None:
        self.containers: list[str] = containers or []
        self.networks: list[str] = []
        self.volumes: list[str] = []
        self.images: list[str] = []
        self.warnings: list[str] = []


def down(project: Project | None, name: str, backend: Backend, options: DownOptions, events: Events, *,
         check_absent: Callable[[list[str], list[str]], None] | None = None) -> DownResult:
    """Remove the project's containers and networks, and as asked its volumes and images.

    `check_absent` runs when the engine has no container of the project, before anything is
    removed, so it can raise when the project runs elsewhere. It gets the names of the
    project's networks and (with `remove_volumes`) volumes that the engine has.
    """
    result = DownResult()
    states, networks, volumes = _read_project(name, backend, with_volumes=options.remove_volumes)
    if not states:
        foreign = down_foreign(name, backend, options, events)
        if foreign is not None:
            return foreign
        if check_absent is not None:
            check_absent(networks, volumes)
    keep = _orphans(project, states) if project is not None and not options.remove_orphans else []
    if keep:
        result.warnings.append(f"kept containers of services no longer in the project: {', '.join(keep)}; "
                               "pass --remove-orphans to remove them")
        if networks:
            result.warnings.append(f"kept the project's networks, because the kept containers may use them: "
                                   f"{', '.join(networks)}")
    removable = [state for state in states if state.name not in keep]
    for level in container_stop_levels(_services(project, states), removable):
        check_cancelled()
        _announce(events, level, "stopping and removing")
        # One call per level: the engine stops and removes the containers of one call in parallel.
        backend.stop_and_remove(level, options.timeout)
        _announce(events, level, "removed")
        result.containers += level
    if not keep:
        result.networks = networks
        backend.remove_networks(result.networks)
        _announce(events, [f"network {network}" for network in result.networks], "removed")
    if options.remove_volumes:
        result.volumes = volumes
        backend.remove_volumes(result.volumes)
        _announce(events, [f"volume {volume}" for volume in result.volumes], "removed")
    if options.remove_images:
        _remove_images(project, backend, options.remove_images, states, result, events)
    return result


def _read_project(name: str, backend: Backend, *, with_volumes: bool) -> tuple[list[ContainerState], list[str], list[str]]:
    """Read the project's containers, networks and (if asked) volumes in one parallel round."""
    found = labels.project_filter(name)
    states, networks, volumes = call_all([
        lambda: backend.list_containers(labels.container_filter(name)),
        lambda: backend.list_networks(found),
        lambda: backend.list_volumes(found) if with_volumes else [],
    ])
    return states, networks, volumes


def stop_in_order(services: Mapping[str, dict[str, Any]], backend: Backend, states: Sequence[ContainerState],
                  timeout: int | None, events: Events) -> None:
    """Stop running and paused containers, dependents before their dependencies in `services`.

    As with docker compose stop (v2.40.3), a paused container stops too. crank resumes it
    first, because Podman 4.3 rejects a stop of a paused container.
    """
    running = [state for state in states if state.state in STOPPABLE_STATES]
    if not running:
        return
    paused = [state.name for state in running if state.state == "paused"]
    if paused:
        backend.unpause_containers(paused)
    for level in container_stop_levels(services, running):
        check_cancelled()
        _announce(events, level, "stopping")
        # One call per level: the engine stops the containers of one call in parallel.
        backend.stop_containers(level, timeout)
        _announce(events, level, "stopped")


def stop(project: Project | None, name: str, backend: Backend, targets: Sequence[str],
         timeout: int | None, events: Events) -> list[str]:
    """Stop the project's running containers, or only those of the services or containers named.

    A name that is neither a service nor a container of the project can be any other
    container, as with `docker stop`. Returns the names of the containers that were running.
    """
    states = backend.list_containers(labels.container_filter(name))
    known_services = set(project.model["services"]) if project is not None else set()
    outside = [target for target in targets
               if target not in known_services and not any(_matches(state, target) for state in states)]
    running_outside = stop_named_containers(backend, outside, timeout, events,
                                            missing=f"no such service in project {name}, and no such container")
    chosen = [state for state in states
              if any(_matches(state, target) for target in targets) or (not targets and not labels.is_one_off(state))]
    stop_in_order(_services(project, states), backend, chosen, timeout, events)
    return running_outside + [state.name for state in chosen if state.state in STOPPABLE_STATES]


def stop_named_containers(backend: Backend, names: Sequence[str], timeout: int | None, events: Events, *,
                          missing: str = "no such container") -> list[str]:
    """Stop the running containers of these names; return their names.

    Raises `NoSuchContainerError`, before it stops any, when a name is no container's: its
    message is `missing`, then a colon and those names.
    """
    found = backend.inspect_containers(names) if names else []
    unknown = [target for target in names if not any(_is_named(state, target) for state in found)]
    if unknown:
        raise NoSuchContainerError(missing, unknown)
    running = [state.name for state in found if state.running]
    if running:
        _announce(events, running, "stopping")
        backend.stop_containers(running, timeout)
        _announce(events, running, "stopped")
    return running


def down_foreign(name: str, backend: Backend, options: DownOptions, events: Events) -> DownResult | None:
    """Remove a project that another tool started, only with --force; None if there is none."""
    for label, tool in labels.FOREIGN_PROJECT_LABELS.items():
        states = backend.list_containers({label: name})
        if not states:
            continue
        if not options.force:
            advice = f"stop it with {tool}, or pass --force to remove its containers and networks with crank"
            raise UsageError(foreign_message(name, tool, advice))
        result = DownResult(containers=[state.name for state in states])
        backend.stop_containers([state.name for state in states if state.running], options.timeout)
        backend.remove_containers(result.containers)
        _announce(events, result.containers, "removed")
        result.networks = backend.list_networks({label: name})
        backend.remove_networks(result.networks)
        if options.remove_volumes:
            result.volumes = backend.list_volumes({label: name})
            backend.remove_volumes(result.volumes)
        return result
    return None


def _services(project: Project | None, states: Sequence[ContainerState]) -> Mapping[str, dict[str, Any]]:
    """Return the services whose `depends_on` sets the stop order.

    Without a compose file, these are the services that the containers' labels record. With
    one, a container whose service the model lacks (its profile is not enabled, or the files
    no longer define it) adds its service as its labels record it, so it stops before the
    services it depends on.
    """
    if project is None:
        return labels.recorded_services(states)
    services = project.model["services"]
    recorded = labels.recorded_services(state for state in states if state.service not in services)
    if not recorded:
        return services
    merged = {**recorded, **services}
    try:
        graph.start_levels(merged)
    except InvalidProjectError:
        # A label can close a cycle with the model (web depends on tool with `required:
        # false`, and tool's label on web). The model alone then sets the order, and the
        # containers outside it stop last.
        return services
    return merged


def container_levels(services: Mapping[str, dict[str, Any]], states: Sequence[ContainerState]) -> list[list[str]]:
    """Group containers into start levels of their services; unknown services go first."""
    levels = graph.start_levels(services)
    grouped = [[state.name for state in states if state.service not in services]]
    grouped += [[state.name for state in states if state.service in level] for level in levels]
    return [level for level in grouped if level]


def container_stop_levels(services: Mapping[str, dict[str, Any]], states: Sequence[ContainerState]) -> list[list[str]]:
    """Group containers into the stop levels of their services; unknown services go last."""
    levels = graph.stop_levels(services)
    grouped = [[state.name for state in states if state.service in level] for level in levels]
    grouped.append([state.name for state in states if state.service not in services])
    return [level for level in grouped if level]


def _orphans(project: Project, states: Sequence[ContainerState]) -> list[str]:
    """Return the containers of services that the compose files no longer define.

    Containers of a service that no active profile enables are not orphans, so `down`
    removes them, as `docker compose down` (v2.40.3) does.
    """
    defined = set(project.model["services"]) | set(project.disabled_services)
    return [state.name for state in states if state.service not in defined]


def _remove_images(project: Project | None, backend: Backend, scope: str, states: Sequence[ContainerState],
                   result: DownResult, events: Events) -> None:
    if project is None and scope == "local":
        result.warnings.append(image_removal.LOCAL_WITHOUT_FILE)
        return
    names = image_removal.project_images(project, states, scope)
    removal = image_removal.remove_unused_images(backend, names, result.containers)
    _announce(events, [f"image {name}" for name in removal.removed], "removed")
    result.images = removal.removed
    result.warnings += removal.warnings


def _matches(state: ContainerState, target: str) -> bool:
    """Return whether `target` names the container, or its service when `up` made it.

    As with `docker compose stop`, a service's one-off containers of `crank run` stop
    only when named.
    """
    return state.name == target or (state.service == target and not labels.is_one_off(state))


def _is_named(state: ContainerState, target: str) -> bool:
    """Return whether `target` is the container's name, its ID or a prefix of its ID."""
    return state.name == target or state.id.startswith(target)


def _announce(events: Events, subjects: Sequence[str], status: str) -> None:
    for subject in subjects:
        events.emit(subject, status)
