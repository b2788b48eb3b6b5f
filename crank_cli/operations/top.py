"""`top`: the processes running in each container of a project."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState, ProcessList

# The containers whose processes `top` shows: running ones, and paused ones as docker compose top (v2.40.3) does.
TOP_STATES = frozenset({"running", "paused"})


class ContainerProcesses(NamedTuple):
    """The processes of one running or paused container."""

    container: str
    service: str
    # The replica number; 0 for a one-off container of `crank run`, which has none.
    replica: int
    paused: bool
    processes: ProcessList


def project_processes(backend: Backend, states: Sequence[ContainerState]) -> list[ContainerProcesses]:
    """Read the processes of each running or paused container, sorted by container name.

    Engines report the processes of one container per call, so the calls run in parallel.
    """
    running = sorted((state for state in states if state.state in TOP_STATES), key=lambda state: state.name)
    found = run_all(lambda state: backend.list_processes(state.name), running, backend.parallel_actions)
    return [ContainerProcesses(state.name, state.service, state.replica, state.state == "paused", processes)
            for state, processes in zip(running, found, strict=True)]
