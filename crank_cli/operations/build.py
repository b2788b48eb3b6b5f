"""`build`: build the images of a project's services, or one image from a Dockerfile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import EngineError, ImageError, UsageError
from crank_cli.operations import graph, specs
from crank_cli.operations.cancel import interrupted_as_cancelled
from crank_cli.operations.events import Events
from crank_cli.operations.up import require_services
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import BuildSpec

if TYPE_CHECKING:
    from crank_cli.compose import Project


class BuildFlags(NamedTuple):
    """The options of `crank build` that apply to every service's build."""

    no_cache: bool = False
    pull: bool = False
    # Build arguments over each service's `build.args`; a key that maps to None is removed from them.
    args: Mapping[str, str | None] = {}
    # The memory limit of the RUN steps, in bytes.
    memory: int | None = None
    # Hide the engine's build output; a failure still quotes its last lines.
    quiet: bool = False


def build_services(project: Project, backend: Backend, services: Sequence[str], events: Events,
                   flags: BuildFlags = BuildFlags(), *, with_dependencies: bool = False) -> list[str]:
    """Build every service that has `build`, or only those named; return the image tags.

    `flags` apply to every build, in addition to each service's own settings. With
    `with_dependencies`, the services that those named depend on are built too, when they
    have a build section.
    """
    require_services(project, services)
    names = list(services) or sorted(project.model["services"])
    plans = [(name, _with_flags(specs.build_spec(project, name), flags)) for name in names]
    not_buildable = [name for name, plan in plans if plan is None and services]
    if not_buildable:
        raise UsageError(f"service {', '.join(not_buildable)} has no build section; nothing to build")
    if with_dependencies and services:
        dependencies = sorted(graph.with_dependencies(project.model["services"], names) - set(names))
        plans = [(name, _with_flags(specs.build_spec(project, name), flags)) for name in dependencies] + plans
    for name, plan in plans:
        if plan is not None:
            specs.require_build_context(name, plan)
    tags = []
    for name, plan in plans:
        if plan is not None:
            build_image(backend, plan, events, quiet=flags.quiet, service=name)
            tags.append(plan.tag)
    return tags


def _with_flags(plan: BuildSpec | None, flags: BuildFlags) -> BuildSpec | None:
    if plan is None:
        return None
    merged = {**plan.args, **flags.args}
    with_values = {key: value for key, value in merged.items() if value is not None}
    return plan._replace(no_cache=plan.no_cache or flags.no_cache, pull=plan.pull or flags.pull, args=with_values,
                         memory=flags.memory)


def build_image(backend: Backend, plan: BuildSpec, events: Events, *, quiet: bool = False,
                service: str | None = None) -> None:
    """Build one image; a failure names the image, the service it is for if any, and what to fix."""
    from crank_cli.operations.transfers import failure_reason

    events.emit(f"image {plan.tag}", "building")
    try:
        with interrupted_as_cancelled():
            backend.build_image(plan, quiet=quiet)
    except EngineError as error:
        events.emit(f"image {plan.tag}", "failed")
        if service is None:
            raise ImageError(error, f"could not build image {plan.tag} ({failure_reason(error)}); fix the Dockerfile") from None
        raise ImageError(error, f"service {service}: could not build image {plan.tag} ({failure_reason(error)}); "
                                f"fix the Dockerfile or services.{service}.build") from None
    events.emit(f"image {plan.tag}", "built")
