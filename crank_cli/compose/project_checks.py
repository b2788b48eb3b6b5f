"""Check a compose model for the mistakes the reference rejects."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

TOP_LEVEL_KEYS = ("version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models")


_SERVICE_NAME = re.compile(r"^[a-zA-Z0-9._-]+$")


def check_top_level(layer: dict[str, Any], where: Where) -> None:
    """Reject unknown top-level keys, sections that are not mappings and invalid service names."""
    for name in layer.get("services") or {} if isinstance(layer.get("services"), dict) else ():
        if not _SERVICE_NAME.match(str(name)):
            raise where.child("services").fail(f"invalid service name {quote(name)}: use only letters, digits, '.', '_' and '-'")
    for key, value in layer.items():
        if key.startswith("x-"):
            continue
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(TOP_LEVEL_KEYS)
            raise where.child(key).fail(f"unknown top-level key: use one of {allowed}, or an x- extension")
        if key in ("services", "networks", "volumes", "secrets", "configs", "models"):
            if not isinstance(value, dict):
                raise where.child(key).fail(f"must be a mapping, not {describe(value)}")
        if key == "name" and not isinstance(value, str):
            raise where.child(key).fail(f"must be a string, not {describe(value)}")


def check_references(model: dict[str, Any], where: Where, disabled: Mapping[str, Sequence[str]] | None = None) -> None:
    """Reject services that lack an image and a build, or use undefined networks or services.

    `disabled` maps each service that no enabled profile selects to its profiles. A dependency
    on such a service is allowed when it is not required.
    """
    disabled = disabled or {}
    services = model.get("services") or {}
    networks = model.get("networks") or {}
    for name, service in services.items():
        here = where.child("services").child(name)
        if not service.get("image") and not service.get("build"):
            raise here.fail('neither "image" nor "build" is set; add one of them')
        if service.get("network_mode") and service.get("networks"):
            raise here.fail('"network_mode" and "networks" exclude each other: keep one of them')
        for network in service.get("networks") or {}:
            if network not in networks:
                raise here.child("networks").fail(f"undefined network {quote(network)}: declare it under the top-level networks")
        _check_mount_references(model, service, here)
        for dependency, condition in (service.get("depends_on") or {}).items():
            if dependency in services:
                continue
            if dependency not in disabled:
                key = _implying_key(service, dependency)
                action = f"change {key}" if key != "depends_on" else "remove the dependency"
                raise here.child(key).fail(f"undefined service {quote(dependency)}: define it or {action}")
            if condition.get("required", True):
                raise here.child("depends_on").fail(_disabled_dependency_message(dependency, disabled[dependency]))


def _implying_key(service: dict[str, Any], dependency: str) -> str:
    """Return the key that names `dependency`: `depends_on`, or one of the keys that imply a dependency.

    The loader adds a dependency for `links`, `volumes_from` and `service:` namespaces, so an
    error about it names the key the file has.
    """
    for key in ("network_mode", "ipc", "pid", "uts", "cgroup"):
        if service.get(key) == f"service:{dependency}":
            return key
    if any(link.split(":")[0] == dependency for link in service.get("links") or []):
        return "links"
    if any(source.split(":")[0] == dependency for source in service.get("volumes_from") or []
           if not source.startswith("container:")):
        return "volumes_from"
    return "depends_on"


def _disabled_dependency_message(dependency: str, profiles: Sequence[str]) -> str:
    """Return the error for a required dependency whose profiles are all disabled, with how to enable one."""
    first = profiles[0]
    if len(profiles) == 1:
        return (f"service {quote(dependency)} is only in profile {quote(first)}, which is not enabled: "
                f"enable it with --profile {first} or COMPOSE_PROFILES={first}")
    listed = ", ".join(quote(profile) for profile in profiles)
    return (f"service {quote(dependency)} is only in profiles {listed}, none of which is enabled: "
            f"enable one with --profile {first} or COMPOSE_PROFILES={first}")


def check_dependency_cycles(services: dict[str, Any], where: Where) -> None:
    """Reject a `depends_on` cycle, naming the services on it."""
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "visiting"
        for dependency in (services[name].get("depends_on") or {}):
            if dependency not in services:
                continue
            if state.get(dependency) == "visiting":
                cycle = [*trail[trail.index(dependency):], dependency] if dependency in trail else [name, dependency]
                raise where.child("services").child(name).child("depends_on").fail(
                    f"dependency cycle: {' -> '.join(cycle)}; remove one of these dependencies"
                )
            if dependency not in state:
                visit(dependency, [*trail, dependency])
        state[name] = "done"

    for name in services:
        if name not in state:
            visit(name, [name])


_LIMIT_PAIRS = (
    ("mem_limit", ("limits", "memory")),
    ("mem_reservation", ("reservations", "memory")),
    ("pids_limit", ("limits", "pids")),
    ("cpus", ("limits", "cpus")),
)


def check_resource_limits(service: dict[str, Any], where: Where) -> None:
    """Reject a limit set both on the service and under deploy.resources with different values."""
    resources = (service.get("deploy") or {}).get("resources") or {}
    for key, (section, limit) in _LIMIT_PAIRS:
        if service.get(key) is None or resources.get(section) is None:
            continue
        # A missing value under deploy counts as 0, as it does for the reference.
        if float(resources[section].get(limit) or 0) != float(service[key]):
            raise where.fail(
                f"{key} and deploy.resources.{section}.{limit} differ: set only one of them, or the same value"
            )
    replicas = (service.get("deploy") or {}).get("replicas")
    if service.get("scale") is not None and replicas is not None and replicas != service["scale"]:
        raise where.fail("scale and deploy.replicas differ: set only one of them, or the same value")


def check_container_name(service: dict[str, Any], where: Where) -> None:
    """Reject a `container_name` on a service whose `scale` or `deploy.replicas` is more than 1."""
    name = service.get("container_name")
    for key, count in (("scale", service.get("scale")), ("deploy.replicas", (service.get("deploy") or {}).get("replicas"))):
        if name and count is not None and count > 1:
            raise where.child(key).fail(f"container_name {quote(name)} names one container, so the service cannot "
                                        f"have {count} replicas: remove container_name or set {key} to 1")


def _check_mount_references(model: dict[str, Any], service: dict[str, Any], where: Where) -> None:
    for kind, singular in (("secrets", "secret"), ("configs", "config")):
        declared = model.get(kind) or {}
        for index, reference in enumerate(service.get(kind) or []):
            if reference.get("source") not in declared:
                raise where.child(kind).child(index).fail(
                    f"undefined {singular} {quote(reference.get('source'))}: declare it under the top-level {kind}"
                )
    volumes = model.get("volumes") or {}
    for index, volume in enumerate(service.get("volumes") or []):
        source = volume.get("source")
        if volume.get("type") == "volume" and source and source not in volumes:
            raise where.child("volumes").child(index).fail(f"undefined volume {quote(source)}: declare it under the top-level volumes")


def check_external_resources(model: dict[str, Any], where: Where) -> None:
    """Reject external networks and volumes that also set options only crank-created ones have."""
    for kind in ("networks", "volumes"):
        for key, resource in (model.get(kind) or {}).items():
            if not resource.get("external"):
                continue
            for option in ("driver", "driver_opts", "labels"):
                if resource.get(option):
                    raise where.child(kind).child(key).fail(f'"external" and "{option}" exclude each other: an external {kind[:-1]} already exists')
