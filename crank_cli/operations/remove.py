"""`rm`: remove a project's stopped containers, as `docker compose rm` (v2.40.3) does.

The command line prompts for confirmation between `stopped_containers` and `remove`. One-off
containers of `run` and containers of services no longer in the compose files stay, and so
do running, paused and restarting ones, unless `--stop` stops them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.operations.down import STOPPABLE_STATES, stop_in_order
from crank_cli.operations.events import Events
from crank_cli.operations.targets import project_containers
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project

# States of a container whose processes run or are about to, which `rm` leaves alone.
ACTIVE_STATES = frozenset({"running", "paused", "restarting", "removing", "stopping"})


def stopped_containers(project: Project, backend: Backend, services: Sequence[str], events: Events, *,
                       stop: bool = False, dry_run: bool = False) -> list[ContainerState]:
    """Return the stopped containers of the services named, or of the whole project, by name.

    With `stop`, the running and paused ones are stopped first, dependents before their
    dependencies. In a dry run nothing stops, so the containers it would stop count as stopped.
    """
    states = project_containers(project, backend, services)
    if stop:
        states = _stop(project, backend, states, events, dry_run=dry_run)
    return [state for state in states if state.state not in ACTIVE_STATES]


def removable_containers(project: Project, backend: Backend, services: Sequence[str], *,
                         stop: bool = False) -> list[ContainerState]:
    """Return the containers that `stopped_containers` would return, without stopping any."""
    states = project_containers(project, backend, services)
    return states if stop else [state for state in states if state.state not in ACTIVE_STATES]


def _stop(project: Project, backend: Backend, states: list[ContainerState], events: Events, *,
          dry_run: bool) -> list[ContainerState]:
    """Stop the running and paused containers; return the states that follow."""
    stop_in_order(project.model["services"], backend, states, None, events)
    if dry_run:
        return [state._replace(state="exited") if state.state in STOPPABLE_STATES else state for state in states]
    # Read the states again, because a container can also fail to stop or be removed meanwhile.
    return sorted(backend.inspect_containers([state.id for state in states]), key=lambda state: state.name)


def remove(backend: Backend, names: Sequence[str], events: Events, *, volumes: bool = False) -> None:
    """Remove the containers named, and with `volumes` their anonymous volumes."""
    for name in names:
        events.emit(name, "removing")
    backend.remove_containers(names, volumes=volumes)
    for name in names:
        events.emit(name, "removed")
