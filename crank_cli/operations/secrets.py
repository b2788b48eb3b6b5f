"""Secrets and configs: files the engine bind-mounts read-only into containers.

A `file` source is mounted as it is. An `environment` or `content` source is written to a
file of its own under crank's state folder, in a folder only its owner can enter, so the
value never appears on a command line or in a log. The file gets the mode the service sets,
else 0444 as with the compose reference, so a container's non-root user can read it.
The files stay until `down` has removed every container of the project (see
`remove_private_files`), because a stopped container needs them to start again. An `up`
that fails or is interrupted, and a `run` once its container is gone or failed to start,
delete the files they wrote that no container of the project mounts
(`remove_unmounted_files`).
"""

from __future__ import annotations

import contextlib
import os
import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli.errors import EngineError, InvalidProjectError
from crank_cli.operations import labels
from crank_cli.runtime.models import Mount

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.runtime.backend import Backend


_PRIVATE_KINDS = ("secrets", "configs")

# The list that `recording_new_files` collects into, or None outside such a block.
_new_files: ContextVar[list[Path] | None] = ContextVar("crank_new_private_files", default=None)
# False in a dry run: specs still name each file's path, but no file or folder is made.
# A module global, not a ContextVar, so that threads building specs see it too.
_writing_files = True


def stop_writing_files() -> None:
    """Make the rest of this process compute the paths of secret and config files without writing them."""
    global _writing_files
    _writing_files = False


def state_folder() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "crank"


def has_private_files(project: str) -> bool:
    """Return whether the project has secret or config files in crank's state folder."""
    folder = state_folder() / project
    return any((folder / kind).is_dir() for kind in _PRIVATE_KINDS)


def remove_private_files(project: str) -> list[Path]:
    """Delete the project's secret and config files and their folders; return the files deleted.

    Call it only when no container of the project is left, because a container whose bind
    mount source is gone fails to start. The project's folder goes too once it is empty.
    """
    folder = state_folder() / project
    removed: list[Path] = []
    for kind in _PRIVATE_KINDS:
        kind_folder = folder / kind
        if not kind_folder.is_dir():
            continue
        for path in sorted(kind_folder.iterdir()):
            path.unlink()
            removed.append(path)
        kind_folder.rmdir()
    # Something else in the project's folder, which crank did not write there, keeps it.
    with contextlib.suppress(OSError):
        folder.rmdir()
    return removed


def remove_files(paths: Iterable[Path]) -> None:
    """Delete secret or config files, then their folders and the project's folder once they are empty."""
    folders = set()
    for path in paths:
        path.unlink(missing_ok=True)
        folders.add(path.parent)
    for folder in folders:
        # rmdir fails on a folder that still contains files, and such a folder stays.
        for empty in (folder, folder.parent):
            with contextlib.suppress(OSError):
                empty.rmdir()


def remove_unmounted_files(project: str, backend: Backend, paths: Sequence[Path]) -> None:
    """Delete those of the given secret and config files that no container of the project mounts.

    A file's name contains a digest of its value, so the containers of `up` and of `run`
    share a file when their values match, and one that a container mounts must stay. Call
    it under the project's lock, so no other crank process creates a container that mounts
    a file between the check and the deletion.
    """
    if not paths:
        return
    try:
        listed = backend.list_containers(labels.container_filter(project))
        # A listing carries no bind sources on Podman, so the containers are inspected.
        inspected = backend.inspect_containers([state.id for state in listed])
    except EngineError:
        # Without the list, any file may be in use. `down` deletes them later.
        return
    mounted = {os.path.realpath(mount.source) for state in inspected for mount in state.mounts if mount.type == "bind"}
    remove_files(path for path in paths if os.path.realpath(path) not in mounted)


@contextlib.contextmanager
def recording_new_files() -> Iterator[list[Path]]:
    """Collect the secret and config files written in this block that did not exist before it.

    A file that existed already is left out, because a container made earlier may use it.
    """
    written: list[Path] = []
    token = _new_files.set(written)
    try:
        yield written
    finally:
        _new_files.reset(token)


def secret_mounts(project: Project, service: dict[str, Any]) -> list[Mount]:
    """Return the read-only bind mounts of a service's secrets and configs, writing the files they need."""
    mounts = []
    for kind in _PRIVATE_KINDS:
        declared = project.model.get(kind) or {}
        for reference in service.get(kind) or ():
            source = reference["source"]
            if source not in declared:
                raise InvalidProjectError(f"services: {kind} {source!r} is not declared under the top-level {kind}: key")
            path = _source_file(project, kind, source, declared[source], reference.get("mode"))
            mounts.append(Mount("bind", mount_target(kind, reference), str(path), read_only=True))
    return mounts


# The folder that a relative target is in, as docker compose v2.40.3 mounts it. A reference
# without a target is mounted in that folder under its source name.
_TARGET_FOLDERS = {"secrets": "/run/secrets", "configs": "/"}


def mount_target(kind: str, reference: Mapping[str, Any]) -> str:
    """Return the absolute path in the container of a service's secret or config reference.

    A relative target is joined to its kind's folder and normalized, so the secret target
    `renamed` becomes /run/secrets/renamed and `../key` becomes /run/key, as with the
    reference. An absolute target is kept as it is.
    """
    target = str(reference.get("target") or reference["source"])
    if target.startswith("/"):
        return target
    return posixpath.normpath(posixpath.join(_TARGET_FOLDERS[kind], target))


def _source_file(project: Project, kind: str, name: str, definition: dict[str, Any], mode: str | int | None) -> Path:
    if definition.get("file"):
        path = Path(definition["file"])
        # The engine would report only a bind source that does not exist, naming neither the key nor the file.
        if not path.exists():
            where = project.files[0].name if project.files else "compose file"
            raise InvalidProjectError(f"{where}: {kind}.{name}.file: file {path} not found; create it, or correct "
                                      "the path")
        return path
    if "content" in definition:
        content = definition["content"]
    elif definition.get("environment"):
        variable = definition["environment"]
        # These are the interpolation variables, so a value set only in .env is found, as with docker compose.
        if variable not in project.variables:
            where = project.files[0].name if project.files else "compose file"
            raise InvalidProjectError(f"{where}: {kind}.{name}.environment: variable {variable} is not set: "
                                      "set it in the environment or in the project's .env file")
        content = project.variables[variable]
    else:
        raise InvalidProjectError(f"{kind}.{name}: set one of file, environment or content")
    return _write_private(project.name, kind, name, content, mode)


def _write_private(project: str, kind: str, name: str, content: str, mode: str | int | None) -> Path:
    # Imported here: loading hashlib's library takes several milliseconds, which `down` need not pay.
    import hashlib

    folder = state_folder() / project / kind
    # The name changes with the content, so a container made before a change keeps the file
    # with the old value. The config hash leaves the value out, so `up` recreates such a
    # container only with --force-recreate, as docker compose v2.40.3 does. The salt keeps
    # the name from being a plain hash of the value.
    digest = hashlib.sha256(f"{project}/{kind}/{name}\0{content}".encode()).hexdigest()[:12]
    path = folder / f"{name}-{digest}"
    if not _writing_files:
        return path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    permissions = int(str(mode), 8) if mode is not None else 0o444
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content)
        recorded = _new_files.get()
        if recorded is not None:
            recorded.append(path)
    os.chmod(path, permissions)
    return path
