"""`push`: push the images of a project's services to their registries, as `docker compose push` does.

As in docker compose (v2.40.3), a service's image is pushed only when the service has both
`build` and `image`: the image is one the project builds, and `image` names where it goes.
Its `build.tags` are pushed too. Other services are skipped: one with `image` alone runs an
image that someone else publishes, and one with `build` alone has only the local name
`PROJECT-SERVICE`, which names no registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.errors import EngineError
from crank_cli.operations.events import Events
from crank_cli.operations.graph import with_dependencies
from crank_cli.operations.transfers import (
    Steps,
    Transfer,
    TransferError,
    TransferPlan,
    engine_reason,
    registry_advice,
    registry_of,
    transfer_images,
)
from crank_cli.operations.up import require_services
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project

__all__ = ["PushPlan", "PushTarget", "push_error", "push_images", "push_plan", "registry_of"]

# One image reference to push: the service's `image` or one of its `build.tags`.
PushTarget = Transfer
PushError = TransferError
PushPlan = TransferPlan


def push_plan(project: Project, services: Sequence[str] = (), *, include_deps: bool = False) -> PushPlan:
    """Choose the images to push: those of the services named, or of every enabled service.

    With `include_deps`, the services that the named ones depend on count too. Raises
    `UsageError` for a service name the project does not have.
    """
    require_services(project, services)
    definitions = project.model["services"]
    names = set(services or definitions)
    if include_deps:
        names = with_dependencies(definitions, names)
    targets: list[PushTarget] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    for name in sorted(names):
        definition = definitions[name]
        build = definition.get("build")
        if not (build and definition.get("image")):
            skipped[name] = "no image name to push to" if build else "image not built by the project"
            continue
        for reference in [definition["image"], *(build.get("tags") or ())]:
            if reference not in seen:
                seen.add(reference)
                targets.append(PushTarget(name, reference, definition["image"]))
    return PushPlan(targets, skipped)


def push_images(backend: Backend, targets: Sequence[PushTarget], events: Events, *, quiet: bool = False,
                ignore_failures: bool = False) -> list[PushError]:
    """Push each target in order and return the failures.

    The first failure raises its `PushError`, unless `ignore_failures`: then the other images
    are still pushed, and the caller reports the failures returned.
    """
    return transfer_images(
        targets, events, Steps("pushing", "pushed"), lambda reference: backend.push_image(reference, quiet=quiet),
        lambda target, error: push_error(backend, target, error, ignore_failures=ignore_failures),
        ignore_failures=ignore_failures)


def push_error(backend: Backend, target: PushTarget, error: EngineError, *, ignore_failures: bool) -> PushError:
    """Describe a failed push: the service, the image, the engine's reason and what to do about it."""
    service, reference, image = target
    start = f"service {service}: could not push image {reference}"
    if backend.image_id(reference) is None:
        # `crank build` gives the image the service's `image` name and each of its build.tags.
        return PushError(target, f"{start}: the engine has no image of that name. Build it first with "
                                 f"`crank build {service}`")
    advice = registry_advice(backend, reference, verb="push", offer_ignore=not ignore_failures)
    return PushError(target, f"{start} ({engine_reason(error)}). {advice}")
