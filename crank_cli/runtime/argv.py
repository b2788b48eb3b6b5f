"""Pure functions that turn typed specs into docker-compatible argument lists.

Docker, Podman and nerdctl accept the same flags for everything built here. An adapter
that needs a different flag overrides the method of `DockerCompatibleEngine` that calls
these functions.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from crank_cli.runtime.models import BuildSpec, CommitOptions, ContainerSpec, HealthCheck


def label_filters(labels: Mapping[str, str | None]) -> list[str]:
    """Return `--filter label=...` pairs that match every label (any value where None)."""
    args: list[str] = []
    for key, value in labels.items():
        args += ["--filter", f"label={key}" if value is None else f"label={key}={value}"]
    return args


def label_flags(labels: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in labels.items():
        args += ["--label", f"{key}={value}"]
    return args


def network_flags(options: Mapping[str, Any]) -> list[str]:
    """Return the flags of `network create` for a compose network's options."""
    args = option("--driver", options.get("driver"))
    for key, value in (options.get("driver_opts") or {}).items():
        args += ["--opt", f"{key}={value}"]
    for flag in ("internal", "attachable"):
        if options.get(flag):
            args.append(f"--{flag}")
    if options.get("enable_ipv6"):
        args.append("--ipv6")
    return args + ipam_flags(options.get("ipam") or {})


def ipam_flags(ipam: Mapping[str, Any]) -> list[str]:
    """Return the `network create` flags for a compose network's `ipam`: driver, subnets, options."""
    args = option("--ipam-driver", ipam.get("driver"))
    for pool in ipam.get("config") or ():
        args += option("--subnet", pool.get("subnet")) + option("--ip-range", pool.get("ip_range"))
        args += option("--gateway", pool.get("gateway"))
        for name, address in (pool.get("aux_addresses") or {}).items():
            args += ["--aux-address", f"{name}={address}"]
    for key, value in (ipam.get("options") or {}).items():
        args += ["--ipam-opt", f"{key}={value}"]
    return args


def container_flags(spec: ContainerSpec, *, list_entrypoint: bool = False) -> list[str]:
    """Return the flags of `run` for a spec: everything between `run` and the image.

    With `list_entrypoint`, the whole entrypoint goes to `--entrypoint` as a JSON array, which
    Podman's client parses. Docker's client takes the value as one word, so without it only
    the first word goes there and `command_words` puts the rest before the command. The
    process is the same, but `Config.Entrypoint` then contains only the first word, so
    `DockerEngine` creates a container through the API when `entrypoint_fits_flag` is false.
    """
    args = option("--name", spec.name)
    args += option("--cidfile", spec.id_file)
    args += _environment_flags(spec.environment)
    args += label_flags(spec.labels)
    for port in spec.ports:
        args += ["--publish", port.flag_value()]
    for mount in spec.mounts:
        args += ["--mount", mount.flag_value()]
    args += _network_flags(spec)
    args += option("--restart", spec.restart)
    args += option("--hostname", spec.hostname)
    args += option("--domainname", spec.domainname)
    args += option("--user", spec.user)
    args += option("--workdir", spec.working_dir)
    args += _switches(spec)
    args += _host_flags(spec)
    args += _limit_flags(spec)
    if spec.healthcheck is not None:
        args += healthcheck_flags(spec.healthcheck)
    if spec.entrypoint is not None:
        args += ["--entrypoint", _entrypoint_value(spec.entrypoint, list_entrypoint)]
    return args


def entrypoint_fits_flag(entrypoint: tuple[str, ...] | None) -> bool:
    """Tell whether Docker's `--entrypoint` gives a container exactly this entrypoint.

    Docker's client sends the flag's value as a one-word list. It sends an empty value as
    `[""]`, which Docker 20.10 stores as no entrypoint (null) where docker compose's `[]`
    stays `[]`. The process is the same either way.
    """
    return entrypoint is None or len(entrypoint) == 1


def _entrypoint_value(entrypoint: tuple[str, ...], list_entrypoint: bool) -> str:
    """Return the value of `--entrypoint`: "" clears the image's entrypoint on both clients."""
    if not entrypoint:
        return ""
    # A single word that reads as a JSON array would be parsed as one, so it is sent as an array too.
    if list_entrypoint and (len(entrypoint) > 1 or entrypoint[0].startswith("[")):
        return json.dumps(list(entrypoint))
    return entrypoint[0]


def _switches(spec: ContainerSpec) -> list[str]:
    switches = {
        "--rm": spec.remove, "--read-only": spec.read_only,
        "--privileged": spec.privileged, "--interactive": spec.interactive, "--tty": spec.tty,
    }
    # Docker records `--init=false` as an explicit false, as docker compose sends `init: false`.
    # Podman 4.3 accepts the flag too.
    flags = []
    if spec.init is not None:
        flags.append("--init" if spec.init else "--init=false")
    return flags + [flag for flag, enabled in switches.items() if enabled]


