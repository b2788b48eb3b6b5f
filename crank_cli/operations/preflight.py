"""The capability check run before `up` changes anything: what the chosen engine cannot do.

It gathers the facts `capabilities` needs from the engine (version, healthcheck scheduling,
rootless mode, the labels of the images already present), so the check itself stays pure.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
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
from crank_cli.render import counted
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.models import EngineInfo, ImageFacts
from crank_cli.runtime.resolve import Resolution, make_backend, probe_all

if TYPE_CHECKING:
    from crank_cli.compose import Project


class UnsupportedError(CrankError):
    """`--strict` found keys the chosen engine cannot honour as Docker Compose would."""

    exit_code = ExitCode.INVALID_PROJECT
    kind = "unsupported"


def engine_facts(backend: DockerCompatibleEngine, info: EngineInfo) -> EngineFacts:
    return EngineFacts(info.name, info.version or "", backend.schedules_healthchecks, rootless=is_rootless(backend),
                       runs_exec_healthchecks=backend.runs_exec_healthchecks)


def is_rootless(backend: DockerCompatibleEngine) -> bool:
    """Guess whether the engine runs without root, from the user and the engine's address."""
    # NOTE: a rootful Podman service reached by a non-root user over CONTAINER_HOST is
    # reported as rootless. `podman info` would tell for sure, but it takes 0.3 s.
    if backend.name == "podman":
        return os.geteuid() != 0 or "/run/user/" in (backend.remote_endpoint or "")
    return "/run/user/" in (backend.remote_endpoint or os.environ.get("DOCKER_HOST", ""))


def inspect_images(project: Project, backend: DockerCompatibleEngine, services: Iterable[str]) -> dict[str, ImageFacts | None]:
    """Read each distinct image the services use once, all at the same time; None where missing."""
    references = sorted({specs.image_name(project, name) for name in services})
    return dict(zip(references, run_all(backend.image_facts, references, limit=8), strict=True))


def image_labels(project: Project, images: Mapping[str, ImageFacts | None], services: Iterable[str]) -> dict[str, dict[str, str]]:
    """Return the labels of each service's image, for the images the engine has."""
    found = {name: images.get(specs.image_name(project, name)) for name in services}
    return {name: facts.labels for name, facts in sorted(found.items()) if facts is not None}


def findings(project: Project, backend: DockerCompatibleEngine, info: EngineInfo, services: Iterable[str],
             images: Mapping[str, ImageFacts | None] | None = None) -> list[Finding]:
    """Return every finding for the services on this engine, image labels included.

    `images` is what `inspect_images` returned for these services on this engine; without
    it the images are read here.
    """
    chosen = set(services)
    if images is None:
        images = inspect_images(project, backend, chosen)
    model = {**project.model, "services": {name: project.model["services"][name] for name in chosen}}
    found = check_project(model, engine_facts(backend, info))
    return found + check_image_labels(image_labels(project, images, chosen), info.name)


def labelled_engine(project: Project, engine: Resolution, services: Iterable[str],
                    images: Mapping[str, ImageFacts | None]) -> Resolution | None:
    """Return the usable engine that the images' compatibility labels prefer, if not the chosen one."""
    labels = image_labels(project, images, services)
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
        message = f"--strict: {engine} cannot honour {counted(len(found), 'key')} as listed above ({keys}); nothing was changed"
        raise UnsupportedError(message)
