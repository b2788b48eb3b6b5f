"""Check a compose model for the mistakes the reference rejects."""

from __future__ import annotations

from typing import Any

from crank_cli.compose.where import Where, describe

TOP_LEVEL_KEYS = ("version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models")


def check_top_level(layer: dict[str, Any], where: Where) -> None:
    """Reject unknown top-level keys and top-level sections that are not mappings."""
    for key, value in layer.items():
        if key.startswith("x-"):
            continue
        if key not in TOP_LEVEL_KEYS:
            allowed = ", ".join(TOP_LEVEL_KEYS)
            raise where.child(key).fail(f"unknown top-level key: use one of {allowed}, or an x- extension")
        if key in ("services", "networks", "volumes", "secrets", "configs", "models"):
            if value is not None and not isinstance(value, dict):
                raise where.child(key).fail(f"must be a mapping, not {describe(value)}")
        if key == "name" and not isinstance(value, str):
            raise where.child(key).fail(f"must be a string, not {describe(value)}")


def check_references(model: dict[str, Any], where: Where, disabled: frozenset[str] = frozenset()) -> None:
    """Reject services that lack an image and a build, or use undefined networks or services.

    A dependency on a service that a profile disabled is allowed when it is not required.
    """
    services = model.get("services") or {}
    networks = model.get("networks") or {}
    for name, service in services.items():
        here = where.child("services").child(name)
        if not service.get("image") and not service.get("build"):
            raise here.fail('neither "image" nor "build" is set: add one of them')
        for network in service.get("networks") or {}:
            if network not in networks:
                raise here.child("networks").fail(f"undefined network {network!r}: declare it under the top-level networks")
        for dependency, condition in (service.get("depends_on") or {}).items():
            optional = dependency in disabled and not condition.get("required", True)
            if dependency not in services and not optional:
                raise here.child("depends_on").fail(f"undefined service {dependency!r}: define it or remove the dependency")


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
)


def check_resource_limits(service: dict[str, Any], where: Where) -> None:
    """Reject a limit set both on the service and under deploy.resources with different values."""
    resources = (service.get("deploy") or {}).get("resources") or {}
    for key, (section, limit) in _LIMIT_PAIRS:
        if service.get(key) is None or resources.get(section) is None:
            continue
        if resources[section].get(limit) != service[key]:
            raise where.fail(
                f"{key} and deploy.resources.{section}.{limit} differ: set only one of them, or the same value"
            )
    replicas = (service.get("deploy") or {}).get("replicas")
    if service.get("scale") is not None and replicas is not None and replicas != service["scale"]:
        raise where.fail("scale and deploy.replicas differ: set only one of them, or the same value")
