"""Wait out a container removal that the engine already runs, so a second removal counts as done.

Docker removes a `run --rm` container itself once it stops, and while it does, another
removal fails with "removal of container NAME is already in progress" (Docker 20.10). A
`down` right after an interrupted `crank run --rm` meets that.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

from crank_cli.errors import EngineError
from crank_cli.runtime.models import ContainerState

_IN_PROGRESS = re.compile(r"removal of container \S+ is already in progress", re.IGNORECASE)
# The maximum wait for the engine's own removal, in seconds, and the pause between checks.
REMOVAL_WAIT_SECONDS = 30.0
REMOVAL_POLL_SECONDS = 0.2


def in_progress_only(error: EngineError) -> bool:
    """Tell whether every line of the engine's error reports a removal already in progress or a missing container."""
    lines = [line for line in error.stderr.splitlines() if line.strip()]
    return bool(lines) and all(_IN_PROGRESS.search(line) or "no such container" in line.lower() for line in lines)


def wait_until_removed(inspect: Callable[[Sequence[str]], list[ContainerState]], names: Sequence[str],
                       error: EngineError) -> None:
    """Return once none of `names` exists; raise `error` if one still does after `REMOVAL_WAIT_SECONDS`."""
    deadline = time.monotonic() + REMOVAL_WAIT_SECONDS
    while inspect(names):
        if time.monotonic() >= deadline:
            raise error
        time.sleep(REMOVAL_POLL_SECONDS)
