"""`stats` without --no-stream: the engine's live view, which follows the project's containers.

The engine's `stats` takes container names, so on its own it never shows a container that
starts after it. crank lists the project's containers every `RELIST_SECONDS` and, when the
list changes, replaces the view with one of the new list. So, as with `docker compose stats`
v2.40.3, a container that starts shows up, and one that stops or is removed goes (with
`--all`, a stopped one stays).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from crank_cli import verbose
from crank_cli.errors import EngineError
from crank_cli.operations import labels

if TYPE_CHECKING:
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.models import ContainerState

# How often the live view lists the project's containers. A listing is one request on
# Docker's socket and one `podman ps` on Podman, so a short interval costs little.
RELIST_SECONDS = 2.0


def shown_containers(states: Iterable[ContainerState], services: Sequence[str], *,
                     all_containers: bool) -> list[ContainerState]:
    """Return the containers `stats` shows, by service and replica: the running and paused ones, or all with `all_containers`."""
    chosen = (state for state in states if (not services or state.service in services)
              and (all_containers or state.running or state.state == "paused"))
    return sorted(chosen, key=lambda state: (state.service, state.replica))


def follow(backend: Backend, project: str, services: Sequence[str], names: list[str], *, all_containers: bool,
           notify: Callable[[str], None]) -> int:
    """Show the engine's live view of the project's containers, starting with `names`, until Ctrl-C or SIGTERM.

    Return the view's exit code. While the project has no container to show, no view runs,
    and crank waits for one to start, where docker compose v2.40.3 shows an empty table.
    """

    def listed() -> list[str]:
        states = backend.list_containers(labels.container_filter(project))
        return [state.name for state in shown_containers(states, services, all_containers=all_containers)]

    while True:
        latest = names

        def changed() -> bool:
            nonlocal latest
            try:
                latest = listed()
            except EngineError as error:
                # A failed listing keeps the view as it is, and the next listing tries again.
                verbose.debug("stats", "listing the containers failed: %s", error.message)
                return False
            return latest != names

        if names:
            code = backend.show_stats(names, until=changed, interval=RELIST_SECONDS)
            if code is not None:
                return code
        else:
            wanted = "containers" if all_containers else "running containers"
            notify(f"no {wanted} in project {project}; waiting for one to start")
            while not changed():
                time.sleep(RELIST_SECONDS)
        names = latest
