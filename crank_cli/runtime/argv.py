"""Pure functions that turn typed specs into docker-compatible argument lists.

Docker, Podman and nerdctl accept the same flags for everything built here; an adapter
that needs a different flag overrides the method of `DockerCompatibleEngine` that calls
these functions.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from crank_cli.runtime.models import BuildSpec, ContainerSpec, HealthCheck


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


def container_flags(spec: ContainerSpec) -> list[str]:
    """Return the flags of `run` for a spec: everything between `run` and the image."""
    args = _option("--name", spec.name)
    args += _environment_flags(spec.environment)
    args += label_flags(spec.labels)
    for port in spec.ports:
        args += ["--publish", port.flag_value()]
    for mount in spec.mounts:
        args += ["--mount", mount.flag_value()]
    args += _network_flags(spec)
    args += _option("--restart", spec.restart)
    args += _option("--hostname", spec.hostname)
    args += _option("--user", spec.user)
    args += _option("--workdir", spec.working_dir)
    if spec.init:
        args.append("--init")
    if spec.remove:
        args.append("--rm")
    if spec.healthcheck is not None:
        args += healthcheck_flags(spec.healthcheck)
    if spec.entrypoint is not None:
        # `--entrypoint` takes one word; the rest of a list entrypoint goes before the command.
        args += ["--entrypoint", spec.entrypoint[0] if spec.entrypoint else ""]
    return args


def command_words(spec: ContainerSpec) -> list[str]:
    """Return the words after the image: the rest of the entrypoint, then the command."""
    words = list(spec.entrypoint[1:]) if spec.entrypoint else []
    if spec.command is not None:
        words += spec.command
    return words


def healthcheck_flags(check: HealthCheck) -> list[str]:
    if check.disable or check.test[:1] == ("NONE",):
        return ["--no-healthcheck"]
    args = ["--health-cmd", _health_command(check.test)]
    args += _option("--health-interval", _seconds(check.interval))
    args += _option("--health-timeout", _seconds(check.timeout))
    args += _option("--health-start-period", _seconds(check.start_period))
    if check.retries is not None:
        args += ["--health-retries", str(check.retries)]
    return args


def build_flags(spec: BuildSpec) -> list[str]:
    """Return the arguments of `build` for a spec, context folder last."""
    args = ["--tag", spec.tag]
    if spec.dockerfile:
        args += ["--file", str(spec.context / spec.dockerfile)]
    for key, value in spec.args.items():
        args += ["--build-arg", f"{key}={value}"]
    args += label_flags(spec.labels)
    args += _option("--target", spec.target)
    args.append(str(spec.context))
    return args


def _environment_flags(environment: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in environment.items():
        args += ["--env", f"{key}={value}"]
    return args


def _network_flags(spec: ContainerSpec) -> list[str]:
    # Only the first network can be given to `run`; the others are connected after creation.
    if not spec.networks:
        return []
    first = spec.networks[0]
    args = ["--network", first.name]
    for alias in first.aliases:
        args += ["--network-alias", alias]
    return args


def _health_command(test: tuple[str, ...]) -> str:
    # The engines' `--health-cmd` takes one shell string, so a CMD list is quoted and joined.
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


def _option(flag: str, value: str | None) -> list[str]:
    return [flag, value] if value else []
