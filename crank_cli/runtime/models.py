"""Typed values that pass between operations and engine adapters.

The records are named tuples: immutable, and defined in a fraction of the time a frozen
dataclass takes at import, which every command pays. No code changes a record's dict after
construction, so an empty `{}` default shared between records is safe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path


class EngineInfo(NamedTuple):
    """The outcome of probing one engine: usable or not, and why."""

    name: str
    usable: bool
    version: str | None = None
    host: str | None = None
    reason: str | None = None


class ImageFacts(NamedTuple):
    """The facts crank reads about an image the engine has: its ID (no `sha256:`) and its labels."""

    id: str
    labels: dict[str, str] = {}


class ImageDetails(NamedTuple):
    """An image as `images` shows it: its ID (no `sha256:`), tags, size in bytes, creation time and platform."""

    id: str
    repo_tags: tuple[str, ...] = ()
    size: int = 0
    # The creation time in RFC 3339, as the engine reports it, or None when it reports none.
    created: str | None = None
    # When the image was last tagged (built, pulled or tagged), in RFC 3339. Docker records it, Podman does not.
    last_tagged: str | None = None
    # `os/architecture`, with `/variant` when the image has one, or "" when unknown.
    platform: str = ""
    # The paths the image declares with `VOLUME`, sorted.
    volumes: tuple[str, ...] = ()


class VolumeDetails(NamedTuple):
    """A named volume as the engine reports it."""

    name: str
    driver: str = "local"
    scope: str = "local"
    # Where the volume's files are on the engine's host.
    mountpoint: str = ""
    # The creation time in RFC 3339, as the engine reports it, or None when it reports none.
    created: str | None = None
    labels: dict[str, str] = {}


class CommitOptions(NamedTuple):
    """How to make an image from a container: its name, author, message, Dockerfile changes, and whether to pause."""

    # `REPOSITORY[:TAG]`, or None for an image without a name.
    reference: str | None = None
    author: str | None = None
    message: str | None = None
    # Dockerfile instructions such as `ENV A=1`, applied to the new image's configuration.
    changes: tuple[str, ...] = ()
    pause: bool = True


class ProcessList(NamedTuple):
    """The processes in one container, as the engine's `top` reports them: column titles and one row per process."""

    titles: tuple[str, ...]
    processes: tuple[tuple[str, ...], ...]


class ContainerEvent(NamedTuple):
    """Something that happened to a container, as the engine's event stream reports it."""

    time: datetime
    # The engine's own name for it, such as create, start, die (Podman: died) or destroy (Podman: remove).
    action: str
    id: str
    name: str
    image: str
    service: str
    # The exit code of a `die` event, as text, and None for other events.
    exit_code: str | None = None


class ContainerStats(NamedTuple):
    """One reading of a running container's resource use, each value as the engine's `stats` prints it."""

    name: str
    cpu_percent: str
    memory_usage: str
    memory_percent: str
    net_io: str
    block_io: str
    pids: str


class PortMapping(NamedTuple):
    """A published port: `host_ip:published->target/protocol`."""

    target: int
    published: str | None = None
    host_ip: str | None = None
    protocol: str = "tcp"

    def flag_value(self) -> str:
        """Return the value of a `-p` flag for this mapping."""
        container_side = f"{self.target}/{self.protocol}"
        if self.host_ip:
            # An IPv6 address goes in brackets, or its colons would read as separators.
            host_ip = f"[{self.host_ip}]" if ":" in self.host_ip else self.host_ip
            return f"{host_ip}:{self.published or ''}:{container_side}"
        if self.published:
            return f"{self.published}:{container_side}"
        return container_side


class Mount(NamedTuple):
    """A volume, bind or tmpfs mount of a container."""

    type: str
    target: str
    source: str | None = None
    read_only: bool = False

    def flag_value(self) -> str:
        """Return the value of a `--mount` flag for this mount."""
        parts = [f"type={self.type}"]
        if self.source:
            parts.append(f"source={self.source}")
        parts.append(f"target={self.target}")
        if self.read_only:
            # Podman 4.3 rejects `readonly` on a volume mount; both engines take `ro`.
            parts.append("ro")
        return ",".join(parts)


class HealthCheck(NamedTuple):
    """A container healthcheck; durations are in seconds."""

    test: tuple[str, ...]
    interval: float | None = None
    timeout: float | None = None
    retries: int | None = None
    start_period: float | None = None
    start_interval: float | None = None
    disable: bool = False


class CheckResult(NamedTuple):
    """The result of one healthcheck that crank ran: passed or not, and whether the engine recorded it.

    A check that crank ended for running past its timeout is not recorded, so its container's
    health status does not count it.
    """

    passed: bool
    recorded: bool = True


