"""`pull`: pull the images of a project's services from their registries, as `docker compose pull` does.

As in docker compose (v2.40.3), each service's pull policy decides: `--policy`, else the
service's `pull_policy`. `never` and `build` skip the service. `missing` (and its other spelling
`if_not_present`) skips an image the engine has, unless its tag is `latest`, which is pulled
anyway, as the reference does. Any other policy, or none, pulls the image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import EngineError, UsageError
from crank_cli.operations import specs
from crank_cli.operations.events import Events
from crank_cli.operations.graph import with_dependencies
from crank_cli.operations.transfers import (
    Steps,
    Transfer,
    TransferError,
    TransferPlan,
    engine_reason,
    registry_advice,
    transfer_images,
)
from crank_cli.operations.up import require_services
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project

# The values of `pull --policy`, as docker compose 2.40.3's help lists them.
POLICIES = ("missing", "always")


class PullChoices(NamedTuple):
    """The options of `pull` that choose the images: the services named and the flags."""

    services: tuple[str, ...] = ()
    include_deps: bool = False
    ignore_buildable: bool = False
    policy: str | None = None  # None: each service's pull_policy


def check_policy(policy: str | None) -> str | None:
    """Return a --policy value, or raise `UsageError` when it is not one of `POLICIES`."""
    if policy is not None and policy not in POLICIES:
        raise UsageError(f"invalid --policy value {policy!r}: expected {' or '.join(POLICIES)}")
    return policy


def pull_plan(project: Project, choices: PullChoices, present: Callable[[str], bool]) -> TransferPlan:
    """Choose the images to pull: those of the services named (with `include_deps`, and their dependencies), or of all.

    `present` returns whether the engine has an image; it is called only for the policy
    `missing`. Raises `UsageError` for a service name the project does not have.
    """
    require_services(project, choices.services)
    definitions = project.model["services"]
    names = set(choices.services or definitions)
    if choices.include_deps:
        names = with_dependencies(definitions, names)
    targets: list[Transfer] = []
    skipped: dict[str, str] = {}
    seen: set[str] = set()
    for name in sorted(names):
        definition = definitions[name]
        reason = _skip_reason(definition, choices)
        reference = specs.image_name(project, name) if reason is None else ""
        if reason is None and _policy(definition, choices) in ("missing", "if_not_present"):
            if present(reference) and not _tagged_latest(reference):
                reason = "image is already present"
        if reason is not None:
            skipped[name] = reason
        elif reference not in seen:
            seen.add(reference)
            targets.append(Transfer(name, reference, reference))
    return TransferPlan(targets, skipped)


def _policy(definition: dict[str, object], choices: PullChoices) -> str:
    return choices.policy or str(definition.get("pull_policy") or "")


def _skip_reason(definition: dict[str, object], choices: PullChoices) -> str | None:
    """Return why a service's image is not pulled whatever the engine has, or None."""
    if not definition.get("image"):
        return "no image to pull"
    if choices.ignore_buildable and definition.get("build"):
        return "the image is built (--ignore-buildable)"
    policy = _policy(definition, choices)
    if policy in ("never", "build"):
        return f"pull_policy {policy}"
    return None


def _tagged_latest(reference: str) -> bool:
    """Tell whether a reference names the tag `latest`, also by naming no tag and no digest."""
    if "@" in reference:
        return False
    _, _, last = reference.rpartition("/")
    name, colon, tag = last.partition(":")
    return not colon or tag == "latest"


def pull_images(backend: Backend, targets: Sequence[Transfer], events: Events, *, quiet: bool = False,
                ignore_failures: bool = False) -> list[TransferError]:
    """Pull each target in order and return the failures.

    The first failure raises its `TransferError`, unless `ignore_failures`: then the other
    images are still pulled, and the caller reports the failures returned.
    """
    def describe(target: Transfer, error: EngineError) -> TransferError:
        advice = registry_advice(backend, target.reference, verb="pull", offer_ignore=not ignore_failures)
        message = f"service {target.service}: could not pull image {target.reference} ({engine_reason(error)}). {advice}"
        return TransferError(target, message)

    return transfer_images(targets, events, Steps("pulling", "pulled"),
                           lambda reference: backend.pull_image(reference, quiet=quiet), describe,
                           ignore_failures=ignore_failures)