def _host_flags(spec: ContainerSpec) -> list[str]:
    """Return the flags for kernel, security and name-resolution settings."""
    args = _repeat("--tmpfs", spec.tmpfs)
    args += option("--stop-signal", spec.stop_signal)
    if spec.stop_timeout is not None:
        args += ["--stop-timeout", str(spec.stop_timeout)]
    args += _repeat("--cap-add", spec.cap_add) + _repeat("--cap-drop", spec.cap_drop)
    # Docker 20.10 accepts only HOST:IP in --add-host; compose writes HOST=IP.
    args += _repeat("--add-host", tuple(host.replace("=", ":", 1) for host in spec.extra_hosts))
    args += _repeat("--dns", spec.dns) + _repeat("--dns-search", spec.dns_search)
    args += _repeat("--ulimit", spec.ulimits)
    args += _repeat("--sysctl", tuple(f"{key}={value}" for key, value in spec.sysctls.items()))
    args += _repeat("--security-opt", spec.security_opt) + _repeat("--device", spec.devices)
    args += _repeat("--expose", spec.expose)
    args += option("--log-driver", spec.log_driver)
    args += _repeat("--log-opt", tuple(f"{key}={value}" for key, value in spec.log_options.items()))
    args += option("--pid", spec.pid) + option("--ipc", spec.ipc)
    return args


def _limit_flags(spec: ContainerSpec) -> list[str]:
    limits = spec.limits
    args = option("--memory", _text(limits.memory))
    args += option("--memory-reservation", _text(limits.memory_reservation))
    args += option("--cpus", _text(limits.cpus))
    args += option("--pids-limit", _text(limits.pids))
    args += option("--shm-size", _text(limits.shm_size))
    return args


def _repeat(flag: str, values: tuple[str, ...]) -> list[str]:
    args: list[str] = []
    for value in values:
        args += [flag, value]
    return args


def _text(value: float | int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def command_words(spec: ContainerSpec, *, list_entrypoint: bool = False) -> list[str]:
    """Return the words after the image: the command, after the rest of the entrypoint.

    With `list_entrypoint`, `container_flags` has passed the whole entrypoint, so only the
    command follows the image.
    """
    words = list(spec.entrypoint[1:]) if spec.entrypoint and not list_entrypoint else []
    if spec.command is not None:
        words += spec.command
    return words


def healthcheck_flags(check: HealthCheck) -> list[str]:
    if check.disable or check.test[:1] == ("NONE",):
        return ["--no-healthcheck"]
    # Without a test, the image's own check runs with the timings given here.
    args = ["--health-cmd", health_shell_command(check.test)] if check.test else []
    args += option("--health-interval", _seconds(check.interval))
    args += option("--health-timeout", _seconds(check.timeout))
    args += option("--health-start-period", _seconds(check.start_period))
    if check.retries is not None:
        args += ["--health-retries", str(check.retries)]
    return args


def commit_flags(options: CommitOptions) -> list[str]:
    """Return the `commit` flags; the pause is always explicit, because Docker pauses by default and Podman does not."""
    flags = option("--author", options.author) + option("--message", options.message)
    flags += _repeat("--change", options.changes)
    flags.append(f"--pause={'true' if options.pause else 'false'}")
    return flags


def build_flags(spec: BuildSpec) -> list[str]:
    """Return the arguments of `build` for a spec, context folder last.

    `--force-rm` removes the container of a failed step too, which Docker's classic builder
    otherwise leaves behind, stopped. Podman removes it already.
    """
    args = ["--tag", spec.tag]
    for tag in spec.extra_tags:
        args += ["--tag", tag]
    args.append("--force-rm")
    if spec.dockerfile:
        args += ["--file", str(spec.context / spec.dockerfile)]
    for key, value in spec.args.items():
        args += ["--build-arg", f"{key}={value}"]
    args += label_flags(spec.labels)
    args += option("--target", spec.target)
    args += option("--network", spec.network)
    args += option("--shm-size", _text(spec.shm_size))
    args += _repeat("--add-host", tuple(host.replace("=", ":", 1) for host in spec.extra_hosts))
    args += _repeat("--ulimit", spec.ulimits)
    args += option("--memory", _text(spec.memory))
    if spec.no_cache:
        args.append("--no-cache")
    if spec.pull:
        args.append("--pull")
    args.append(str(spec.context))
    return args


def _environment_flags(environment: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in environment.items():
        args += ["--env", f"{key}={value}"]
    return args


def _network_flags(spec: ContainerSpec) -> list[str]:
    if spec.network_mode:
        return ["--network", spec.network_mode]
    # Only the first network can be given to `run`; the others are connected after creation.
    if not spec.networks:
        return []
    first = spec.networks[0]
    args = ["--network", first.name]
    for alias in first.aliases:
        args += ["--network-alias", alias]
    args += option("--ip", first.ipv4_address)
    return args


def health_shell_command(test: tuple[str, ...]) -> str:
    """Return a healthcheck test as the one shell string that the engines' `--health-cmd` takes."""
    # A CMD list is quoted and joined.
    kind, words = test[0], test[1:]
    if kind == "CMD-SHELL":
        return words[0] if words else ""
    if kind == "CMD":
        # NOTE: the engine runs this string with /bin/sh, so an image without a shell
        # cannot run a CMD-list check created through the command line.
        return shlex.join(words)
    return " ".join(test)


def _seconds(value: float | None) -> str | None:
    if value is None:
        return None
    return f"{value:g}s"


def option(flag: str, value: str | None) -> list[str]:
    return [flag, value] if value else []
