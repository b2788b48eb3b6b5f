"""Apply `extends`: a service starts from a copy of another service and merges its own keys over it.

The base service may be in the same file or in another file (`extends.file`, relative to the
extending file). Relative paths of a service from another file are resolved against that
file's folder and written relative to the project directory, as compose-go does. Bases that
extend further services are resolved first, and a chain that comes back to a service already
on it is rejected. A `!reset` or `!override` on the extending service removes the base's
value before the merge.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from crank_cli.compose.layers import Layer, read_layers
from crank_cli.compose.merge import merge_values, remove_path
from crank_cli.compose.normalize import relative_base, resolve_service_paths
from crank_cli.compose.where import Where
from crank_cli.compose.problems import quote


class ServiceFiles:
    """The services of the other compose files that `extends` names, each file read once by `read`.

    `read` returns a file's services with their relative paths resolved against its folder.
    """

    def __init__(self, read: Callable[[Path], dict[str, Any]]) -> None:
        self.read = read
        self.file_cache: dict[Path, dict[str, Any]] = {}

    def services_of(self, path: Path, where: Where) -> dict[str, Any]:
        if path not in self.file_cache:
            if not path.is_file():
                raise where.fail(f"extends file {path} not found: check extends.file")
            self.file_cache[path] = self.read(path)
        return self.file_cache[path]


def _interpolated_services(path: Path, variables: dict[str, str], working_dir: Path) -> dict[str, Any]:
    """Return the services of another compose file, interpolated, paths resolved against its folder.

    The paths are written relative to `working_dir`, the project directory of the extending file.
    """
    services: dict[str, Any] = {}
    for layer in read_layers(path, variables):
        services = merge_values(services, layer.content.get("services") or {}, ("services",))
    base = relative_base(path.parent, working_dir)
    for service in services.values():
        resolve_service_paths(service, base, variables)
    return services


def apply_extends(layer: Layer, variables: dict[str, str], working_dir: Path) -> None:
    """Resolve `extends` for every service of a layer, in place; `working_dir` is the layer's project directory."""
    services = layer.content.get("services")
    if not services:
        return
    resolver = ServiceFiles(lambda path: _interpolated_services(path, variables, working_dir))
    for name in list(services):
        services[name] = extend_service(name, services, layer.path, resolver, [], layer)


def extend_service(
    name: str, services: dict[str, Any], path: Path, resolver: ServiceFiles, chain: list[tuple[Path, str]], layer: Layer | None,
    merge: Callable[[Any, Any, tuple[str, ...]], Any] = merge_values,
) -> Any:
    service = services.get(name)
    if not isinstance(service, dict) or "extends" not in service:
        return service
    where = Where(path, f"services.{name}.extends")
    if (path, name) in chain:
        trail = " -> ".join(f"{item_name} ({item_path.name})" for item_path, item_name in [*chain, (path, name)])
        raise where.fail(f"extends cycle: {trail}; remove one of these extends")
    reference = service["extends"]
    if reference is None:
        raise where.fail("extends is null: name the service to extend, or remove extends")
    base_services, base_path = _base_file(reference, services, path, resolver, where)
    base_name = reference["service"]
    if base_name not in base_services:
        raise where.fail(f"service {quote(base_name)} not found in {base_path}: check extends.service")
    base = extend_service(base_name, base_services, base_path, resolver, [*chain, (path, name)], None, merge)
    return _merge_over_base(name, copy.deepcopy(base), service, layer, merge)


def _base_file(
    reference: Mapping[str, Any], services: dict[str, Any], path: Path, resolver: ServiceFiles, where: Where
) -> tuple[dict[str, Any], Path]:
    file_name = reference.get("file")
    if not file_name:
        return services, path
    base_path = Path(os.path.normpath(path.parent / file_name))
    return resolver.services_of(base_path, where), base_path


def _merge_over_base(name: str, base: dict[str, Any], service: dict[str, Any], layer: Layer | None,
                     merge: Callable[[Any, Any, tuple[str, ...]], Any] = merge_values) -> dict[str, Any]:
    wrapped = {"services": {name: base}}
    if layer is not None:
        for key_path in layer.tagged_paths:
            if key_path[:2] == ("services", name):
                remove_path(wrapped, key_path)
    own = {key: value for key, value in service.items() if key != "extends"}
    merged = merge(wrapped["services"][name], own, ("services", name))
    merged.pop("extends", None)
    return merged
