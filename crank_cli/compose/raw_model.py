"""The model that `config --no-interpolate` prints: the merged files with `${VAR}` left as written.

docker compose 2.40.3 prints this model from compose-go's loader, without its typed project.
Each document is in long syntax where a short form parses (`ports`, `volumes`, `depends_on`...)
and is merged over the files before. Relative paths are made absolute, and the implicit
`default` network and each resource's `name` are added. Other values keep their written form
(`mem_limit: 512m` stays a string), the services of every profile stay, and mappings print
with sorted keys. `extends` and `include` are resolved on the files as written; where two
services or files both set `environment`, `labels` or another KEY=value mapping, the merged
value is a list of KEY=value, as the reference merges them.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli.compose.environment import locate_project
from crank_cli.compose.layers import make_layer, read_documents
from crank_cli.compose.merge import (enforce_unicity, extract_tags, merge_values, merges_as_key_value_list,
                                     remove_path)
from crank_cli.compose.naming import choose_project_name, declared_name
from crank_cli.compose.problems import invalid_file
from crank_cli.compose.where import Where
from crank_cli.errors import InvalidProjectError

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions

_RESOURCE_KINDS = ("networks", "volumes", "configs", "secrets")
_STARTED = {"condition": "service_started", "required": True}


def load_raw_model(options: LoadOptions) -> dict[str, Any]:
    """Return the project's merged model without interpolation; raise InvalidProjectError if invalid."""
    files, directory, variables = locate_project(options)
    documents = [(path, read_documents(path)) for path in files]
    name = choose_project_name(options.project_name, variables, lambda: declared_name(documents, variables), directory)
    merged = _merge_documents(documents, variables)
    if not merged:
        raise invalid_file(files[0], "empty compose file: define at least one service")

    merged.pop("version", None)
    if options.normalize:
        # compose-go sets the name with the rest of its normalization.
        merged["name"] = name
    _resolve_paths(merged, directory)
    if options.normalize:
        _normalize(merged, name)
    return merged


def _resolve_paths(model: dict[str, Any], directory: Path) -> None:
    """Make the relative paths of the services, secrets and configs absolute against `directory`, in place."""
    for service in (model.get("services") or {}).values():
        _resolve_service_paths(service, directory)
    for kind in ("secrets", "configs"):
        for resource in (model.get(kind) or {}).values():
            if isinstance(resource, dict) and isinstance(resource.get("file"), str):
                resource["file"] = _absolute(resource["file"], directory)


