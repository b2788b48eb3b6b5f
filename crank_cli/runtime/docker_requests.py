"""Docker Engine API request bodies for the containers, networks and volumes crank creates.

Each function gives the same object that the `docker` client would create from the flags in
`argv`, so a container is identical whichever way it was made. A live test creates one
container each way and compares the two `inspect` records. The client's `--entrypoint`
takes one word, so the client path sends this module's request body for a container whose
entrypoint has several words or none (`DockerEngine.create_through_api`), and the whole list
reaches `Entrypoint`, as with docker compose.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from crank_cli.errors import EngineError
from crank_cli.runtime.argv import command_words, health_shell_command
from crank_cli.runtime.models import ContainerSpec, GpuRequest, HealthCheck, NetworkAttachment

NANOSECONDS = 1_000_000_000
_DEVICE_PERMISSIONS = set("rwm")


class InvalidSetting(ValueError):
    """A container setting the engine cannot accept, such as a malformed ulimit."""


def create_container(spec: ContainerSpec, send: Callable[[Mapping[str, str], dict[str, Any]], Any],
                     pull_image: Callable[[str], None], *, action: list[str], start_interval: bool,
                     exec_healthcheck: bool) -> str:
    """Create a container with `POST /containers/create` and return its ID.

    `send` sends the request with its query and body and returns the decoded response. A
    missing image is pulled and the request sent again, as `docker run` does. An invalid
    setting raises an `EngineError` named after the client command `action`.
    """
    try:
        body = container_body(spec, start_interval=start_interval, exec_healthcheck=exec_healthcheck)
    except InvalidSetting as error:
        raise EngineError(action, 1, str(error)) from None
    query = {"name": spec.name} if spec.name else {}
    try:
        created = send(query, body)
    except EngineError as error:
        if "No such image" not in error.stderr:
            raise
        pull_image(spec.image)
        created = send(query, body)
    return str(created["Id"])


def container_body(spec: ContainerSpec, *, start_interval: bool = False, exec_healthcheck: bool = False) -> dict[str, Any]:
    """Return the body of `POST /containers/create` for a spec.

    `start_interval` sends the healthcheck's start interval, which only Docker 25 and later
    accept. `exec_healthcheck` sends a `CMD` list test as a list, to run without a shell,
    where the client's `--health-cmd` would join it into a shell command.
    """
    exposed = {_port_key(port.target, port.protocol): {} for port in spec.ports}
    exposed.update({key: {} for value in spec.expose for key in _exposed_keys(value)})
    body: dict[str, Any] = {
        "Image": spec.image,
        "Env": [f"{key}={value}" for key, value in spec.environment.items()],
        "Labels": dict(spec.labels),
        "ExposedPorts": exposed,
        "Hostname": spec.hostname or "",
        "Domainname": spec.domainname or "",
        "User": spec.user or "",
        "WorkingDir": spec.working_dir or "",
        "OpenStdin": spec.interactive,
        "Tty": spec.tty,
        "HostConfig": _host_config(spec),
        "NetworkingConfig": {"EndpointsConfig": _endpoints(spec)},
    }
    words = command_words(spec, list_entrypoint=True)
    if words:
        body["Cmd"] = words
    if spec.entrypoint is not None:
        # An empty list clears the image's entrypoint, as docker compose sends `entrypoint: []`.
        body["Entrypoint"] = list(spec.entrypoint)
    if spec.stop_signal:
        body["StopSignal"] = spec.stop_signal
    if spec.stop_timeout is not None:
        body["StopTimeout"] = spec.stop_timeout
    if spec.healthcheck is not None:
        body["Healthcheck"] = healthcheck(spec.healthcheck, start_interval=start_interval, exec_form=exec_healthcheck)
    return body


def endpoint(attachment: NetworkAttachment) -> dict[str, Any]:
    """Return a container's settings on one network: its aliases and fixed address."""
    settings: dict[str, Any] = {"Aliases": list(attachment.aliases)}
    if attachment.ipv4_address:
        settings["IPAMConfig"] = {"IPv4Address": attachment.ipv4_address}
    return settings


