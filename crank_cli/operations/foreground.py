"""A one-off container of `crank run SERVICE` in the foreground, on crank's terminal.

crank removes a `--rm` one-off itself once the engine's client exits, instead of passing
`--rm` to the engine. The container then still shows whether it ever started, which
distinguishes a container that could not start (because a published port is taken, say)
from one that ran and exited with the same code. The engine's client writes its errors to the
same stream as the container's standard error, and what it writes before the container
starts is held back, so the user sees crank's error instead of the client's text.

NOTE: a crank that is killed (SIGKILL) while the one-off runs leaves a `--rm` one-off behind,
which the engine would have removed. `crank run IMAGE` does not come here: it still passes its
client's errors to the terminal, and Ctrl-C there ends the client and leaves the container running.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crank_cli.errors import ContainerStartError, ExitCode, engine_message
from crank_cli.operations import labels
from crank_cli.process import HeldErrors
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec, ContainerState

# Docker and Podman report a taken host port with one of these, and name the address before it.
_TAKEN_PORT = re.compile(r"(?:listen (?:tcp|udp|sctp)[46]? |Bind for )(?P<address>(?:\[[^\]]*\]|[^\s:\[]*):\d+)"
                         r"(?=.*(?:address already in use|port is already allocated))", re.IGNORECASE)
# Docker's and Podman's runc errors for a command that was not found, and one that cannot be invoked.
_NOT_FOUND = re.compile(r'exec: "[^"]*": .*(?:executable file not found|no such file or directory)')
_NOT_EXECUTABLE = re.compile(r'exec: "[^"]*": (?:permission denied|is a directory)')
# The start time the engines report for a container that never started.
_NEVER = "0001-01-01"


def run_one_off(backend: Backend, spec: ContainerSpec, *, ports_source: str,
                on_interrupt: Callable[[], None]) -> int:
    """Run the one-off attached to crank's terminal and return its exit code.

    Raises `ContainerStartError` when the container was not created or did not start; it is
    then removed, with `--rm` or without. The error's exit code is 1, or 127 or 126 when the
    container's command was not found or cannot be invoked. `ports_source` names where the published ports
    come from, for the error's advice. Ctrl-C calls `on_interrupt`, which stops the
    container, and KeyboardInterrupt is raised once the engine's client has exited.
    """
    errors = HeldErrors(lambda: has_started(backend, spec.name))
    try:
        code = backend.run_attached(spec._replace(remove=False), held_errors=errors, on_interrupt=on_interrupt)
    except KeyboardInterrupt:
        if spec.remove:
            _remove_if_present(backend, spec.name)
        raise
    states = backend.inspect_containers([spec.name])
    if not states or not started(states[0]):
        _remove_if_present(backend, spec.name)
        stderr = errors.text()
        raise ContainerStartError(["run", spec.name], code, stderr, start_failure(spec, stderr, ports_source),
                                  start_failure_code(stderr))
    errors.release()
    if spec.remove:
        backend.remove_containers([spec.name])
    return code


def has_started(backend: Backend, name: str) -> bool:
    """Tell whether the container exists and has started, running or not."""
    return any(started(state) for state in backend.inspect_containers([name]))


def started(state: ContainerState) -> bool:
    return bool(state.started_at) and not str(state.started_at).startswith(_NEVER)


def _remove_if_present(backend: Backend, name: str) -> None:
    if backend.inspect_containers([name]):
        backend.remove_containers([name])


def start_failure_code(stderr: str) -> ExitCode:
    """Return crank's exit code for a one-off that did not start: 127 or 126 for its command, as `docker run` exits."""
    if _NOT_FOUND.search(stderr):
        return ExitCode.COMMAND_NOT_FOUND
    if _NOT_EXECUTABLE.search(stderr):
        return ExitCode.COMMAND_NOT_EXECUTABLE
    return ExitCode.ENGINE_FAILED


def start_failure(spec: ContainerSpec, stderr: str, ports_source: str) -> str:
    """Return the message for a one-off that was not created or did not start, from the engine client's `stderr`."""
    service = spec.labels.get(labels.SERVICE, spec.name)
    taken = _TAKEN_PORT.search(stderr)
    if taken is not None:
        return (f"service {service}: cannot start the one-off container because host port {taken['address']} "
                f"is already in use: stop what listens there, or publish another host port in {ports_source}")
    detail = engine_message(stderr) or "the engine gave no reason"
    return f"service {service}: cannot start the one-off container: {detail}"
