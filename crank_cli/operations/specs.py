"""Translate services of the canonical compose model into container and build specs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli import __version__
from crank_cli.compose.environment import display_name
from crank_cli.durations import parse_duration
from crank_cli.errors import InvalidProjectError
from crank_cli.operations import labels
from crank_cli.operations import service_options as options
from crank_cli.operations.secrets import mount_target, secret_mounts
from crank_cli.runtime.models import (
    BuildSpec,
    ContainerSpec,
    HealthCheck,
    Mount,
    NetworkAttachment,
    PortMapping,
)

if TYPE_CHECKING:
    from crank_cli.compose import Project


def require_images(project: Project, services: Iterable[str]) -> None:
    """Raise `InvalidProjectError` for a service that has neither `image` nor `build`.

    The compose reference accepts such a file in `config`, but no container can be made of it.
    """
    for name in sorted(services):
        service = project.model["services"][name]
        if not service.get("image") and not service.get("build"):
            where = project.files[0].name if project.files else "compose file"
            raise InvalidProjectError(f'{where}: services.{name}: neither "image" nor "build" is set: add one of them')


def image_name(project: Project, service_name: str) -> str:
    """Return the image a service runs: its `image`, or the name compose gives a built one."""
    service = project.model["services"][service_name]
    return service.get("image") or f"{project.name}-{service_name}"


def container_name(project: Project, service_name: str, number: int = 1) -> str:
    service = project.model["services"][service_name]
    return service.get("container_name") or f"{project.name}-{service_name}-{number}"


# The keys of a service that never change its container.
_NOT_HASHED = frozenset({"build", "pull_policy", "scale", "profiles"})


def config_hash(service: dict[str, Any]) -> str:
    """Return a digest of a service's canonical definition, stored as a label.

    Two `up` runs on an unchanged service compute the same hash, so the second leaves the
    container alone. Keys that do not change the container are left out, as docker compose
    2.40.3 leaves them out of its hash: how the image is made, the replica count, the
    profiles, and of `depends_on` all but the names. The condition, `restart` and `required`
    of a dependency decide only when `up` starts the container.
    """
    relevant = {key: value for key, value in service.items() if key not in _NOT_HASHED}
    if "depends_on" in relevant:
        relevant["depends_on"] = sorted(relevant["depends_on"] or {})
    encoded = json.dumps(relevant, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def build_spec(project: Project, service_name: str) -> BuildSpec | None:
    """Return how to build a service's image, or None if the service has no `build`."""
    build = project.model["services"][service_name].get("build")
    if build is None:
        return None
    args = {key: "" if value is None else str(value) for key, value in (build.get("args") or {}).items()}
    return BuildSpec(
        context=Path(build["context"]),
        tag=image_name(project, service_name),
        dockerfile=build.get("dockerfile"),
        args=args,
        labels={**dict(build.get("labels") or {}), labels.PROJECT: project.name},
        target=build.get("target"),
        no_cache=bool(build.get("no_cache")),
        pull=bool(build.get("pull")),
        extra_tags=tuple(str(tag) for tag in build.get("tags") or ()),
        dockerfile_inline=build.get("dockerfile_inline"),
        network=build.get("network"),
        shm_size=options.integer(build.get("shm_size")),
        extra_hosts=tuple(build.get("extra_hosts") or ()),
        ulimits=options.ulimits(build),
    )


def require_build_context(service_name: str, plan: BuildSpec) -> None:
    """Raise `InvalidProjectError` when a service's build context is a local folder that does not exist.

    A remote context, such as a Git URL, is left to the engine.
    """
    context = str(plan.context)
    if "://" in context or context.startswith("git@") or plan.context.is_dir():
        return
    raise InvalidProjectError(f"services.{service_name}.build.context: folder {context} not found; create it, "
                              "or correct the path in the compose file")


def container_spec(project: Project, service_name: str, number: int = 1) -> ContainerSpec:
    """Return the spec of replica `number` of a service."""
    service = project.model["services"][service_name]
    where = f"services.{service_name}"
    name = container_name(project, service_name, number)
    return ContainerSpec(
        name=name,
        image=image_name(project, service_name),
        command=_words(service.get("command")),
        entrypoint=_words(service.get("entrypoint")),
        environment=_environment(service.get("environment")),
        labels=_container_labels(project, service_name, service, number),
        ports=tuple(_port(port) for port in service.get("ports") or ()),
        mounts=tuple(_mounts(project, service)) + tuple(secret_mounts(project, service)),
        networks=tuple(_networks(project, service_name, name, service)),
        network_mode=_network_mode(project, service),
        restart=options.restart_policy(service),
        healthcheck=_healthcheck(service.get("healthcheck"), f"{where}.healthcheck"),
        hostname=service.get("hostname"),
        domainname=service.get("domainname"),
        user=service.get("user"),
        working_dir=service.get("working_dir"),
        init=None if service.get("init") is None else bool(service["init"]),
        tmpfs=tuple(service.get("tmpfs") or ()),
        stop_signal=service.get("stop_signal"),
        stop_timeout=options.stop_timeout(service, where),
        read_only=bool(service.get("read_only")),
        privileged=bool(service.get("privileged")),
        cap_add=tuple(service.get("cap_add") or ()),
        cap_drop=tuple(service.get("cap_drop") or ()),
        extra_hosts=tuple(service.get("extra_hosts") or ()),
        dns=tuple(service.get("dns") or ()),
        dns_search=tuple(service.get("dns_search") or ()),
        ulimits=options.ulimits(service),
        sysctls={key: str(value) for key, value in (service.get("sysctls") or {}).items()},
        security_opt=tuple(service.get("security_opt") or ()),
        devices=options.devices(service),
        limits=options.limits(service),
        gpus=options.gpus(service),
        expose=tuple(str(port) for port in service.get("expose") or ()),
        interactive=bool(service.get("stdin_open")),
        tty=bool(service.get("tty")),
        log_driver=(service.get("logging") or {}).get("driver"),
        log_options=dict((service.get("logging") or {}).get("options") or {}),
        pid=_namespace(project, service.get("pid")),
        ipc=_namespace(project, service.get("ipc")),
    )


