"""Planning a migration: what the source runs, what moves, and what the target lacks.

The plan is computed before anything changes: it is what `--dry-run` prints and what the
migration record stores, so an interrupted migration can be undone from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from crank_cli.errors import UsageError
from crank_cli.operations import labels, specs
from crank_cli.operations.capabilities import MIGRATION, Finding
from crank_cli.operations.graph import dependencies
from crank_cli.runtime.models import Mount

if TYPE_CHECKING:
    from crank_cli.compose import Project


@dataclass(frozen=True)
class SourceContainer:
    """A container of the project on the source engine."""

    name: str
    service: str
    image_id: str
    running: bool
    # True for a container of `crank run` (or `docker compose run`), which `up` does not create.
    one_off: bool = False
    paused: bool = False
    # The replica number from crank's or docker compose's label, or 0 when neither is set.
    replica: int = 0


@dataclass(frozen=True)
class ImageCopy:
    """An image that the moved containers run, and the names the target needs for it."""

    image_id: str
    references: tuple[str, ...]
    size: int
    on_target: bool


@dataclass(frozen=True)
class VolumeCopy:
    """A volume that moved containers mount, and how it is planned to travel.

    `method` is `host` (between the volume folders on this machine) or `containers` (a tar
    stream between helper containers). `method_reason` gives the reason the host copy is not possible.
    An anonymous volume of a source container has `container` and `path` set: the copy keeps
    its name, and the container of that name on the target mounts it at `path`.
    """

    name: str
    services: tuple[str, ...]
    kilobytes: int
    on_target: bool
    external: bool = False
    method: str = "containers"
    method_reason: str | None = None
    container: str | None = None
    path: str | None = None


@dataclass
class Plan:
    """Everything a migration will do, decided before it changes anything."""

    project: str
    source: str
    target: str
    services: tuple[str, ...]
    containers: list[SourceContainer]
    images: list[ImageCopy]
    volumes: list[VolumeCopy]
    networks: list[str]
    findings: list[Finding] = field(default_factory=list)
    helper_image: str | None = None
    helper_tar: str | None = None
    started_by: str = "crank"
    # The moved services that were stopped on the source: the target creates them and does not start them.
    created_only: tuple[str, ...] = ()

    @property
    def full(self) -> bool:
        """Whether every container of the project on the source moves."""
        return all(container.service in self.services for container in self.containers)

    @property
    def moved_containers(self) -> list[SourceContainer]:
        return [container for container in self.containers if container.service in self.services]

    @property
    def running_before(self) -> list[str]:
        """Return the moved containers that run or are paused: the ones the cut-over stops."""
        return [container.name for container in self.moved_containers if container.running or container.paused]

    @property
    def paused_before(self) -> list[str]:
        return [container.name for container in self.moved_containers if container.paused]

    @property
    def active_services(self) -> list[str]:
        """Return the moved services with a running or paused container."""
        active = {container.service for container in self.moved_containers if container.running or container.paused}
        return [name for name in self.services if name in active]

    @property
    def started_services(self) -> tuple[str, ...]:
        return tuple(name for name in self.services if name not in self.created_only)

    @property
    def replicas(self) -> dict[str, tuple[int, ...]]:
        """Return the replica numbers of each moved service's containers on the source, one-off containers left out.

        The other engine gets the same numbers, so the same container names, because the
        scale that `up --scale` set on the source stays until the next `up` without it, and
        numbers with a gap (w-1 and w-3) stay as they are. A service with only one-off
        containers is left out, so it gets the count of its definition. Containers without
        a replica number, or with one number twice, are numbered from 1.
        """
        numbers: dict[str, list[int]] = {}
        for container in self.moved_containers:
            if not container.one_off:
                numbers.setdefault(container.service, []).append(container.replica)
        return {service: _replica_numbers(found) for service, found in sorted(numbers.items())}

    def adopted_volumes(self) -> dict[str, tuple[Mount, ...]]:
        """Map each container name on the target to the copies of anonymous volumes it mounts."""
        by_container: dict[str, list[Mount]] = {}
        for volume in self.volumes:
            if volume.container and volume.path:
                by_container.setdefault(volume.container, []).append(Mount("volume", volume.path, volume.name))
        return {name: tuple(mounts) for name, mounts in by_container.items()}

    def as_dict(self) -> dict[str, Any]:
        # `asdict` leaves named tuples as tuples, which JSON would write as lists.
        return {**asdict(self), "findings": [finding._asdict() for finding in self.findings]}

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Plan:
        return cls(
            project=document["project"],
            source=document["source"],
            target=document["target"],
            services=tuple(document["services"]),
            containers=[SourceContainer(**item) for item in document["containers"]],
            images=[ImageCopy(**{**item, "references": tuple(item["references"])}) for item in document["images"]],
            volumes=[VolumeCopy(**{**item, "services": tuple(item["services"])}) for item in document["volumes"]],
            networks=list(document["networks"]),
            findings=[_finding(item) for item in document["findings"]],
            helper_image=document.get("helper_image"),
            helper_tar=document.get("helper_tar"),
            started_by=document.get("started_by", "crank"),
            created_only=tuple(document.get("created_only") or ()),
        )


def _finding(item: Mapping[str, Any]) -> Finding:
    """Read a finding from a record, including the subject, problem and action form of older records."""
    if "subject" in item:
        return Finding(MIGRATION, None, item["subject"], f"{item['problem']}. {item['action']}", bool(item.get("blocking")))
    return Finding(**item)


def check_cut_over(services: Mapping[str, dict[str, Any]], moved: Iterable[str], *, source: str, target: str) -> None:
    """Raise `UsageError` when a service that stays on the source depends on one that moves."""
    moving = set(moved)
    graph = dependencies(services)
    blocked = {name: sorted(graph[name] & moving) for name in sorted(services) if name not in moving and graph[name] & moving}
    if not blocked:
        return
    reasons = "; ".join(f"{name} depends on {', '.join(needs)}" for name, needs in blocked.items())
    together = " ".join(sorted(moving | set(blocked)))
    message = (
        f"cannot move {', '.join(sorted(moving))} without the services that depend on them: "
        f"{reasons}, and {'it stays' if len(blocked) == 1 else 'they stay'} on {source}; "
        f"move them together: crank migrate --to {target} {together}"
    )
    raise UsageError(message)


def volume_keys(service: dict[str, Any]) -> list[str]:
    """Return the keys of the top-level named volumes that a service mounts."""
    return [volume["source"] for volume in service.get("volumes") or () if volume.get("type") == "volume" and volume.get("source")]


def check_shared_volumes(services: Mapping[str, dict[str, Any]], moved: Iterable[str], present: Iterable[str]) -> None:
    """Raise `UsageError` when a moved service shares a volume with a service that stays and runs.

    Copying such a volume would leave two copies that drift apart. A service in `present`
    that `services` lacks is skipped: the compose files no longer define it, so the model
    lists none of its volumes.
    """
    moving = set(moved)
    staying = (set(present) - moving) & set(services)
    shared = []
    for name in sorted(moving):
        for key in volume_keys(services[name]):
            users = sorted(other for other in staying if key in volume_keys(services[other]))
            if users:
                shared.append(f"volume {key} of {name} is also mounted by {', '.join(users)}")
    if shared:
        message = "cannot move services that share a volume with services that stay: " + "; ".join(shared)
        raise UsageError(message + "; move them together")


# The labels that mark a one-off container, set by crank and by docker compose.
ONE_OFF_LABELS = (labels.ONE_OFF, "com.docker.compose.oneoff")
# The labels that number a service's replicas, set by crank and by docker compose (podman-compose sets it too).
REPLICA_LABELS = (labels.REPLICA, "com.docker.compose.container-number")


def source_containers(records: Iterable[dict[str, Any]], service_label: str) -> list[SourceContainer]:
    """Turn raw `container inspect` records into the containers a plan works with."""
    containers = []
    for record in records:
        config = record.get("Config") or {}
        state = record.get("State") or {}
        containers.append(SourceContainer(
            name=str(record.get("Name", "")).lstrip("/"),
            service=(config.get("Labels") or {}).get(service_label, ""),
            image_id=str(record.get("Image", "")).removeprefix("sha256:"),
            running=state.get("Status") == "running",
            paused=state.get("Status") == "paused",
            one_off=any((config.get("Labels") or {}).get(label) == "True" for label in ONE_OFF_LABELS),
            replica=_replica((config.get("Labels") or {})),
        ))
    return sorted(containers, key=lambda container: container.name)


def _replica_numbers(found: list[int]) -> tuple[int, ...]:
    if 0 in found or len(set(found)) < len(found):
        return tuple(range(1, len(found) + 1))
    return tuple(sorted(found))


def _replica(container_labels: Mapping[str, str]) -> int:
    for label in REPLICA_LABELS:
        value = container_labels.get(label, "")
        if value.isdigit():
            return int(value)
    return 0


def image_references(project: Project, containers: Iterable[SourceContainer]) -> dict[str, tuple[str, ...]]:
    """Map each image ID the containers run to the image names their services use."""
    references: dict[str, set[str]] = {}
    for container in containers:
        if container.service in project.model["services"]:
            references.setdefault(container.image_id, set()).add(specs.image_name(project, container.service))
    return {image: tuple(sorted(names)) for image, names in references.items()}


def used_volumes(project: Project, moved: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Map the key of each top-level volume that moved services mount to those services."""
    users: dict[str, set[str]] = {}
    for name in moved:
        for key in volume_keys(project.model["services"][name]):
            users.setdefault(key, set()).add(name)
    return {key: tuple(sorted(names)) for key, names in sorted(users.items())}


def copy_labels(project: str, volume: VolumeCopy) -> dict[str, str]:
    """Return the labels of a volume that a migration or a rollback creates to copy `volume` into.

    The copy of an anonymous volume gets the project's label without a volume key, so that
    `down --volumes` removes it and nothing takes it for a volume of the compose file.
    """
    if volume.external:
        return {}
    if volume.container:
        return labels.resource_labels(project)
    return labels.resource_labels(project, **{labels.VOLUME: volume.name})


def volume_name(project: Project, key: str) -> str:
    return (project.model.get("volumes") or {}).get(key, {}).get("name", f"{project.name}_{key}")


def service_label_for(started_by: str) -> str:
    """Return the label that names a container's service, for crank or the tool that started it."""
    for project_label, tool in labels.FOREIGN_PROJECT_LABELS.items():
        if tool == started_by:
            return labels.FOREIGN_SERVICE_LABELS[project_label]
    return labels.SERVICE
