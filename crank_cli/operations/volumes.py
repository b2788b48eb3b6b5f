"""`volumes`: the named volumes of a project, or of the running containers of some of its services."""

from __future__ import annotations

from collections.abc import Sequence

from crank_cli.operations import labels
from crank_cli.operations.running import LISTED_STATES
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import VolumeDetails


def project_volumes(backend: Backend, project: str, services: Sequence[str]) -> list[VolumeDetails]:
    """Return the volumes that carry the project's label, sorted by name.

    With `services`, only those that their running containers mount. As with docker compose
    (v2.40.3), a stopped container's volumes do not count, and neither do volumes without the
    project's label, such as anonymous and external ones.
    """
    volumes = backend.inspect_volumes(labels.project_filter(project))
    if services:
        mounted = _mounted_volumes(backend, project, services)
        volumes = [volume for volume in volumes if volume.name in mounted]
    return sorted(volumes, key=lambda volume: volume.name)


def _mounted_volumes(backend: Backend, project: str, services: Sequence[str]) -> set[str]:
    states = backend.list_containers(labels.container_filter(project))
    running = [state.name for state in states if state.service in services and state.state in LISTED_STATES]
    # Podman's container list names no volumes, so the containers are inspected.
    return {volume for state in backend.inspect_containers(running) for volume in state.volumes}