def network_body(name: str, labels: Mapping[str, str], options: Mapping[str, Any]) -> dict[str, Any]:
    """Return the body of `POST /networks/create`, as `network_flags` describes the network."""
    return {
        "Name": name,
        "CheckDuplicate": True,
        "Driver": options.get("driver") or "bridge",
        "Options": {key: str(value) for key, value in (options.get("driver_opts") or {}).items()},
        "Internal": bool(options.get("internal")),
        "Attachable": bool(options.get("attachable")),
        "EnableIPv6": bool(options.get("enable_ipv6")),
        "IPAM": _ipam(options.get("ipam") or {}),
        "Labels": dict(labels),
    }


def _ipam(ipam: Mapping[str, Any]) -> dict[str, Any]:
    """Return a network's `IPAM`, as `argv.ipam_flags` describes it to the client."""
    pools = []
    for pool in ipam.get("config") or ():
        entry = {"Subnet": pool.get("subnet") or "", "IPRange": pool.get("ip_range") or "", "Gateway": pool.get("gateway") or ""}
        if pool.get("aux_addresses"):
            entry["AuxiliaryAddresses"] = dict(pool["aux_addresses"])
        pools.append({key: value for key, value in entry.items() if value})
    return {"Driver": ipam.get("driver") or "default", "Config": pools,
            "Options": {key: str(value) for key, value in (ipam.get("options") or {}).items()}}


def volume_body(name: str, labels: Mapping[str, str], driver: str | None,
                options: Mapping[str, str] | None) -> dict[str, Any]:
    """Return the body of `POST /volumes/create`."""
    return {"Name": name, "Driver": driver or "local", "DriverOpts": dict(options or {}), "Labels": dict(labels)}


def healthcheck(check: HealthCheck, *, start_interval: bool, exec_form: bool = False) -> dict[str, Any]:
    """Return a container's `Healthcheck`: a `CMD` list test as a list with `exec_form`, else as `--health-cmd` sends it."""
    if check.disable or check.test[:1] == ("NONE",):
        return {"Test": ["NONE"]}
    settings: dict[str, Any] = {}
    if exec_form and check.test[:1] == ("CMD",):
        settings["Test"] = list(check.test)
    elif check.test:
        settings["Test"] = ["CMD-SHELL", health_shell_command(check.test)]
    for key, seconds in (("Interval", check.interval), ("Timeout", check.timeout),
                         ("StartPeriod", check.start_period)):
        if seconds is not None:
            settings[key] = round(seconds * NANOSECONDS)
    if start_interval and check.start_interval is not None:
        settings["StartInterval"] = round(check.start_interval * NANOSECONDS)
    if check.retries is not None:
        settings["Retries"] = check.retries
    return settings


def _host_config(spec: ContainerSpec) -> dict[str, Any]:
    limits = spec.limits
    config: dict[str, Any] = {
        "Mounts": [_mount(mount.type, mount.source, mount.target, mount.read_only) for mount in spec.mounts],
        "PortBindings": _port_bindings(spec),
        "NetworkMode": spec.network_mode or (spec.networks[0].name if spec.networks else "default"),
        "RestartPolicy": _restart_policy(spec.restart),
        "Init": spec.init,
        "AutoRemove": spec.remove,
        "ReadonlyRootfs": spec.read_only,
        "Privileged": spec.privileged,
        "CapAdd": [_capability(name) for name in spec.cap_add],
        "CapDrop": [_capability(name) for name in spec.cap_drop],
        "ExtraHosts": [host.replace("=", ":", 1) for host in spec.extra_hosts],
        "Dns": list(spec.dns),
        "DnsOptions": [],
        "DnsSearch": list(spec.dns_search),
        "Ulimits": [_ulimit(value) for value in spec.ulimits],
        "Sysctls": dict(spec.sysctls),
        "SecurityOpt": [_security_option(value) for value in spec.security_opt],
        "Devices": [_device(value) for value in spec.devices],
        "Tmpfs": dict(_tmpfs(value) for value in spec.tmpfs),
        "LogConfig": {"Type": spec.log_driver or "", "Config": dict(spec.log_options)},
        "PidMode": spec.pid or "",
        "IpcMode": spec.ipc or "",
        "Memory": limits.memory or 0,
        "MemoryReservation": limits.memory_reservation or 0,
        "NanoCpus": round(limits.cpus * NANOSECONDS) if limits.cpus else 0,
        "ShmSize": limits.shm_size or 0,
    }
    # The client sends these lists empty rather than leaving them out.
    for key in ("BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
                "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps"):
        config[key] = []
    if limits.pids:
        config["PidsLimit"] = limits.pids
    if spec.gpus is not None:
        config["DeviceRequests"] = [_gpu_request(spec.gpus)]
    return config


