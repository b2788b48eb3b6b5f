"""Carry a replaced container's anonymous volumes over to the container that replaces it.

docker compose (v2.40.3) mounts in the new container, at the same path, each volume or bind
mount of the old container that sits at

- a service volume with a target and no source (`volumes: [/data]`), or
- a path the new image declares with `VOLUME` that no mount of the service covers.

Without that, the engine gives the new container empty anonymous volumes, and removing the
old container with its volumes deletes the data. `up -V` skips this step on purpose.

Removing the old container with its volumes leaves a volume that the new one mounts: Docker
20.10 and Podman 4.3 both keep a volume in use.
NOTE: Docker removes with a container only the anonymous volumes created for it, so on Docker
a taken-over volume outlives `down` of the new container, as with docker compose 2.40.3.
"""

from __future__ import annotations

from collections.abc import Sequence

from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec, ContainerState, Mount

# The kinds of old mounts a new container takes over. A tmpfs is left out, because its data is gone once the old container stops.
_KEPT_TYPES = ("volume", "bind")


def with_inherited_volumes(backend: Backend, spec: ContainerSpec, current: ContainerState,
                           image_id: str | None) -> ContainerSpec:
    """Return `spec` with the anonymous volumes of `current`, the container it replaces.

    It reads the old container's mounts and, only when one of them sits at a path that the
    service mounts nothing at, the new image's `VOLUME` paths: one or two engine reads, paid
    on recreation only.
    """
    old = backend.inspect_containers([current.id])
    old_mounts = old[0].mounts if old else ()
    if needs_declared_paths(spec, old_mounts):
        images = backend.inspect_images([image_id or spec.image])
        declared = images[0].volumes if images else ()
    else:
        declared = ()
    return spec._replace(mounts=inherited_mounts(spec, old_mounts, declared))


def inherited_mounts(spec: ContainerSpec, old_mounts: Sequence[Mount], declared: Sequence[str]) -> tuple[Mount, ...]:
    """Return the mounts of `spec` with the old container's mounts taken over where docker compose takes them over.

    `declared` lists the paths the new image declares with `VOLUME`.
    """
    taken_over = taken_over_mounts(spec, old_mounts, declared)
    mounts = []
    for mount in spec.mounts:
        old = taken_over.pop(mount.target, None)
        if old is not None:
            # The service's definition decides whether the mount is read-only.
            mount = old._replace(read_only=mount.read_only)
        mounts.append(mount)
    return (*mounts, *taken_over.values())


def with_adopted_volumes(spec: ContainerSpec, adopted: Sequence[Mount]) -> ContainerSpec:
    """Return `spec` with `adopted` mounted at its anonymous volume paths, as if an old container had them.

    A mount at a path the service covers with a named volume, a bind or a tmpfs is left out.
    """
    return spec._replace(mounts=inherited_mounts(spec, adopted, [mount.target for mount in adopted]))


def taken_over_mounts(spec: ContainerSpec, old_mounts: Sequence[Mount], declared: Sequence[str]) -> dict[str, Mount]:
    """Map each path where a new container for `spec` takes over an old volume or bind mount to that mount.

    Those paths are the service's volumes without a source, then the `declared` image paths
    that no mount of the service covers.
    """
    old_by_path = {mount.target: mount for mount in old_mounts if mount.type in _KEPT_TYPES}
    anonymous = [mount.target for mount in spec.mounts if mount.type == "volume" and not mount.source]
    covered = _covered_paths(spec)
    paths = [path for path in anonymous if path in old_by_path]
    paths += [path for path in declared if path in old_by_path and path not in covered]
    return {path: old_by_path[path] for path in paths}


def needs_declared_paths(spec: ContainerSpec, old_mounts: Sequence[Mount]) -> bool:
    """Tell whether an old mount sits at a path that `spec` mounts nothing at, so the image's `VOLUME` paths matter."""
    covered = _covered_paths(spec)
    return any(mount.target not in covered for mount in old_mounts)


def _covered_paths(spec: ContainerSpec) -> set[str]:
    """Return the paths where `spec` mounts something: a mount of any kind or a `tmpfs` entry."""
    return {mount.target for mount in spec.mounts} | {entry.partition(":")[0] for entry in spec.tmpfs}
