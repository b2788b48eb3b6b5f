"""Fill in what the reference adds to a merged model: defaults, absolute paths and names.

Relative paths (build contexts, bind mount sources, env files) are taken from the project
directory, `~` from the HOME variable. Services with neither `networks` nor `network_mode`
join the project's `default` network. Networks and volumes get their engine names,
`<project>_<key>`, unless they are external or named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def absolute_path(path: str, base: Path, environ: Mapping[str, str]) -> str:
    """Return `path` joined with `base` and cleaned, which is absolute when `base` is.

    An absolute `path` stays as written, and a leading `~` is expanded from HOME.
    """
    if path == "~" or path.startswith("~/"):
        home = environ.get("HOME") or str(Path.home())
        return os.path.normpath(home + path[1:])
    if os.path.isabs(path):
        return path
    if _is_windows_absolute(path):
        return path
    return os.path.normpath(os.path.join(base, path))


def relative_base(directory: Path, working_dir: Path) -> Path:
    """Return `directory` relative to `working_dir`, the base for the paths of an included or extended file.

    compose-go 2.9.1 (in docker compose 2.40.3) joins such a file's relative paths with this
    base and cleans them, so with the base `dir`, `../x` becomes `x` and `.` becomes `dir`.
    The loader makes them absolute at the end, unless `config --no-path-resolution` keeps
    them as they are.
    """
    return Path(os.path.relpath(directory, working_dir))


def _is_windows_absolute(path: str) -> bool:
    """Return whether `path` starts with a drive (`c:`) or is a UNC path, which stay as written."""
    return path.startswith("\\\\") or (len(path) > 1 and path[0].isalpha() and path[1] == ":")


def resolve_service_paths(service: dict[str, Any], base: Path, environ: Mapping[str, str]) -> None:
    """Join the relative paths of one service with `base`, in place."""
    build = service.get("build")
    if isinstance(build, dict):
        context = build.get("context", ".")
        if not _is_remote(context):
            build["context"] = absolute_path(context, base, environ)
        contexts = build.get("additional_contexts") or {}
        for name, location in contexts.items():
            if location and not _is_remote(location) and not location.startswith(("docker-image://", "service:", "oci-layout://")):
                contexts[name] = absolute_path(location, base, environ)
    for volume in service.get("volumes") or []:
        if volume.get("type") == "bind" and "source" in volume:
            volume["source"] = absolute_path(volume["source"], base, environ)
    for env_file in service.get("env_file") or []:
        env_file["path"] = absolute_path(env_file["path"], base, environ)
    label_files = service.get("label_file") or []
    service["label_file"] = [absolute_path(path, base, environ) for path in label_files] if label_files else label_files
    for watch in (service.get("develop") or {}).get("watch") or []:
        if watch.get("path"):
            watch["path"] = absolute_path(watch["path"], base, environ)


def _is_remote(context: str) -> bool:
    prefixes = ("http://", "https://", "git://", "git@", "github.com/", "ssh://")
    return context.startswith(prefixes) or "://" in context


def apply_service_defaults(service: dict[str, Any]) -> None:
    """Set the defaults the reference prints for a service, in place."""
    service.setdefault("command", None)
    service.setdefault("entrypoint", None)
    build = service.get("build")
    if isinstance(build, dict):
        build.setdefault("context", ".")
        if not build.get("dockerfile") and not build.get("dockerfile_inline"):
            build["dockerfile"] = "Dockerfile"
    if not service.get("networks") and not service.get("network_mode") and not service.get("provider"):
        service["networks"] = {"default": None}
    _default_secret_targets(service)


def _default_secret_targets(service: dict[str, Any]) -> None:
    for secret in service.get("secrets") or []:
        if not secret.get("target"):
            secret["target"] = f"/run/secrets/{secret.get('source', '')}"


def apply_typed_defaults(service: dict[str, Any]) -> None:
    """Set the defaults the reference prints for a service without normalization, in place."""
    service.setdefault("command", None)
    service.setdefault("entrypoint", None)
    _default_secret_targets(service)


def add_implicit_dependencies(service: dict[str, Any]) -> None:
    """Add the dependencies that links, `service:` namespaces and volumes_from imply, in place."""
    implied: list[tuple[str, bool]] = []
    for link in service.get("links") or []:
        implied.append((link.split(":")[0], True))
    for key in ("network_mode", "ipc", "pid", "uts", "cgroup"):
        namespace = service.get(key) or ""
        if namespace.startswith("service:"):
            implied.append((namespace.removeprefix("service:"), True))
    for source in service.get("volumes_from") or []:
        if not source.startswith("container:"):
            implied.append((source.split(":")[0], False))
    if not implied:
        return
    depends_on = service.setdefault("depends_on", {})
    for name, restart in implied:
        if name not in depends_on:
            depends_on[name] = {"condition": "service_started", "restart": restart, "required": True}


def name_resources(model: dict[str, Any], project_name: str) -> None:
    """Give top-level networks, volumes, secrets and configs their engine names, in place."""
    for kind in ("networks", "volumes", "secrets", "configs"):
        resources = model.get(kind) or {}
        for key, resource in list(resources.items()):
            resource = dict(resource or {})
            if not resource.get("name"):
                resource["name"] = key if resource.get("external") else f"{project_name}_{key}"
            if kind == "networks":
                resource.setdefault("ipam", {})
            resources[key] = resource
        if resources:
            model[kind] = resources


def resolve_resource_paths(model: dict[str, Any], base: Path, environ: Mapping[str, str]) -> None:
    """Join the relative `file` paths of top-level secrets and configs with `base`, in place."""
    for kind in ("secrets", "configs"):
        for resource in (model.get(kind) or {}).values():
            if resource.get("file"):
                resource["file"] = absolute_path(resource["file"], base, environ)


def add_default_network(model: dict[str, Any]) -> None:
    """Declare the `default` network when a service uses it and no file declares it."""
    services = model.get("services") or {}
    uses_default = any("default" in (service.get("networks") or {}) for service in services.values())
    if uses_default:
        networks = model.setdefault("networks", {})
        if networks.get("default") is None:
            networks["default"] = {}


def drop_unused_resources(model: dict[str, Any]) -> None:
    """Remove top-level networks, volumes, secrets and configs that no service uses, as `config` does."""
    services = (model.get("services") or {}).values()
    used_networks = {name for service in services for name in (service.get("networks") or {})}
    used_volumes = {
        volume.get("source")
        for service in services
        for volume in service.get("volumes") or []
        if volume.get("type") == "volume"
    }
    used_secrets = {
        reference.get("source")
        for service in services
        for reference in [*(service.get("secrets") or []), *((service.get("build") or {}).get("secrets") or [])]
    }
    used_configs = {reference.get("source") for service in services for reference in service.get("configs") or []}
    kinds = (("networks", used_networks), ("volumes", used_volumes), ("secrets", used_secrets), ("configs", used_configs))
    for kind, used in kinds:
        resources = model.get(kind)
        if resources is None:
            continue
        model[kind] = {key: value for key, value in resources.items() if key in used}
        if not model[kind]:
            del model[kind]