def _capability(name: str) -> str:
    """Return a capability as the client spells it: upper case with `CAP_`, except `ALL`."""
    upper = name.upper()
    return upper if upper == "ALL" or upper.startswith("CAP_") else f"CAP_{upper}"


def _endpoints(spec: ContainerSpec) -> dict[str, Any]:
    # Only the first network is given at creation; the others are connected before the start.
    if spec.network_mode or not spec.networks:
        return {}
    first = spec.networks[0]
    return {first.name: endpoint(first)}


def _mount(kind: str, source: str | None, target: str, read_only: bool) -> dict[str, Any]:
    mount: dict[str, Any] = {"Type": kind, "Target": target, "ReadOnly": read_only}
    if source:
        mount["Source"] = source
    return mount


def _port_bindings(spec: ContainerSpec) -> dict[str, list[dict[str, str]]]:
    bindings: dict[str, list[dict[str, str]]] = {}
    for port in spec.ports:
        binding = {"HostIp": port.host_ip or "", "HostPort": port.published or ""}
        bindings.setdefault(_port_key(port.target, port.protocol), []).append(binding)
    return bindings


def _port_key(target: int, protocol: str) -> str:
    return f"{target}/{protocol}"


def _exposed_keys(value: str) -> list[str]:
    """Return the ports an `--expose` value names: `80`, `80/udp` or a range `8000-8002/tcp`."""
    ports, _, protocol = value.partition("/")
    first, _, last = ports.partition("-")
    try:
        numbers = range(int(first), int(last or first) + 1)
    except ValueError:
        raise InvalidSetting(f"invalid exposed port {value!r}: expected PORT, PORT/PROTOCOL or FIRST-LAST") from None
    return [_port_key(number, protocol or "tcp") for number in numbers]


def _restart_policy(value: str | None) -> dict[str, Any]:
    name, _, retries = (value or "").partition(":")
    policy: dict[str, Any] = {"Name": name}
    if retries:
        policy["MaximumRetryCount"] = int(retries)
    return policy


def _ulimit(value: str) -> dict[str, Any]:
    """Return one ulimit from `NAME=SOFT[:HARD]`, as `--ulimit` takes it."""
    name, _, limits = value.partition("=")
    soft, _, hard = limits.partition(":")
    try:
        return {"Name": name, "Soft": int(soft), "Hard": int(hard or soft)}
    except ValueError:
        raise InvalidSetting(f"invalid ulimit {value!r}: expected NAME=SOFT or NAME=SOFT:HARD") from None


def _security_option(value: str) -> str:
    """Return a security option, with a seccomp profile file read in as the client does."""
    key, _, setting = value.partition("=")
    if key != "seccomp" or setting in ("", "unconfined", "builtin"):
        return value
    try:
        profile = json.loads(Path(setting).read_text())
    except (OSError, ValueError) as error:
        raise InvalidSetting(f"failed to read seccomp profile {setting}: {error}") from None
    return f"seccomp={json.dumps(profile, separators=(',', ':'))}"


def _device(value: str) -> dict[str, str]:
    """Return one device from `HOST[:CONTAINER][:PERMISSIONS]`, as `--device` takes it."""
    parts = value.split(":")
    host, container, permissions = parts[0], parts[0], "rwm"
    if len(parts) == 3:
        container, permissions = parts[1], parts[2]
    elif len(parts) == 2:
        if set(parts[1]) <= _DEVICE_PERMISSIONS and parts[1]:
            permissions = parts[1]
        else:
            container = parts[1]
    elif len(parts) > 3:
        raise InvalidSetting(f"invalid device {value!r}: expected HOST[:CONTAINER][:PERMISSIONS]")
    return {"PathOnHost": host, "PathInContainer": container, "CgroupPermissions": permissions}


def _tmpfs(value: str) -> tuple[str, str]:
    target, _, options = value.partition(":")
    return target, options


def _gpu_request(request: GpuRequest) -> dict[str, Any]:
    if request.device_ids:
        return {"Driver": "", "Count": 0, "DeviceIDs": list(request.device_ids), "Capabilities": [["gpu"]]}
    return {"Driver": "", "Count": -1 if request.count is None else request.count, "Capabilities": [["gpu"]]}
