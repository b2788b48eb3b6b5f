"""Parsing of engine JSON (`inspect`, `version`) into typed values."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from crank_cli.errors import EngineError
from crank_cli.runtime.models import ContainerState, HealthCheck, ImageDetails, Mount, VolumeDetails


def parse_json(argv: Sequence[str], text: str) -> Any:
    """Parse an engine's JSON output, raising `EngineError` when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EngineError(argv, 0, f"the engine printed invalid JSON: {error}", text) from None


def container_state(record: dict[str, Any]) -> ContainerState:
    """Turn one element of `container inspect` output into a `ContainerState`."""
    state = record.get("State") or {}
    config = record.get("Config") or {}
    # Podman before 4.x called the health record "Healthcheck"; Docker and later Podman "Health".
    health = state.get("Health") or state.get("Healthcheck") or {}
    restart = (record.get("HostConfig") or {}).get("RestartPolicy") or {}
    return ContainerState(
        id=record.get("Id", ""),
        name=record.get("Name", "").lstrip("/"),
        image=record.get("ImageName") or config.get("Image", ""),
        state=state.get("Status", "unknown"),
        health=health.get("Status") or None,
        labels=dict(config.get("Labels") or {}),
        ports=published_ports(record),
        exit_code=state.get("ExitCode"),
        started_at=state.get("StartedAt"),
        image_id=normalize_image_id(record.get("Image", "")),
        has_healthcheck=_has_healthcheck(config),
        networks=tuple(sorted((record.get("NetworkSettings") or {}).get("Networks") or {})),
        volumes=mounted_volumes(record),
        mounts=volume_and_bind_mounts(record),
        restart_policy=str(restart.get("Name") or ""),
        restart_retries=int(restart.get("MaximumRetryCount") or 0),
        restart_count=int(record.get("RestartCount") or 0),
        healthcheck=_healthcheck(config) if _has_healthcheck(config) else None,
    )


def listed_container_state(entry: dict[str, Any]) -> ContainerState:
    """Turn one element of Podman's `ps --format json` output into a `ContainerState`.

    A listing has no healthcheck definition, so `has_healthcheck` here means only that the
    engine reports a health status; waits inspect containers for the definition.
    """
    names = entry.get("Names") or [""]
    health = _HEALTH_IN_STATUS.search(entry.get("Status") or "")
    return ContainerState(
        id=entry.get("Id", ""),
        name=names[0],
        image=entry.get("Image", ""),
        state=entry.get("State", "unknown"),
        health=health.group(1) if health else None,
        labels=dict(entry.get("Labels") or {}),
        ports=_listed_ports(entry.get("Ports") or []),
        exit_code=entry.get("ExitCode"),
        image_id=normalize_image_id(entry.get("ImageID", "")),
        has_healthcheck=health is not None,
        networks=tuple(sorted(entry.get("Networks") or ())),
    )


_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|starting)\)")


def docker_listed_state(entry: dict[str, Any]) -> ContainerState:
    """Turn one element of Docker's container list (`GET /containers/json`) into a `ContainerState`.

    As with Podman's listing, `has_healthcheck` means only that a health status is reported.
    The exit code comes from the status text (`Exited (3) 2 minutes ago`).
    """
    status = entry.get("Status") or ""
    health = _DOCKER_HEALTH_IN_STATUS.search(status)
    exited = _EXIT_CODE_IN_STATUS.match(status)
    ports = [(f"{port['PrivatePort']}/{port.get('Type', 'tcp')}",
              f"{port.get('IP') or '0.0.0.0'}:{port['PublicPort']}->{port['PrivatePort']}/{port.get('Type', 'tcp')}")
             for port in entry.get("Ports") or () if port.get("PublicPort")]
    return ContainerState(
        id=entry.get("Id", ""),
        name=(entry.get("Names") or [""])[0].lstrip("/"),
        image=entry.get("Image", ""),
        state=entry.get("State", "unknown"),
        health=health.group(1).removeprefix("health: ") if health else None,
        labels=dict(entry.get("Labels") or {}),
        ports=tuple(mapping for _, mapping in sorted(ports, key=lambda pair: pair[0])),
        exit_code=int(exited.group(1)) if exited else 0,
        image_id=normalize_image_id(entry.get("ImageID", "")),
        has_healthcheck=health is not None,
        networks=tuple(sorted((entry.get("NetworkSettings") or {}).get("Networks") or {})),
        volumes=mounted_volumes(entry),
        mounts=volume_and_bind_mounts(entry),
    )


_DOCKER_HEALTH_IN_STATUS = re.compile(r"\((healthy|unhealthy|health: starting)\)")
_EXIT_CODE_IN_STATUS = re.compile(r"Exited \((-?\d+)\)")