def _merge_documents(documents: list[tuple[Path, list[dict[str, Any]]]], variables: dict[str, str],
                     chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path, file_documents in documents:
        for document in file_documents:
            document = dict(document)
            included = document.pop("include", None)
            # The reference checks each file against the compose schema in this mode too, but
            # not the references between services and resources. crank checks keys and types
            # on the interpolated document, as without the option.
            # NOTE: so a value of the wrong type or a missing required variable
            # (`${VAR:?message}`) fails here, where the reference prints the file.
            make_layer(document, path, variables)
            content, resets, overrides = extract_tags(document)
            for key_path in [*resets, *overrides]:
                remove_path(merged, key_path)
            for name, service in (content.get("services") or {}).items():
                # As the reference checks in this mode; crank's own checks want image or build.
                Where(path, f"services.{name}").expect_mapping(service)
            content = _canonical(content, path)
            _apply_raw_extends(content, path, [*resets, *overrides])
            if included is not None:
                _apply_raw_include(content, included, path, variables, chain)
            merged = enforce_unicity(_merge_raw(merged, content))
    return merged


def _merge_raw(base: Any, other: Any, path: tuple[str, ...] = ()) -> Any:
    """Merge `other` over `base` as `merge_values` does, with the KEY=value mappings merged as the reference does here."""
    base, other = _merged_sequences(base, other, path)
    return merge_values(base, other, path)


def _merged_sequences(base: Any, other: Any, path: tuple[str, ...]) -> tuple[Any, Any]:
    """Return copies of `base` and `other` where each KEY=value mapping that both set is merged into `other`.

    The reference merges `environment`, `labels`, `build.args` and the like as lists of
    KEY=value, so a merged one prints as such a list: a mapping's entries sorted, then the
    later entries, each key once, where it first came, with its last value.
    """
    if not isinstance(base, dict) or not isinstance(other, dict) or len(path) > 3:
        return base, other
    base, other = dict(base), dict(other)
    for key in [key for key in other if key in base and base[key] is not None and other[key] is not None]:
        child = (*path, key)
        if merges_as_key_value_list(child):
            other[key] = _key_value_list(base.pop(key), other[key])
        else:
            base[key], other[key] = _merged_sequences(base[key], other[key], child)
    return base, other


def _key_value_list(*values: Any) -> list[Any]:
    merged: list[Any] = []
    positions: dict[str, int] = {}
    for value in values:
        entries = value if isinstance(value, list) else sorted(
            key if item is None else f"{key}={_go_text(item)}" for key, item in value.items())
        for entry in entries:
            key = str(entry).partition("=")[0]
            if key in positions:
                merged[positions[key]] = entry
            else:
                positions[key] = len(merged)
                merged.append(entry)
    return merged


def _go_text(value: Any) -> str:
    """Return a value as the reference's %v prints it."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _apply_raw_include(content: dict[str, Any], value: Any, path: Path, variables: dict[str, str],
                       chain: tuple[Path, ...]) -> None:
    """Add the resources of the files that `include` names to `content`, their paths made absolute, in place."""
    from crank_cli.compose.environment import merge_env_files
    from crank_cli.compose.include import import_resources, include_entries

    where = Where(path, "include")
    for index, entry in enumerate(include_entries(value, where)):
        here = where.child(index)
        paths = [Path(posixpath.normpath(_absolute(item, path.parent))) for item in entry["path"]]
        if paths[0] in (*chain, path):
            trail = " -> ".join(str(item) for item in [*chain, path, paths[0]])
            raise here.fail(f"include cycle: {trail}; remove one of these includes")
        for item in paths:
            if not item.is_file():
                raise here.fail(f"included file {item} not found: check the path")
        directory = paths[0].parent
        if entry.get("project_directory"):
            directory = Path(posixpath.normpath(_absolute(entry["project_directory"], path.parent)))
        env_files = [Path(posixpath.normpath(_absolute(item, path.parent))) for item in entry["env_file"]]
        if not env_files and (directory / ".env").is_file():
            env_files = [directory / ".env"]
        included_variables = {**merge_env_files(tuple(env_files), variables), **variables}
        model = _merge_documents([(item, read_documents(item)) for item in paths], included_variables, (*chain, path))
        _resolve_paths(model, directory)
        import_resources(content, model, here)


class _RawTags:
    """The key paths of a document's `!reset` and `!override` tags, as extends reads them from a layer."""

    def __init__(self, tagged_paths: list[Any]) -> None:
        self.tagged_paths = tagged_paths


def _raw_services(path: Path) -> dict[str, Any]:
    """Return the services of another compose file as written, paths resolved against its folder."""
    services: dict[str, Any] = {}
    for document in read_documents(path):
        content, _, _ = extract_tags(document)
        services = _merge_raw(services, _canonical(content, path).get("services") or {}, ("services",))
    for service in services.values():
        if isinstance(service, dict):
            _resolve_service_paths(service, path.parent)
    return services


def _apply_raw_extends(content: dict[str, Any], path: Path, tagged_paths: list[Any]) -> None:
    from crank_cli.compose.extends import ServiceFiles, extend_service

    services = content.get("services")
    if not isinstance(services, dict) or not any(isinstance(service, dict) and "extends" in service for service in services.values()):
        return
    resolver = ServiceFiles(_raw_services)
    layer = _RawTags(tagged_paths)
    for name in list(services):
        services[name] = extend_service(name, services, path, resolver, [], layer, _merge_raw)  # type: ignore[arg-type]


def _canonical(document: dict[str, Any], path: Path) -> dict[str, Any]:
    """Return a document with the short forms that parse turned into long syntax, as compose-go does."""
    result = dict(document)
    services = document.get("services")
    if isinstance(services, dict):
        result["services"] = {
            key: _canonical_service(service, Where(path, f"services.{key}")) if isinstance(service, dict) else service
            for key, service in services.items()
        }
    for kind in _RESOURCE_KINDS:
        resources = document.get(kind)
        if isinstance(resources, dict):
            result[kind] = {key: _external_name(resource) for key, resource in resources.items()}
    return result


def _canonical_service(service: dict[str, Any], where: Where) -> dict[str, Any]:
    from crank_cli.compose.ports import canonical_ports
    from crank_cli.compose.volumes import canonical_volumes

    result = dict(service)
    converters = {
        "ports": lambda value: _parsed_or_raw(canonical_ports, value, where.child("ports")),
        "volumes": lambda value: _parsed_or_raw(canonical_volumes, value, where.child("volumes")),
        "depends_on": _depends_on,
        "env_file": _env_files,
        "networks": lambda value: dict.fromkeys(value) if isinstance(value, list) else value,
        "dns": _string_to_list,
        "label_file": _string_to_list,
        "build": lambda value: {"context": value} if isinstance(value, str) else value,
        "extends": lambda value: {"service": value} if isinstance(value, str) else value,
        "secrets": lambda value: _file_mounts(value, "/run/secrets/"),
        "configs": lambda value: _file_mounts(value, "/"),
        "devices": _devices,
        "gpus": lambda value: [{"count": "all"}] if value == "all" else value,
    }
    for key, convert in converters.items():
        if key in result and result[key] is not None:
            result[key] = convert(result[key])
    return result


def _parsed_or_raw(parse: Any, value: Any, where: Where) -> Any:
    """Return `parse`'s long syntax, or the written value where it does not parse, such as `${PORT}:80`."""
    try:
        return parse(value, where)
    except InvalidProjectError:
        return value


def _depends_on(value: Any) -> Any:
    if isinstance(value, list):
        return {name: dict(_STARTED) for name in value}
    if isinstance(value, dict):
        return {name: {**_STARTED, **(entry or {})} for name, entry in value.items()}
    return value


def _env_files(value: Any) -> Any:
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list):
        return value
    return [{"path": entry, "required": True} if isinstance(entry, str) else {"required": True, **entry}
            for entry in entries]


