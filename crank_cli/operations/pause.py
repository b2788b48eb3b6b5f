"""`pause` and `unpause`: suspend and resume the processes of a project's containers.

As `docker compose pause` (v2.40.3) does, they act on the containers of the project's
services, not on one-off containers of `run` nor on containers of services no longer in the
compose files. Like docker compose, `pause` fails, with exit code 1, when one of them is
already paused, and `unpause` when one of them runs unpaused, but crank changes the others
first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.operations.events import Events
from crank_cli.operations.targets import LIVE_STATES, ContainerStateError, project_containers
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project


def pause(project: Project, backend: Backend, services: Sequence[str], events: Events) -> list[str]:
    """Pause the running containers of the services named, or of the whole project; return their names.

    Raises `ContainerStateError` afterwards for a container that is already paused or restarting.
    """
    states = _live(project, backend, services)
    names = [state.name for state in states if state.state == "running"]
    if names:
        backend.pause_containers(names)
        _announce(events, names, "paused")
    _reject_others(states, "running", "pause", "only running containers can be paused, and crank unpause resumes paused ones")
    return names


def unpause(project: Project, backend: Backend, services: Sequence[str], events: Events) -> list[str]:
    """Resume the paused containers of the services named, or of the whole project; return their names.

    Raises `ContainerStateError` afterwards for a container that runs unpaused or restarts.
    """
    states = _live(project, backend, services)
    names = [state.name for state in states if state.state == "paused"]
    if names:
        backend.unpause_containers(names)
        _announce(events, names, "unpaused")
    _reject_others(states, "paused", "unpause", "only paused containers can be resumed, so name only services whose containers are paused")
    return names


def _live(project: Project, backend: Backend, services: Sequence[str]) -> list[ContainerState]:
    return [state for state in project_containers(project, backend, services) if state.state in LIVE_STATES]


def _reject_others(states: Sequence[ContainerState], expected: str, verb: str, advice: str) -> None:
    """Raise `ContainerStateError` naming the containers whose state is not `expected`."""
    others = [f"{state.name} ({state.state})" for state in states if state.state != expected]
    if others:
        raise ContainerStateError(f"cannot {verb} {', '.join(others)}: {advice}")


def _announce(events: Events, names: Sequence[str], status: str) -> None:
    for name in names:
        events.emit(name, status)
