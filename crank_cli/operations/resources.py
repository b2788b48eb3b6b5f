"""The project-wide objects `up` prepares before any container: networks, volumes, images."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crank_cli.errors import InvalidProjectError
from crank_cli.operations import labels, specs
from crank_cli.operations.events import Events
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project


@dataclass(frozen=True)
class ImagePolicy:
    """When to build and pull: `build` is auto, always or never; `pull` is policy, always, missing or never."""

    build: str = "auto"
    pull: str = "policy"


def ensure_networks(project: Project, backend: Backend, services: Iterable[str], events: Events) -> None:
    """Create the non-external networks the services join that do not exist yet."""
    declared = project.model.get("networks") or {}
    keys = {key for name in services for key in _network_keys(project.model["services"][name])}
    wanted = {key: declared.get(key) or {"name": f"{project.name}_{key}"} for key in keys}
    present = set(backend.list_networks(labels.project_filter(project.name)))
    for key, network in sorted(wanted.items()):
        if network.get("external") or network["name"] in present:
            continue
        backend.create_network(network["name"], _network_labels(project.name, key, network), options=_network_options(network))
        events.emit(f"network {network['name']}", "created")


def ensure_volumes(project: Project, backend: Backend, services: Iterable[str], events: Events) -> None:
    """Create the non-external named volumes the services mount that do not exist yet."""
    declared = project.model.get("volumes") or {}
    used = {
        volume.get("source")
        for name in services
        for volume in project.model["services"][name].get("volumes") or ()
        if volume.get("type") == "volume" and volume.get("source")
    }
    present = set(backend.list_volumes(labels.project_filter(project.name)))
    for key in sorted(used):
        volume = declared.get(key)
        if volume is None or volume.get("external") or volume["name"] in present:
            continue
        backend.create_volume(
            volume["name"],
            {**(volume.get("labels") or {}), **labels.resource_labels(project.name, **{labels.VOLUME: key})},
            driver=volume.get("driver"),
            options=volume.get("driver_opts") or {},
        )
        events.emit(f"volume {volume['name']}", "created")


def ensure_images(project: Project, backend: Backend, services: Iterable[str], policy: ImagePolicy,
                  events: Events, parallel: int, *, require: bool = True) -> dict[str, str]:
    """Build or pull what the services need; return each service's image ID.

    With `require`, an image still missing afterwards is an error; a dry run passes False,
    because nothing it prints was built.
    """
    names = sorted(services)
    for name in names:
        _build_if_needed(project, backend, name, policy, events)
    for reference in sorted({specs.image_name(project, name) for name in names if _should_pull(project, backend, name, policy)}):
        events.emit(f"image {reference}", "pulling")
        backend.pull_image(reference)
        events.emit(f"image {reference}", "pulled")
    image_ids = run_all(lambda name: backend.image_id(specs.image_name(project, name)), names, parallel)
    missing = [specs.image_name(project, name) for name, image_id in zip(names, image_ids, strict=True) if image_id is None]
    if missing and require:
        raise InvalidProjectError(f"image {', '.join(sorted(set(missing)))} is missing and may not be pulled or built: "
                                  "build it, or drop --pull never / pull_policy: never")
    return {name: image_id for name, image_id in zip(names, image_ids, strict=True) if image_id}


def _build_if_needed(project: Project, backend: Backend, name: str, policy: ImagePolicy, events: Events) -> None:
    plan = specs.build_spec(project, name)
    if plan is None or policy.build == "never":
        return
    service_policy = project.model["services"][name].get("pull_policy")
    always = policy.build == "always" or service_policy == "build"
    if not always and backend.image_exists(plan.tag):
        return
    events.emit(f"image {plan.tag}", "building")
    backend.build_image(plan)
    events.emit(f"image {plan.tag}", "built")


def _should_pull(project: Project, backend: Backend, name: str, policy: ImagePolicy) -> bool:
    service = project.model["services"][name]
    if service.get("build") and policy.pull != "always":
        return False
    chosen = policy.pull
    if chosen == "policy":
        chosen = service.get("pull_policy") or "missing"
    if chosen in ("never", "build"):
        return False
    if chosen == "always":
        return True
    return not backend.image_exists(specs.image_name(project, name))


def _network_keys(service: dict[str, Any]) -> list[str]:
    if service.get("network_mode"):
        return []
    return list(service.get("networks") or {"default": None})


def _network_labels(project: str, key: str, network: dict[str, Any]) -> dict[str, str]:
    return {**(network.get("labels") or {}), **labels.resource_labels(project, **{labels.NETWORK: key})}


def _network_options(network: dict[str, Any]) -> dict[str, Any]:
    return {
        "driver": network.get("driver"),
        "internal": bool(network.get("internal")),
        "driver_opts": network.get("driver_opts") or {},
        "attachable": bool(network.get("attachable")),
        "enable_ipv6": bool(network.get("enable_ipv6")),
    }
