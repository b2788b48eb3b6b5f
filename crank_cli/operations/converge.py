"""Bring one service's containers to the definition: create, keep, recreate, restart or remove.

A container is current when its config-hash label equals the hash of the service's
definition and it runs the image ID the service's image has now. A current container is left
alone (started if stopped); any other is replaced, and its replacement mounts its anonymous
volumes (see `anonymous_volumes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import EngineError, InvalidProjectError
from crank_cli.operations import labels
from crank_cli.operations.anonymous_volumes import with_adopted_volumes, with_inherited_volumes
from crank_cli.operations.events import Events
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec, ContainerState, Mount

if TYPE_CHECKING:
    from crank_cli.compose import Project


class ConvergeOptions(NamedTuple):
    recreate: str = "auto"  # auto, force (--force-recreate) or never (--no-recreate)
    start: bool = True  # False for --no-start: create only
    restart_for_dependency: bool = False  # a `restart: true` dependency was replaced
    timeout: int | None = None
    parallel: int = 1  # the maximum number of surplus containers removed at once
    # True for --renew-anon-volumes: a new container gets new anonymous volumes, not the old container's.
    renew_anonymous_volumes: bool = False
    # Volumes that a new container mounts at its anonymous volume paths, by container name (see `UpOptions`).
    adopted_volumes: dict[str, tuple[Mount, ...]] = {}  # never changed, so one shared empty default is safe


def replica_count(project: Project, service: str, overrides: dict[str, int]) -> int:
    """Return how many containers a service should have: --scale, then scale, then deploy.replicas, then 1."""
    definition = project.model["services"][service]
    if service in overrides:
        count = overrides[service]
    elif definition.get("scale") is not None:
        count = int(definition["scale"])
    else:
        deploy = definition.get("deploy") or {}
        count = int(deploy.get("replicas", 1))
    if count > 1 and definition.get("container_name"):
        message = f"services.{service}: container_name is set, so the service cannot have {count} replicas; remove one of them"
        raise InvalidProjectError(message)
    return count


def converge_service(
    backend: Backend,
    replicas: Sequence[ContainerSpec],
    existing: list[ContainerState],
    image_id: str | None,
    options: ConvergeOptions,
    events: Events,
    retire: Callable[[str], None],
) -> dict[str, str]:
    """Make a service have one current container per spec in `replicas`; return the action on each container.

    `replicas[0]` is replica 1, and containers with a higher replica number are removed.

    A replaced container is stopped, renamed and handed to `retire` once its replacement
    runs. The caller removes it when no other container can still depend on it.
    """
    by_number = {state.replica: state for state in existing}
    actions: dict[str, str] = {}
    for number, spec in enumerate(replicas, start=1):
        actions[spec.name] = _converge_container(backend, spec, by_number.get(number), image_id, options, events, retire)
    surplus_states = sorted((state for state in existing if state.replica > len(replicas)), key=lambda state: -state.replica)
    surplus = [state.name for state in surplus_states]
    _remove_surplus(backend, surplus, options, events)
    actions.update(dict.fromkeys(surplus, "removed"))
    return actions


def _remove_surplus(backend: Backend, names: Sequence[str], options: ConvergeOptions, events: Events) -> None:
    """Stop and remove the containers of a scale-down, `options.parallel` at a time, starting with the highest replica."""
    for name in names:
        events.emit(name, "removing (scale down)")

    def remove(name: str) -> None:
        backend.stop_and_remove([name], options.timeout)
        events.emit(name, "removed")

    run_all(remove, names, options.parallel)


def _converge_container(backend: Backend, spec: ContainerSpec, current: ContainerState | None,
                        image_id: str | None, options: ConvergeOptions, events: Events,
                        retire: Callable[[str], None]) -> str:
    if current is not None and not _must_replace(spec, current, image_id, options):
        return _keep(backend, spec.name, current, options, events)
    set_aside = None
    if current is not None and not options.renew_anonymous_volumes:
        spec = with_inherited_volumes(backend, spec, current, image_id)
    elif current is None and spec.name in options.adopted_volumes:
        spec = with_adopted_volumes(spec, options.adopted_volumes[spec.name])
    if current is not None:
        # The old container steps aside under another name and stays until its replacement
        # runs, so a replacement that fails leaves the service as it was.
        events.emit(spec.name, "recreating")
        backend.stop_containers([current.id], options.timeout)
        set_aside = f"{current.id[:12]}_{spec.name}"
        backend.rename_container(current.id, set_aside)
    events.emit(spec.name, "creating")
    try:
        if options.start:
            backend.run_container(spec)
        else:
            backend.create_container(spec)
    except EngineError as error:
        _remove_failed(backend, spec)
        if current is not None:
            _restore(backend, current, spec.name)
        raise _service_error(spec, error) from None
    if set_aside is not None:
        retire(set_aside)
    action = "recreated" if current is not None else "created"
    if options.start:
        # One engine call creates and starts the container, and each step gets its line.
        events.emit(spec.name, action)
        events.emit(spec.name, "started")
    else:
        events.emit(spec.name, f"{action} (not started)")
    return action


def _remove_failed(backend: Backend, spec: ContainerSpec) -> None:
    """Remove the container this `up` created for `spec` if it exists but failed to start.

    A container of that name that another tool or an earlier run made, such as the one
    whose name caused the failure, is not touched: it must carry this spec's labels.
    """
    ours = (labels.PROJECT, labels.SERVICE, labels.REPLICA, labels.CONFIG_HASH)
    for state in backend.inspect_containers([spec.name]):
        if all(state.labels.get(key) == spec.labels.get(key) for key in ours) and not state.running:
            backend.remove_containers([state.id])


def _restore(backend: Backend, current: ContainerState, name: str) -> None:
    """Give the old container its name back, and start it again if it was running."""
    backend.rename_container(current.id, name)
    if current.running:
        backend.start_containers([current.id])


def _service_error(spec: ContainerSpec, error: EngineError) -> EngineError:
    """Return the error of a container that could not be created or started, naming its service."""
    service = spec.labels.get(labels.SERVICE, spec.name)
    hint = f"; check services.{service}.ports" if _PORT_IN_USE.search(error.stderr) else ""
    return EngineError(error.argv, error.returncode, f"service {service}: {error.stderr}{hint}", error.stdout)


# The messages of Docker and Podman when a published port is taken.
_PORT_IN_USE = re.compile(r"port is already allocated|address already in use", re.IGNORECASE)


def _must_replace(spec: ContainerSpec, current: ContainerState, image_id: str | None, options: ConvergeOptions) -> bool:
    if options.recreate == "never":
        return False
    if options.recreate == "force":
        return True
    if current.labels.get(labels.CONFIG_HASH) != spec.labels[labels.CONFIG_HASH]:
        return True
    return image_id is not None and current.image_id != image_id


def _keep(backend: Backend, name: str, current: ContainerState, options: ConvergeOptions, events: Events) -> str:
    if not options.start:
        return "unchanged"
    if current.running and options.restart_for_dependency:
        events.emit(name, "restarting (dependency replaced)")
        backend.restart_containers([name], options.timeout)
        events.emit(name, "restarted")
        return "restarted"
    if current.running:
        return "running"
    if current.stopping:
        # Podman 4.3 rejects the start of a container in its `stopping` state, where a `podman stop`
        # killed before the exit leaves it. A new stop waits for the exit, with SIGKILL after the timeout.
        events.emit(name, "finishing an unfinished stop")
        backend.stop_containers([name], options.timeout)
    # A stopped container starts again, also a one-shot task that exited 0: docker compose
    # (v2.40.3) runs a `service_completed_successfully` dependency again on every `up`, and
    # migration and seed jobs rely on that.
    events.emit(name, "starting")
    backend.start_containers([name])
    events.emit(name, "started")
    return "started"
