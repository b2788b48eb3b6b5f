"""Find the anonymous volumes of the moved containers, so the migration copies them too.

A container has an anonymous volume at each service volume with a target and no source
(`volumes: [/data]`), and at each path its image declares with `VOLUME` that no mount of the
service covers (the postgres image's /var/lib/postgresql/data, for example). The engine gives
such a volume a random name, so the target would start with an empty one. The migration
instead creates a volume of the same name on the target and copies it as it copies a named
volume. `up` on the target then mounts it at the same path in the container of the same
service and replica number, before that container first starts, which is what
`anonymous_volumes.taken_over_mounts` decides for a recreated container as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crank_cli.operations import specs
from crank_cli.operations.anonymous_volumes import needs_declared_paths, taken_over_mounts
from crank_cli.operations.capabilities import Finding
from crank_cli.operations.migrate.findings import migration_finding
from crank_cli.operations.migrate.plan import SourceContainer
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import container_state

if TYPE_CHECKING:
    from crank_cli.compose import Project


@dataclass(frozen=True)
class AnonymousVolume:
    """An anonymous volume of a source container, and the target container that mounts its copy."""

    name: str
    service: str
    path: str
    container: str


def anonymous_volumes(project: Project, source: DockerCompatibleEngine, containers: Sequence[SourceContainer],
                      inspected: Sequence[dict[str, Any]]) -> tuple[list[AnonymousVolume], list[Finding]]:
    """Return the anonymous volumes of the moved containers that travel, and a finding for each one that cannot.

    `inspected` contains the source's raw `container inspect` records, which give the mounts.
    It reads the `VOLUME` paths of the images that the containers run.
    """
    states = {state.name: state for state in map(container_state, inspected)}
    layouts = {container.name: specs.mount_layout(project, container.service, container.replica or 1)
               for container in containers if container.name in states}
    declared = _declared_paths(source, [container for container in containers if container.name in layouts
                                        and needs_declared_paths(layouts[container.name], states[container.name].mounts)])
    travelling: list[AnonymousVolume] = []
    findings: list[Finding] = []
    for container in containers:
        layout = layouts.get(container.name)
        if layout is None:
            continue
        taken_over = taken_over_mounts(layout, states[container.name].mounts, declared.get(container.image_id, ()))
        for path, mount in taken_over.items():
            if mount.type != "volume" or not mount.source:
                # A bind mount's folder stays where it is on this machine.
                continue
            problem = _cannot_travel(container)
            if problem:
                findings.append(_left_behind(container, path, mount.source, problem))
            else:
                travelling.append(AnonymousVolume(mount.source, container.service, path, layout.name))
    return travelling, findings


def _declared_paths(source: DockerCompatibleEngine, containers: Sequence[SourceContainer]) -> dict[str, tuple[str, ...]]:
    """Map the ID of each image that the containers run to the paths it declares with `VOLUME`, in one engine read."""
    images = sorted({container.image_id for container in containers})
    return {image.id: image.volumes for image in source.inspect_images(images)} if images else {}


def _cannot_travel(container: SourceContainer) -> str | None:
    """Return why `up` on the target creates no container to mount this container's volumes, or None."""
    if container.one_off:
        return "it is a one-off container (from `run`), which `up` on the target does not create"
    return None


def _left_behind(container: SourceContainer, path: str, volume: str, problem: str) -> Finding:
    message = (f"the anonymous volume {volume} at {path} of {container.name} is not copied, because {problem}. Its "
               f"data stays on the source, and removing {container.name} there deletes it. Keep the source with "
               f"--keep-source, or mount a named volume at {path} in service {container.service} so the data travels")
    return migration_finding(f"container {container.name} volume {path}", message, service=container.service)