def mount_layout(project: Project, service_name: str, number: int = 1) -> ContainerSpec:
    """Return the name, image, mounts and tmpfs of replica `number` of a service, writing no file.

    A secret or config is a bind mount without a source here, which is enough to show the
    path it covers. `container_spec` writes the files those mounts need.
    """
    service = project.model["services"][service_name]
    placeholders = [Mount("bind", mount_target(kind, reference), read_only=True)
                    for kind in ("secrets", "configs") for reference in service.get(kind) or ()]
    return ContainerSpec(name=container_name(project, service_name, number), image=image_name(project, service_name),
                         mounts=(*_mounts(project, service), *placeholders), tmpfs=tuple(service.get("tmpfs") or ()))


def _words(value: list[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _environment(environment: dict[str, str | None] | None) -> dict[str, str]:
    # A variable without a value in the model was not found at load time, so the container
    # gets none, as with the compose reference.
    return {key: value for key, value in (environment or {}).items() if value is not None}


def _container_labels(project: Project, name: str, service: dict[str, Any], number: int) -> dict[str, str]:
    container_labels = {
        **dict(service.get("labels") or {}),
        labels.PROJECT: project.name,
        labels.SERVICE: name,
        labels.REPLICA: str(number),
        labels.CONFIG_HASH: config_hash(service),
        labels.VERSION: __version__,
        labels.WORKING_DIR: str(project.working_dir),
        labels.CONFIG_FILES: ",".join(display_name(path) for path in project.files),
        labels.IMAGE: image_name(project, name),
        labels.DEPENDS_ON: labels.depends_on_value(service.get("depends_on")),
    }
    interval = labels.healthcheck_interval_value(service.get("healthcheck"))
    if interval is not None:
        container_labels[labels.HEALTHCHECK_INTERVAL] = interval
    return container_labels


def _port(port: dict[str, Any]) -> PortMapping:
    return PortMapping(
        target=int(port["target"]),
        published=port.get("published"),
        host_ip=port.get("host_ip"),
        protocol=port.get("protocol") or "tcp",
    )


def _mounts(project: Project, service: dict[str, Any]) -> list[Mount]:
    mounts = []
    for volume in service.get("volumes") or ():
        source = volume.get("source")
        if volume["type"] == "volume" and source:
            source = project.model.get("volumes", {}).get(source, {}).get("name", source)
        read_only = bool(volume.get("read_only"))
        mounts.append(Mount(type=volume["type"], target=volume["target"], source=source, read_only=read_only))
    return mounts


def _networks(project: Project, service_name: str, container: str, service: dict[str, Any]) -> list[NetworkAttachment]:
    if service.get("network_mode"):
        return []
    declared = project.model.get("networks", {})
    attachments = []
    networks = service.get("networks") or {"default": None}
    # Compose connects a service to its networks by priority, highest first, then by name.
    ordered = sorted(networks.items(), key=lambda item: (-((item[1] or {}).get("priority") or 0), item[0]))
    for key, settings in ordered:
        settings = settings or {}
        # As with docker compose: the container name, the service name, then the service's own aliases.
        aliases = [container, service_name, *(settings.get("aliases") or ())]
        name = declared.get(key, {}).get("name", f"{project.name}_{key}")
        attachments.append(NetworkAttachment(name, tuple(dict.fromkeys(aliases)), settings.get("ipv4_address")))
    return attachments


def _network_mode(project: Project, service: dict[str, Any]) -> str | None:
    return _namespace(project, service.get("network_mode"))


def _namespace(project: Project, value: str | None) -> str | None:
    """Translate `service:NAME` into the engines' `container:NAME` form."""
    if value and value.startswith("service:"):
        return f"container:{container_name(project, value.removeprefix('service:'))}"
    return value


def _healthcheck(check: dict[str, Any] | None, where: str) -> HealthCheck | None:
    if not check:
        return None
    if check.get("disable"):
        return HealthCheck(test=("NONE",), disable=True)
    test = check.get("test") or ()
    if isinstance(test, str):
        test = ["CMD-SHELL", test]

    def seconds(key: str) -> float | None:
        value = check.get(key)
        return None if value is None else parse_duration(value, f"{where}.{key}")

    return HealthCheck(
        test=tuple(test),
        interval=seconds("interval"),
        timeout=seconds("timeout"),
        retries=check.get("retries"),
        start_period=seconds("start_period"),
        start_interval=seconds("start_interval"),
    )
