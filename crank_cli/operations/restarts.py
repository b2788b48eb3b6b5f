"""Whether the engine starts a container again after its process exited, by its restart policy."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from crank_cli.operations import labels
from crank_cli.runtime.models import ContainerEvent, ContainerState

if TYPE_CHECKING:
    from crank_cli.runtime.backend import Backend

# The event action of a container's exit: Docker's name, then Podman 4.3's.
_EXIT_ACTIONS = frozenset({"die", "died"})


def restart_pending(state: ContainerState, *, reports_pending: bool) -> bool:
    """Tell whether the engine restarts, or has already restarted, a container whose process exited.

    `reports_pending` is `Backend.reports_pending_restarts`. An engine without it shows
    `exited` until it starts the container again, so there the restart policy decides. A
    container that a user stopped looks the same there, so a caller waits only a while for the
    run that the policy promises.
    """
    if state.state in ("running", "restarting"):
        return True
    if reports_pending or state.state not in ("exited", "stopped"):
        return False
    return policy_restarts(state)


def policy_restarts(state: ContainerState) -> bool:
    """Tell whether the container's restart policy starts it again after its last exit."""
    if state.restart_policy in ("always", "unless-stopped"):
        return True
    if state.restart_policy != "on-failure" or state.exit_code in (0, None):
        return False
    return state.restart_retries == 0 or state.restart_count < state.restart_retries


def passed_exits(backend: Backend, state: ContainerState, since: float) -> list[ContainerEvent]:
    """Return the exits of a container since the Unix time `since`, oldest first, from the engine's events.

    A `logs --follow` of Podman 4.3 can go on into the run that a restart began, so when it
    ends the container may already run again, and only the events record the exits between.
    An exit's code is "0" when the engine's event leaves it out, as Podman 4.3 does for 0.
    """
    filters = labels.service_filter(state.labels.get(labels.PROJECT, ""), state.service)
    until = time.time()
    window = backend.past_events(filters, since)
    # The query can also return exits after `until`, of a run that began after the state was read.
    return [event._replace(exit_code=event.exit_code or "0") for event in window
            if event.name == state.name and event.action in _EXIT_ACTIONS and since <= event.time.timestamp() <= until]
