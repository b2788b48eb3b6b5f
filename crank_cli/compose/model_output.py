"""Render the merged model as the reference prints it: typed fields, Go's key order, no empty values."""

from __future__ import annotations

from typing import Any

from crank_cli.compose.fields import OMIT
from crank_cli.compose.schema import SERVICE, TOP_LEVEL_RESOURCES


def render_model(model: dict[str, Any]) -> dict[str, Any]:
    """Return the printed form of a merged, normalized model."""
    result: dict[str, Any] = {"name": model["name"]}
    services = model.get("services") or {}
    result["services"] = {name: SERVICE.render(services[name]) for name in sorted(services)}
    for kind, structure in TOP_LEVEL_RESOURCES.items():
        resources = model.get(kind)
        if resources:
            result[kind] = {key: _render_resource(structure, resources[key]) for key in sorted(resources)}
    # NOTE: the reference (docker compose 2.40.3) does not print top-level models, so they are
    # checked but left out here too.
    for key in sorted(model):
        if key.startswith("x-"):
            # The reference holds an extension as Go maps, so it prints their keys sorted too.
            result[key] = _sorted_maps(model[key])
    # The reference prints the top level as a map, so its keys come in sorted order.
    return dict(sorted(result.items()))


def _sorted_maps(value: Any) -> Any:
    """Return `value` with the keys of every mapping in it sorted, at any depth."""
    if isinstance(value, dict):
        return {key: _sorted_maps(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_maps(item) for item in value]
    return value


def _render_resource(structure: Any, resource: Any) -> Any:
    rendered = structure.render(resource or {})
    return {} if rendered is OMIT else rendered
