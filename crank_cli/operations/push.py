"""`push`: push the images of a project's services to their registries, as `docker compose push` does.

As in docker compose (v2.40.3), a service's image is pushed only when the service has both
`build` and `image`: the image is one the project builds, and `image` names where it goes.
Its `build.tags` are pushed too. Other services are skipped: one with `image` alone runs an
image that someone else publishes, and one with `build` alone has only the local name
`PROJECT-SERVICE`, which names no registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import CrankError, EngineError, ExitCode
from crank_cli.operations.cancel import interrupted_as_cancelled
from crank_cli.operations.events import Events
from crank_cli.operations.graph import with_dependencies
from crank_cli.operations.up import require_services
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project

# The registry of a reference whose first part names none, as Docker and Podman read it.
DEFAULT_REGISTRY = "docker.io"


class PushTarget(NamedTuple):
    """One image reference to push, and the service it belongs to."""

    service: str
    reference: str
    # The service's `image`, which differs from `reference` for one of its `build.tags`.
    image: str


class PushPlan(NamedTuple):
    """The plan of a push: the references to push, in order, and the services skipped, each with its reason."""

    targets: list[PushTarget]
    skipped: dict[str, str]


class PushError(CrankError):
    """The engine could not push a service's image."""

    exit_code = ExitCode.ENGINE_FAILED
    kind = "engine"

    def __init__(self, target: PushTarget, message: str) -> None:
        super().__init__(message)
        self.target = target


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
    failures: list[PushError] = []
    for target in targets:
        subject = f"image {target.reference}"
        events.emit(subject, "pushing")
        try:
            with interrupted_as_cancelled():
                backend.push_image(target.reference, quiet=quiet)
        except EngineError as error:
            failure = push_error(backend, target, error, ignore_failures=ignore_failures)
            if not ignore_failures:
                raise failure from None
            events.emit(subject, "failed")
            failures.append(failure)
            continue
        events.emit(subject, "pushed")
    return failures


def push_error(backend: Backend, target: PushTarget, error: EngineError, *, ignore_failures: bool) -> PushError:
    """Describe a failed push: the service, the image, the engine's reason and what to do about it."""
    service, reference, image = target
    start = f"service {service}: could not push image {reference}"
    if backend.image_id(reference) is None:
        # `crank build` gives the image the service's `image` name and each of its build.tags.
        return PushError(target, f"{start}: the engine has no image of that name. Build it first with "
                                 f"`crank build {service}`")
    registry = registry_of(reference)
    advice = (f"Check that the registry {registry} is reachable and that the engine is logged in to it "
              f"(`{backend.login_command(registry)}`)")
    if not ignore_failures:
        advice += ", or add --ignore-push-failures to push the other images anyway"
    return PushError(target, f"{start} ({_reason(error)}). {advice}")


def _reason(error: EngineError) -> str:
    """Return the engine's reason for a failed push: its last error line, else its last line of output.

    The lines before it are progress, such as the layers copied or the repository pushed to.
    """
    lines = [line.strip() for line in error.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    if errors:
        return errors[-1]
    if lines:
        return lines[-1]
    return error.message


def registry_of(reference: str) -> str:
    """Return the registry an image reference names, such as `127.0.0.1:5000`, or docker.io."""
    first, slash, _ = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DEFAULT_REGISTRY
