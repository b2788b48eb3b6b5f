"""The dependency graph of a project's services, cut into levels that can start together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crank_cli.errors import InvalidProjectError


def dependencies(services: Mapping[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Map each service to the services it depends on that exist in the project."""
    return {
        name: {dependency for dependency in (service.get("depends_on") or {}) if dependency in services}
        for name, service in services.items()
    }


def with_dependencies(services: Mapping[str, dict[str, Any]], selected: Iterable[str]) -> set[str]:
    """Return the selected services together with everything they depend on."""
    graph = dependencies(services)
    chosen: set[str] = set()
    pending = list(selected)
    while pending:
        name = pending.pop()
        if name not in chosen:
            chosen.add(name)
            pending.extend(graph.get(name, ()))
    return chosen


def start_levels(services: Mapping[str, dict[str, Any]], only: set[str] | None = None) -> list[list[str]]:
    """Return services in levels: each level depends only on the levels before it.

    Raises `InvalidProjectError` naming the services of a dependency cycle.
    """
    graph = dependencies(services)
    remaining = set(services) if only is None else set(only)
    done: set[str] = set()
    levels: list[list[str]] = []
    while remaining:
        level = sorted(name for name in remaining if graph[name] <= done | (graph[name] - remaining))
        if not level:
            cycle = ", ".join(sorted(remaining))
            raise InvalidProjectError(f"services.*.depends_on: dependency cycle between {cycle}")
        levels.append(level)
        done.update(level)
        remaining.difference_update(level)
    return levels


def stop_levels(services: Mapping[str, dict[str, Any]]) -> list[list[str]]:
    """Return services in the levels they stop in, so each level contains the services that only earlier levels depend on.

    A service that no service depends on stops in the first level, even when it has no
    dependencies, as docker compose (v2.40.3) stops it at once. Reversed start levels would
    stop it last, with the services that others depend on. Raises `InvalidProjectError`
    naming the services of a dependency cycle.
    """
    graph = dependencies(services)
    remaining = set(services)
    levels: list[list[str]] = []
    while remaining:
        needed = set().union(*(graph[name] for name in remaining))
        level = sorted(remaining - needed)
        if not level:
            cycle = ", ".join(sorted(remaining))
            raise InvalidProjectError(f"services.*.depends_on: dependency cycle between {cycle}")
        levels.append(level)
        remaining.difference_update(level)
    return levels
