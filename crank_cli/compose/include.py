"""Apply `include`: load other compose files as sub-projects and add their resources.

Each entry names one or more files (the first is the main one, the others override it), an
optional project directory (default: the first file's folder) and optional env files
(default: the `.env` of that directory). The included files are interpolated with the
including project's variables first, then their own env files. Their relative paths are
resolved against their project directory and written relative to the including project's
directory, as compose-go does. A resource that the including file defines too is a
conflict, and a file that includes itself, directly or not, is rejected.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crank_cli.compose.environment import merge_env_files
from crank_cli.compose.layers import Layer
from crank_cli.compose.normalize import absolute_path, relative_base, resolve_resource_paths, resolve_service_paths
from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

IMPORTED_KINDS = ("services", "networks", "volumes", "secrets", "configs", "models")

MergeFiles = Callable[[list[Path], dict[str, str], Path, list[Path]], dict[str, Any]]


def include_entries(value: Any, where: Where) -> list[dict[str, Any]]:
    """Return the `include` entries in long form: `{path: [...], project_directory, env_file: [...]}`."""
    entries = []
    for index, entry in enumerate(where.expect_list(value)):
        here = where.child(index)
        if isinstance(entry, str):
            entries.append({"path": [entry], "env_file": []})
            continue
        entry = here.expect_mapping(entry)
        for key in entry:
            if key not in ("path", "project_directory", "env_file") and not key.startswith("x-"):
                raise here.fail(f"unknown key {quote(key)}: use path, project_directory or env_file")
        paths = _string_list(entry.get("path"), here.child("path"))
        if not paths:
            raise here.fail('an include entry needs "path"')
        entries.append(
            {
                "path": paths,
                "project_directory": entry.get("project_directory"),
                "env_file": _string_list(entry.get("env_file"), here.child("env_file")),
            }
        )
    return entries


def _string_list(value: Any, where: Where) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [where.child(index).expect_string(item) for index, item in enumerate(where.expect_list(value))]


def apply_include(
    layer: Layer, working_dir: Path, variables: dict[str, str], chain: list[Path], merge_files: MergeFiles
) -> None:
    """Load the files that `layer` includes and add their resources to it, in place."""
    value = layer.content.pop("include", None)
    if value is None:
        return
    where = Where(layer.path, "include")
    for index, entry in enumerate(include_entries(value, where)):
        here = where.child(index)
        model = _load_entry(entry, working_dir, variables, [*chain, layer.path], merge_files, here)
        import_resources(layer.content, model, here)


def _load_entry(
    entry: dict[str, Any], working_dir: Path, variables: dict[str, str], chain: list[Path], merge_files: MergeFiles, where: Where
) -> dict[str, Any]:
    paths = [Path(absolute_path(path, working_dir, variables)) for path in entry["path"]]
    if paths[0] in chain:
        trail = " -> ".join(str(path) for path in [*chain, paths[0]])
        raise where.fail(f"include cycle: {trail}; remove one of these includes")
    for path in paths:
        if not path.is_file():
            raise where.fail(f"included file {path} not found: check the path")
    directory = paths[0].parent
    base = relative_base(directory, working_dir)
    if entry.get("project_directory"):
        directory = Path(absolute_path(entry["project_directory"], working_dir, variables))
        base = _project_directory_base(entry["project_directory"], directory, working_dir)
    env_files = [Path(absolute_path(path, working_dir, variables)) for path in entry["env_file"]]
    if not env_files and (directory / ".env").is_file():
        env_files = [directory / ".env"]
    included_variables = {**merge_env_files(tuple(env_files), variables), **variables}
    model = merge_files(paths, included_variables, directory, chain)
    for service in (model.get("services") or {}).values():
        resolve_service_paths(service, base, included_variables)
    resolve_resource_paths(model, base, included_variables)
    return model


def _project_directory_base(written: str, directory: Path, working_dir: Path) -> Path:
    """Return the base for the included paths when the entry sets `project_directory`, as compose-go 2.9.1 picks it.

    An absolute project_directory is the base as it is. A relative one that is not an existing
    folder gives way to its parent folder, so `build: ./y` below a missing `../nowhere` is `../y`.
    """
    if os.path.isabs(written):
        return directory
    if not directory.is_dir():
        return relative_base(directory.parent, working_dir)
    return relative_base(directory, working_dir)


def import_resources(target: dict[str, Any], imported: dict[str, Any], where: Where) -> None:
    for kind in IMPORTED_KINDS:
        resources = imported.get(kind) or {}
        if not resources:
            continue
        existing = target.get(kind) or {}
        if not isinstance(existing, dict):
            raise where.fail(f"{kind} must be a mapping, not {describe(existing)}")
        for key, resource in resources.items():
            if key in existing and existing[key] != resource:
                raise where.fail(f"{kind}.{key} is also defined by the included file: rename one of them")
            existing[key] = resource
        target[kind] = existing
