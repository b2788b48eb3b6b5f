"""The one running container of a service that `port`, `commit` and `export` act on, as docker compose (v2.40.3) picks it."""

from __future__ import annotations

from collections.abc import Sequence

from crank_cli.errors import CrankError
from crank_cli.operations import labels
from crank_cli.runtime.models import ContainerState

# The states of the containers these verbs read: those that Docker's container list shows
# without `--all`, which docker compose (v2.40.3) reads for them.
LISTED_STATES = frozenset({"running", "paused", "restarting"})


class NoRunningContainerError(CrankError):
    """The service has no running container, or none of the number given: exit code 1, as with docker compose."""


def chosen_container(states: Sequence[ContainerState], service: str, index: int | None) -> ContainerState:
    """Return the running container of `service` to act on; paused and restarting ones count as running.

    With `index`, the replica of that number. Else the lowest replica number, and a one-off
    container of `crank run` only when no replica runs.
    """
    running = [state for state in states if state.state in LISTED_STATES]
    if index is not None:
        running = [state for state in running if state.replica == index and not labels.is_one_off(state)]
    if not running:
        number = "" if index is None else f" number {index}"
        raise NoRunningContainerError(f"service {service} has no running container{number}: start it with crank up")
    return min(running, key=lambda state: (labels.is_one_off(state), state.replica, state.name))