def _string_to_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _file_mounts(value: Any, target_folder: str) -> Any:
    """Return secret or config mounts in long syntax, each with its default target in `target_folder`."""
    if not isinstance(value, list):
        return value
    mounts = []
    for entry in value:
        mount = {"source": entry} if isinstance(entry, str) else entry
        if isinstance(mount, dict) and isinstance(mount.get("source"), str) and not mount.get("target"):
            mount = {**mount, "target": f"{target_folder}{mount['source']}"}
        mounts.append(mount)
    return mounts


def _devices(value: Any) -> Any:
    """Return `devices` entries as mappings: `SOURCE[:TARGET[:PERMISSIONS]]`, permissions rwm by default."""
    if not isinstance(value, list):
        return value
    devices = []
    for entry in value:
        if isinstance(entry, str) and 1 <= len(entry.split(":")) <= 3:
            source, target, permissions = [*entry.split(":"), "", ""][:3]
            entry = {"source": source, "target": target or source, "permissions": permissions or "rwm"}
        devices.append(entry)
    return devices


def _external_name(resource: Any) -> Any:
    """Move the legacy `external: {name: X}` to `name: X` with `external: true`."""
    if not isinstance(resource, dict):
        return resource
    external = resource.get("external")
    if isinstance(external, dict) and "name" in external:
        return {**resource, "name": external["name"], "external": True}
    return resource


def _resolve_service_paths(service: dict[str, Any], directory: Path) -> None:
    build = service.get("build")
    if isinstance(build, dict):
        build.setdefault("context", ".")
        if isinstance(build["context"], str) and not _is_remote(build["context"]):
            build["context"] = _absolute(build["context"], directory)
    for entry in service.get("env_file") or []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            entry["path"] = _absolute(entry["path"], directory)
    for volume in service.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        if volume.get("type") == "bind" and isinstance(volume.get("source"), str):
            volume["source"] = _absolute(volume["source"], directory)
        if isinstance(volume.get("target"), str) and volume["target"].startswith("/"):
            # Go's path.Clean, as compose-go applies it: no trailing slash, no `.` or doubled slashes.
            volume["target"] = posixpath.normpath(volume["target"]).replace("//", "/")


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith(("git@", "github.com/"))


def _absolute(path: str, directory: Path) -> str:
    if path.startswith("~"):
        return str(Path(path).expanduser())
    return str(directory / path) if not path.startswith("/") else path


def _normalize(model: dict[str, Any], project_name: str) -> None:
    """Add what compose-go's loader adds to the model: the default network, dependencies, names."""
    services = model.get("services") or {}
    uses_default = False
    for service in services.values():
        if not isinstance(service, dict):
            continue
        if "network_mode" not in service and not service.get("networks"):
            service["networks"] = {"default": None}
        if "network_mode" not in service and "default" in (service.get("networks") or {}):
            uses_default = True
        if service.get("pull_policy") == "if_not_present":
            service["pull_policy"] = "missing"
        build = service.get("build")
        if isinstance(build, dict) and build.get("dockerfile") is None and build.get("dockerfile_inline") is None:
            build["dockerfile"] = "Dockerfile"
        if isinstance(build, dict) and "args" in build:
            build["args"] = _without_unset_args(build["args"])
        _implicit_dependencies(service)
    if uses_default:
        if not isinstance(model.get("networks"), dict):
            model["networks"] = {}
        model["networks"].setdefault("default", None)
    for kind in _RESOURCE_KINDS:
        resources = model.get(kind)
        if not isinstance(resources, dict):
            continue
        for key, resource in list(resources.items()):
            resource = dict(resource or {})
            if resource.get("name") is None:
                resource["name"] = key if resource.get("external") in (True, "true") else f"{project_name}_{key}"
            resources[key] = resource


def _without_unset_args(args: Any) -> Any:
    """Drop the build arguments written without a value.

    In this mode the reference takes no values from the environment, so it drops them, while a
    service's `environment` keeps such keys as written.
    """
    if isinstance(args, dict):
        return {key: value for key, value in args.items() if value is not None}
    if isinstance(args, list):
        return [item for item in args if not (isinstance(item, str) and "=" not in item)]
    return args


def _implicit_dependencies(service: dict[str, Any]) -> None:
    depends_on = dict(service.get("depends_on") or {})
    for link in service.get("links") or []:
        name = str(link).split(":")[0]
        depends_on.setdefault(name, {"condition": "service_started", "restart": True, "required": True})
    for key in ("network_mode", "ipc", "pid", "uts", "cgroup"):
        reference = service.get(key)
        if isinstance(reference, str) and reference.startswith("service:"):
            depends_on.setdefault(reference.removeprefix("service:"),
                                  {"condition": "service_started", "restart": True, "required": True})
    for source in service.get("volumes_from") or []:
        if not str(source).startswith("container:"):
            depends_on.setdefault(str(source).split(":")[0],
                                  {"condition": "service_started", "restart": False, "required": True})
    if depends_on:
        service["depends_on"] = depends_on
