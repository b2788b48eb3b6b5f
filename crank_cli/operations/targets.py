"""The containers that `kill`, `rm`, `pause` and `unpause` act on, and their errors, as in docker compose (v2.40.3)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.errors import CrankError, UsageError
from crank_cli.operations import labels
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project

# The states that the engine's container list shows without --all, in which a container's
# processes exist. docker compose's kill, pause and unpause act on containers in these states.
LIVE_STATES = frozenset({"running", "paused", "restarting"})


class ContainerStateError(CrankError):
    """A container in a state that the verb cannot change, such as a pause of a paused container.

    docker compose (v2.40.3) passes the engine's error on, with exit code 1. crank acts on
    the other containers first, then reports every such container in one error.
    """

    kind = "engine"


def require_known_services(project: Project, services: Sequence[str]) -> None:
    """Raise `UsageError` naming each service that the project does not have, as every verb does."""
    known = sorted(project.model["services"])
    unknown = [service for service in services if service not in known]
    if not unknown:
        return
    if project.files:
        found = f"the project has {', '.join(known)}"
    elif known:
        found = f"without a compose file, only services with containers can be named: {', '.join(known)}"
    else:
        found = f"project {project.name} has no containers here; check the name, or run crank in the project's folder"
    raise UsageError(f"no such service: {', '.join(unknown)} ({found})")


def project_containers(project: Project, backend: Backend, services: Sequence[str], *,
                       one_off: bool = False, orphans: bool = False) -> list[ContainerState]:
    """Return the containers of the services named, or of every service of the project, ordered by name.

    Containers of services no longer in the compose files come too with `orphans` when no
    service is named, and one-off containers of `run` with `one_off`.
    """
    require_known_services(project, services)
    chosen = set(services) or set(project.model["services"])
    states = backend.list_containers(labels.container_filter(project.name))
    return sorted((state for state in states
                   if (state.service in chosen or (orphans and not services))
                   and (one_off or not labels.is_one_off(state))),
                  key=lambda state: state.name)
