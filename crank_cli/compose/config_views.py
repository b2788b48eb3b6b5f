"""The lists `crank config` prints instead of the whole model: services, profiles, images."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crank_cli.compose.normalize import drop_unused_resources


def select_with_dependencies(model: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Return a copy of the model with only the named services and those they depend on."""
    services = model.get("services") or {}
    keep: set[str] = set()
    pending = [name for name in names if name in services]
    while pending:
        name = pending.pop()
        if name not in keep:
            keep.add(name)
            pending.extend(dependency for dependency in services[name].get("depends_on") or {} if dependency in services)
    selected = {**model, "services": {name: service for name, service in services.items() if name in keep}}
    drop_unused_resources(selected)
    return selected


def service_order(model: dict[str, Any]) -> list[str]:
    """Return the service names with every service after the services it depends on."""
    services = model.get("services") or {}
    ordered: list[str] = []

    def visit(name: str) -> None:
        if name in ordered or name not in services:
            return
        for dependency in sorted(services[name].get("depends_on") or {}):
            visit(dependency)
        ordered.append(name)

    for name in sorted(services):
        visit(name)
    return ordered


def profile_names(profiles: Iterable[str]) -> list[str]:
    """Return the distinct profile names, sorted."""
    return sorted(set(profiles))


def model_names(ai_models: Mapping[str, Any]) -> list[str]:
    """Return the `model` of each top-level model, sorted; the reference prints them in a random order."""
    return sorted(str(definition.get("model") or "") for definition in ai_models.values() if isinstance(definition, dict))


def image_names(model: dict[str, Any]) -> list[str]:
    """Return each service's image, sorted, with an image that several services use once per service.

    A service without an image gets `<project>-<service>`, the name its build is tagged with.
    Docker Compose 2.40 also prints one line per service, but in a random order.
    """
    services = model.get("services") or {}
    return sorted(service.get("image") or f"{model['name']}-{name}" for name, service in services.items())