class NetworkAttachment(NamedTuple):
    """A network a container joins, with the names it is reachable by there."""

    name: str
    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None


class GpuRequest(NamedTuple):
    """GPUs a container requests: a count (None for all) or specific device IDs."""

    count: int | None = None
    device_ids: tuple[str, ...] = ()


class Limits(NamedTuple):
    """Resource limits of a container; memory sizes in bytes."""

    memory: int | None = None
    memory_reservation: int | None = None
    cpus: float | None = None
    pids: int | None = None
    shm_size: int | None = None


class ContainerSpec(NamedTuple):
    """Everything needed to create one container."""

    name: str
    image: str
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: dict[str, str] = {}
    labels: dict[str, str] = {}
    ports: tuple[PortMapping, ...] = ()
    mounts: tuple[Mount, ...] = ()
    networks: tuple[NetworkAttachment, ...] = ()
    restart: str | None = None
    healthcheck: HealthCheck | None = None
    hostname: str | None = None
    user: str | None = None
    working_dir: str | None = None
    # None leaves the engine's default. False is sent too, as docker compose sends `init: false`.
    init: bool | None = None
    remove: bool = False
    network_mode: str | None = None
    tmpfs: tuple[str, ...] = ()
    stop_signal: str | None = None
    stop_timeout: int | None = None
    read_only: bool = False
    privileged: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    ulimits: tuple[str, ...] = ()
    sysctls: dict[str, str] = {}
    security_opt: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    limits: Limits = Limits()
    gpus: GpuRequest | None = None
    expose: tuple[str, ...] = ()
    interactive: bool = False
    tty: bool = False
    # In the foreground only: allocate a pseudo-terminal when crank's standard input is one.
    # `crank run -T` turns this off, as `docker compose run -T` does.
    terminal: bool = True
    log_driver: str | None = None
    log_options: dict[str, str] = {}
    domainname: str | None = None
    pid: str | None = None
    ipc: str | None = None
    # For a foreground `run` only: the file where the engine's client writes the container's
    # ID once it has created the container (`--cidfile`).
    id_file: str | None = None


class BuildSpec(NamedTuple):
    """An image build: a context folder, a Dockerfile and the tag to give the result."""

    context: Path
    tag: str
    dockerfile: str | None = None
    args: dict[str, str] = {}
    labels: dict[str, str] = {}
    target: str | None = None
    no_cache: bool = False
    pull: bool = False
    # More names for the built image, from the service's `build.tags`.
    extra_tags: tuple[str, ...] = ()
    # The Dockerfile's text, from `build.dockerfile_inline`, in place of a file.
    dockerfile_inline: str | None = None
    # The network that RUN steps use, such as host.
    network: str | None = None
    # The size of /dev/shm in RUN steps, in bytes.
    shm_size: int | None = None
    # host=address entries added to /etc/hosts in RUN steps.
    extra_hosts: tuple[str, ...] = ()
    # name=soft:hard (or name=value) limits of RUN steps.
    ulimits: tuple[str, ...] = ()
    # The memory limit of RUN steps, in bytes, from `build -m`.
    memory: int | None = None


class ContainerState(NamedTuple):
    """The state of one container, as its engine reports it."""

    id: str
    name: str
    image: str
    state: str
    health: str | None
    labels: dict[str, str]
    ports: tuple[str, ...]
    exit_code: int | None = None
    started_at: str | None = None
    image_id: str = ""
    has_healthcheck: bool = False
    # The names of the networks the container is attached to.
    networks: tuple[str, ...] = ()
    # The names of the volumes mounted, anonymous ones included. Podman's container list does
    # not report them, so only `Backend.inspect_containers` gives them on every engine.
    volumes: tuple[str, ...] = ()
    # The volume and bind mounts, a volume's source being its name. Only
    # `Backend.inspect_containers` reports them on every engine.
    mounts: tuple[Mount, ...] = ()
    # The restart policy's name (no, always, unless-stopped, on-failure), its retry limit (0: no
    # limit) and how often the engine has restarted the container. Only
    # `Backend.inspect_containers` reports them.
    restart_policy: str = ""
    restart_retries: int = 0
    restart_count: int = 0
    # The healthcheck's timeout, retries and start period as the engine reports them. Only
    # `Backend.inspect_containers` reports them.
    healthcheck: HealthCheck | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def stopping(self) -> bool:
        # Podman's state between the start of a stop and the exit. Docker has none: its
        # containers show `running` until they exit.
        return self.state == "stopping"

    @property
    def service(self) -> str:
        return self.labels.get("io.crank.service", "")

    @property
    def replica(self) -> int:
        value = self.labels.get("io.crank.replica", "")
        return int(value) if value.isdigit() else 0