def _listed_ports(ports: list[dict[str, Any]]) -> tuple[str, ...]:
    """Return `host_ip:port->target/proto` strings, one per port of each listed range."""
    mappings: list[tuple[str, str]] = []
    for port in ports:
        host_ip = port.get("host_ip") or "0.0.0.0"
        for offset in range(int(port.get("range") or 1)):
            host_port = port.get("host_port")
            published = "" if not host_port else str(int(host_port) + offset)
            target = f"{int(port.get('container_port', 0)) + offset}/{port.get('protocol', 'tcp')}"
            mappings.append((target, f"{host_ip}:{published}->{target}"))
    # Ordered by target as `published_ports` orders an inspect record's ports.
    return tuple(mapping for _, mapping in sorted(mappings, key=lambda pair: pair[0]))


def image_details(record: dict[str, Any]) -> ImageDetails:
    """Turn one element of `image inspect` output, Docker's or Podman's, into `ImageDetails`."""
    platform = "/".join(part for part in (record.get("Os"), record.get("Architecture"), record.get("Variant")) if part)
    last_tagged = (record.get("Metadata") or {}).get("LastTagTime") or None
    return ImageDetails(
        id=normalize_image_id(record.get("Id", "")),
        repo_tags=tuple(record.get("RepoTags") or ()),
        size=int(record.get("Size") or 0),
        created=record.get("Created") or None,
        platform=platform,
        # Docker writes Go's zero time for an image it has never tagged.
        last_tagged=None if last_tagged is None or last_tagged.startswith("0001-") else last_tagged,
        volumes=tuple(sorted((record.get("Config") or {}).get("Volumes") or ())),
    )


def mounted_volumes(record: dict[str, Any]) -> tuple[str, ...]:
    """Return the names of the volumes in the `Mounts` of a container's inspect record or Docker's list entry."""
    return tuple(mount["Name"] for mount in record.get("Mounts") or ()
                 if isinstance(mount, dict) and mount.get("Type") == "volume" and mount.get("Name"))


def volume_and_bind_mounts(record: dict[str, Any]) -> tuple[Mount, ...]:
    """Return the volume and bind mounts in the `Mounts` of a container's inspect record or Docker's list entry."""
    mounts = []
    for mount in record.get("Mounts") or ():
        kind = mount.get("Type") if isinstance(mount, dict) else None
        if kind == "volume":
            source = mount.get("Name")
        elif kind == "bind":
            source = mount.get("Source")
        else:
            source = None
        if source and mount.get("Destination"):
            mounts.append(Mount(type=kind, target=mount["Destination"], source=source, read_only=not mount.get("RW", True)))
    return tuple(mounts)


def volume_details(record: dict[str, Any]) -> VolumeDetails:
    """Turn one element of `volume inspect` output, or of Docker's volume list, into `VolumeDetails`."""
    return VolumeDetails(
        name=record.get("Name", ""),
        driver=record.get("Driver") or "local",
        scope=record.get("Scope") or "local",
        mountpoint=record.get("Mountpoint") or "",
        created=record.get("CreatedAt") or None,
        labels=dict(record.get("Labels") or {}),
    )


def normalize_image_id(image_id: str) -> str:
    """Return an image ID without the `sha256:` prefix, which Docker prints and Podman does not."""
    return image_id.removeprefix("sha256:")


def _has_healthcheck(config: dict[str, Any]) -> bool:
    test = (config.get("Healthcheck") or {}).get("Test") or []
    return bool(test) and test[0] != "NONE"


def _healthcheck(config: dict[str, Any]) -> HealthCheck:
    """Return the healthcheck of a container's `Config`, converting nanoseconds to seconds and 0 to None (the default)."""
    check = config.get("Healthcheck") or {}

    def seconds(key: str) -> float | None:
        value = check.get(key)
        return value / 1e9 if isinstance(value, int) and value > 0 else None

    retries = check.get("Retries")
    return HealthCheck(test=tuple(check.get("Test") or ()), interval=seconds("Interval"), timeout=seconds("Timeout"),
                       retries=retries if isinstance(retries, int) and retries > 0 else None,
                       start_period=seconds("StartPeriod"))


def published_ports(record: dict[str, Any]) -> tuple[str, ...]:
    """Return a container's published ports as `host_ip:port->target/proto` strings."""
    ports = (record.get("NetworkSettings") or {}).get("Ports") or {}
    mappings: list[str] = []
    for target, bindings in sorted(ports.items()):
        for binding in bindings or ():
            host_ip = binding.get("HostIp") or "0.0.0.0"
            mappings.append(f"{host_ip}:{binding.get('HostPort', '')}->{target}")
    return tuple(mappings)


def version_numbers(version: str) -> tuple[int, ...]:
    """Return the leading numbers of a version: `20.10.24+dfsg1` gives (20, 10, 24), junk gives ()."""
    match = re.match(r"v?(\d+(?:\.\d+)*)", version.strip())
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()
