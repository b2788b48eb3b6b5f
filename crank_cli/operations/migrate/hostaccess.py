"""Decide how a volume travels: through its folders on this machine, or through helper containers.

The host copy needs four things on both engines. The engine runs on this machine (no remote
address) and does not map container user IDs (no rootless mode, no Docker userns-remap).
The volume is a `local` volume without options, because with options, such as a tmpfs or
NFS volume, the folder contains the data only while a container mounts it. This process can
read the mount point on the source, and write and chown in it on the target. Before a copy,
a helper container also checks by inode number that the folder is the one the engine mounts.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from crank_cli.errors import CrankError
from crank_cli.runtime import transfer
from crank_cli.runtime.compatible import DockerCompatibleEngine

HOST = "host"
CONTAINERS = "containers"

# A user and group ID for the probe file. Giving it this owner shows that this process may
# give files any owner in the target folder.
PROBE_OWNER = 65533


@dataclass(frozen=True)
class CopyMethod:
    """The method that copies one volume, and the reason when the host copy is not possible."""

    method: str
    reason: str | None = None
    source_folder: str | None = None
    target_folder: str | None = None


def engine_problem(engine: DockerCompatibleEngine) -> str | None:
    """Return why the host copy cannot use this engine's volumes, or None."""
    if engine.remote_endpoint:
        return f"{engine.name} runs on another machine ({engine.remote_endpoint})"
    try:
        mapping = transfer.user_namespace(engine)
    except CrankError as error:
        return f"cannot read {engine.name} info: {error.message}"
    if mapping == "rootless":
        return f"{engine.name} runs rootless, so its files have other owners on the host than in containers"
    if mapping == "userns":
        return f"{engine.name} remaps user IDs (userns-remap), so its files have other owners on the host"
    return None


def volume_folder(engine: DockerCompatibleEngine, volume: str, *, writable: bool,
                  probe: bool = False) -> tuple[Path | None, str | None]:
    """Return the volume's folder on this machine, or None with the reason it cannot be used.

    With `probe`, a writable folder must also let this process create a file, chown it and
    set an extended attribute. The probe changes the folder's times, so a plan does not run it.
    """
    location = transfer.volume_location(engine, volume)
    if location is None:
        return None, f"volume {volume} not found on {engine.name}"
    if location.driver != "local":
        return None, f"volume {volume} on {engine.name} uses driver {location.driver}, not local"
    if location.options:
        return None, f"volume {volume} on {engine.name} has driver options, so its folder contains data only while mounted"
    folder = Path(location.mountpoint)
    if not folder.is_absolute() or not folder.is_dir() or folder.is_symlink():
        return None, f"the mount point {location.mountpoint or '(none)'} of volume {volume} is not a folder on this machine"
    mode = os.R_OK | os.X_OK | (os.W_OK if writable else 0)
    if not os.access(folder, mode):
        return None, f"this process may not {'write' if writable else 'read'} {folder}"
    if writable and probe:
        return folder, _ownership_problem(folder)
    return folder, None


def _ownership_problem(folder: Path) -> str | None:
    """Create a probe file, give it another owner and an extended attribute, and remove it again."""
    probe = folder / f".crank-probe-{secrets.token_hex(6)}"
    try:
        probe.touch(mode=0o600, exist_ok=False)
        try:
            os.chown(probe, PROBE_OWNER, PROBE_OWNER)
            os.setxattr(probe, "user.crank-probe", b"1")
        finally:
            probe.unlink()
    except OSError as error:
        return f"cannot set owners and extended attributes in {folder}: {error.strerror}"
    return None


def same_folder(engine: DockerCompatibleEngine, helper: transfer.Helper, volume: str, folder: Path,
                *, read_only: bool) -> str | None:
    """Return None when a container of the engine mounts `folder` as the volume's root, else the reason it does not."""
    seen = transfer.volume_root_inode(engine, helper, volume, read_only=read_only)
    if seen is None:
        return f"cannot read the root inode of volume {volume} in a helper container on {engine.name}"
    if seen != folder.stat().st_ino:
        return f"{folder} is not the folder that {engine.name} mounts for volume {volume}"
    return None


def planned_method(source: DockerCompatibleEngine, target: DockerCompatibleEngine, volume: str,
                   *, on_target: bool, probe: bool = False) -> CopyMethod:
    """Return the method a plan announces, from checks that change nothing.

    The copy checks again once the target volume exists, with the write probe (`probe`).
    """
    for engine in (source, target):
        problem = engine_problem(engine)
        if problem:
            return CopyMethod(CONTAINERS, problem)
    source_folder, problem = volume_folder(source, volume, writable=False)
    if source_folder is None:
        return CopyMethod(CONTAINERS, problem)
    target_folder = None
    if on_target:
        target_folder, problem = volume_folder(target, volume, writable=True, probe=probe)
        if problem:
            return CopyMethod(CONTAINERS, problem)
    return CopyMethod(HOST, None, str(source_folder), str(target_folder) if target_folder else None)


def copy_method(source: DockerCompatibleEngine, target: DockerCompatibleEngine, helper: transfer.Helper,
                volume: str) -> CopyMethod:
    """Check every condition of the host copy for a volume that exists on both engines."""
    planned = planned_method(source, target, volume, on_target=True, probe=True)
    if planned.method != HOST:
        return planned
    source_folder, target_folder = Path(planned.source_folder or ""), Path(planned.target_folder or "")
    problem = (same_folder(source, helper, volume, source_folder, read_only=True)
               or same_folder(target, helper, volume, target_folder, read_only=False))
    return CopyMethod(CONTAINERS, problem) if problem else planned
