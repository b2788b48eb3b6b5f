"""`build`: build the images of a project's services, or one image from a Dockerfile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from crank_cli.errors import UsageError
from crank_cli.operations import specs
from crank_cli.operations.cancel import interrupted_as_cancelled
from crank_cli.operations.events import Events
from crank_cli.operations.up import require_services
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import BuildSpec

if TYPE_CHECKING:
    from crank_cli.compose import Project


def build_services(project: Project, backend: Backend, services: Sequence[str], events: Events, *,
                   no_cache: bool = False, pull: bool = False, args: Mapping[str, str | None] | None = None) -> list[str]:
    """Build every service that has `build`, or only those named; return the image tags.

    `no_cache` and `pull` apply to every build, in addition to each service's own settings.
    `args` override each service's `build.args`; a key that maps to None is removed from them.
    """
    require_services(project, services)
    names = list(services) or sorted(project.model["services"])
    plans = [(name, _with_flags(specs.build_spec(project, name), no_cache, pull, args or {})) for name in names]
    not_buildable = [name for name, plan in plans if plan is None and services]
    if not_buildable:
        raise UsageError(f"service {', '.join(not_buildable)} has no build section; nothing to build")
    tags = []
    for _, plan in plans:
        if plan is not None:
            build_image(backend, plan, events)
            tags.append(plan.tag)
    return tags


def _with_flags(plan: BuildSpec | None, no_cache: bool, pull: bool, args: Mapping[str, str | None]) -> BuildSpec | None:
    if plan is None:
        return None
    merged = {**plan.args, **args}
    with_values = {key: value for key, value in merged.items() if value is not None}
    return plan._replace(no_cache=plan.no_cache or no_cache, pull=plan.pull or pull, args=with_values)


def build_image(backend: Backend, plan: BuildSpec, events: Events) -> None:
    events.emit(f"image {plan.tag}", "building")
    with interrupted_as_cancelled():
        backend.build_image(plan)
    events.emit(f"image {plan.tag}", "built")
