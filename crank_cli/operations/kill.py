"""`kill`: send a signal to a project's live containers, as `docker compose kill` (v2.40.3) does.

The containers are those that the engine's container list shows without `--all`: running,
paused and restarting ones. One-off containers of `run` count as containers of their
service. Containers of services no longer in the compose files get the signal only with
`--remove-orphans`, which, despite its name, removes nothing in docker compose either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crank_cli.errors import UsageError
from crank_cli.operations.events import Events
from crank_cli.operations.targets import LIVE_STATES, project_containers
from crank_cli.runtime.backend import Backend

if TYPE_CHECKING:
    from crank_cli.compose import Project

# Linux signal names without their SIG prefix, as Docker's and Podman's clients accept them.
_SIGNAL_NAMES = frozenset({
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE", "POLL",
    "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU", "URG", "USR1",
    "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", "RTMIN", "RTMAX",
    *(f"RTMIN+{offset}" for offset in range(1, 16)), *(f"RTMAX-{offset}" for offset in range(1, 15)),
})
# Linux numbers signals from 1 to 64.
MAX_SIGNAL_NUMBER = 64


def parse_signal(value: str) -> str:
    """Return the signal as the engines take it: `SIGNAME` in capitals, or its number.

    A name may come with or without `SIG` and in any case, as with `docker kill`. Raises
    `UsageError` for anything else, before any engine is asked.
    """
    word = value.strip().upper()
    if word.isdigit() and 1 <= int(word) <= MAX_SIGNAL_NUMBER:
        return str(int(word))
    name = word.removeprefix("SIG")
    if name in _SIGNAL_NAMES:
        return f"SIG{name}"
    message = (f"invalid signal {value!r}: expected a signal name such as SIGTERM or HUP, "
               f"or a number from 1 to {MAX_SIGNAL_NUMBER}")
    raise UsageError(message)


def kill(project: Project, backend: Backend, services: Sequence[str], signal: str, events: Events, *,
         remove_orphans: bool = False) -> list[str]:
    """Send `signal` to the live containers of the services named, or of the whole project.

    Returns the names of the containers signalled, which is empty when none is live.
    """
    states = project_containers(project, backend, services, one_off=True, orphans=remove_orphans)
    names = [state.name for state in states if state.state in LIVE_STATES]
    if not names:
        return []
    for name in names:
        events.emit(name, "killing")
    # One call: the engine signals the containers of one call in parallel, as docker compose does.
    backend.kill_containers(names, signal)
    for name in names:
        events.emit(name, "killed")
    return names
