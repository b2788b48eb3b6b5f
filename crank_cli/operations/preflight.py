"""The capability check run before `up` changes anything: what the chosen engine cannot do.

It gathers the facts `capabilities` needs from the engine (version, healthcheck scheduling,
rootless mode, the labels of the images already present), so the check itself stays pure.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from crank_cli.errors import CrankError, ExitCode
from crank_cli.operations import specs
from crank_cli.operations.capabilities import (
    EngineFacts,
    Finding,
    check_image_labels,
    check_project,
    preferred_engines,
)
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.models import EngineInfo
from crank_cli.runtime.resolve import Resolution, make_backend, probe_all

if TYPE_CHECKING:
    from crank_cli.compose import Project


class UnsupportedError(CrankError):
    """`--strict` found keys the chosen engine cannot honour as Docker Compose would."""

    exit_code = ExitCode.INVALID_PROJECT
    kind = "unsupported"


def engine_facts(backend: DockerCompatibleEngine, info: EngineInfo) -> EngineFacts:
    return EngineFacts(info.name, info.version or "", backend.schedules_healthchecks, rootless=is_rootless(backend))


def is_rootless(backend: DockerCompatibleEngine) -> bool:
    """Guess whether the engine runs without root, from the user and the engine's address."""
    # NOTE: a rootful Podman service reached by a non-root user over CONTAINER_HOST is
    # reported as rootless. `podman info` would tell for sure, but it takes 0.3 s.
    if backend.name == "podman":
        return os.geteuid() != 0 or "/run/user/" in (backend.remote_endpoint or "")
    return "/run/user/" in (backend.remote_endpoint or os.environ.get("DOCKER_HOST", ""))


def image_labels(project: Project, backend: DockerCompatibleEngine, services: Iterable[str]) -> dict[str, dict[str, str]]:
    """Return the labels of each service's image that the engine already has."""
    names = sorted(services)
    found = run_all(lambda name: backend.image_labels(specs.image_name(project, name)), names, limit=8)
    return {name: labels for name, labels in zip(names, found, strict=True) if labels is not None}


def findings(project: Project, backend: DockerCompatibleEngine, info: EngineInfo,
             services: Iterable[str]) -> list[Finding]:
    """Return every finding for the services on this engine, image labels included."""
    chosen = set(services)
    model = {**project.model, "services": {name: project.model["services"][name] for name in chosen}}
    found = check_project(model, engine_facts(backend, info))
    return found + check_image_labels(image_labels(project, backend, chosen), info.name)


def labelled_engine(project: Project, engine: Resolution, services: Iterable[str]) -> Resolution | None:
    """Return the usable engine that the images' compatibility labels prefer, if not the chosen one."""
    labels = image_labels(project, engine.backend, services)
    usable = {info.name: info for info in probe_all() if info.usable}
    order = preferred_engines(labels, list(usable))
    if not order or order[0] == engine.info.name:
        return None
    chosen = usable[order[0]]
    # The same runners keep a dry run a dry run on the other engine.
    backend = make_backend(chosen.name, engine.backend.runner, engine.backend.attached_runner)
    return Resolution(backend, chosen, f"preferred by the images' labels over {engine.info.name}")


def describe(finding: Finding) -> str:
    return f"{finding.key}: {finding.level} on this engine: {finding.message}"


def reject_if_strict(found: list[Finding], engine: str, *, strict: bool) -> None:
    if strict and found:
        keys = ", ".join(finding.key for finding in found)
        message = f"--strict: {engine} cannot honour {len(found)} key(s) as listed above ({keys}); nothing was changed"
        raise UnsupportedError(message)
