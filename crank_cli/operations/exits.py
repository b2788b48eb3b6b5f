"""`wait`: block until containers stop, and report each one's exit code as it stops.

Each container gets one engine process that ends when the container stops (`docker wait`,
`podman wait`), so crank does not poll. The processes still running when crank stops
waiting, after Ctrl-C or an error, are ended.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from crank_cli.errors import EngineError
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    import subprocess

# The states in which a container has not stopped: those that Docker's container list shows
# without `--all`.
ACTIVE_STATES = ("running", "paused", "restarting")


def wait_for_exits(backend: Backend, containers: Sequence[ContainerState],
                   report: Callable[[ContainerState, int], None]) -> int:
    """Block until every container has stopped; return the exit code of the last one to stop.

    `report(container, exit_code)` is called as each container stops, in the order they stop.
    An engine process that fails raises `EngineError` with its output.
    """
    ended: queue.Queue[tuple[ContainerState, int, str, list[str]]] = queue.Queue()
    processes = [backend.watch_exit(state.name) for state in containers]
    for state, process in zip(containers, processes, strict=True):
        threading.Thread(target=_collect, args=(state, process, ended), daemon=True).start()
    last_code = 0
    try:
        for _ in containers:
            state, returncode, output, argv = ended.get()
            if returncode != 0:
                raise EngineError(argv, returncode, output)
            last_code = _exit_code(argv, output)
            report(state, last_code)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
    return last_code


def _collect(state: ContainerState, process: subprocess.Popen[str],
             ended: queue.Queue[tuple[ContainerState, int, str, list[str]]]) -> None:
    output = process.stdout.read() if process.stdout is not None else ""
    ended.put((state, process.wait(), output, [str(word) for word in process.args]))  # type: ignore[union-attr]


def _exit_code(argv: list[str], output: str) -> int:
    """Read the exit code that the engine's `wait` prints on its last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    try:
        return int(lines[-1])
    except (IndexError, ValueError):
        raise EngineError(argv, 0, f"expected an exit code, got {output.strip()!r}") from None
