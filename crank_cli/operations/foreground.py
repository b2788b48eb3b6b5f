"""A container of a foreground `crank run`, a service's one-off or an image's, on crank's terminal.

crank removes a `--rm` container itself once the engine's client exits, instead of passing
`--rm` to the engine. The container then still shows whether it ever started, which
distinguishes a container that could not start (because a published port is taken, say)
from one that ran and exited with the same code. The engine's client writes its errors to the
same stream as the container's standard error, and what it writes before the container
starts is held back, so the user sees crank's error instead of the client's text. crank
finds the container by the ID that the client writes to a file (`--cidfile`) once it has
created it, so a container of the same name that was there before is never stopped or removed.

NOTE: a crank that is killed (SIGKILL) while the container runs leaves a `--rm` container
behind, which the engine would have removed. `down` removes a service's one-off, but nothing
removes an image's container.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

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
                on_interrupt: Callable[[str], None]) -> int:
    """Run the container attached to crank's terminal and return its exit code.

    Raises `ContainerStartError` when the container was not created or did not start; it is
    then removed, with `--rm` or without. The error's exit code is 1, or 127 or 126 when the
    container's command was not found or cannot be invoked. `ports_source` names where the published ports
    come from, for the error's advice. Ctrl-C calls `on_interrupt` with the container's ID,
    to stop it, and KeyboardInterrupt is raised once the engine's client has exited. A Ctrl-C
    that comes before the client has created the container ends the client instead.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crank-run-") as folder:
        id_file = _IdFile(Path(folder) / "container-id")
        return _run_attached(backend, spec._replace(remove=False, id_file=str(id_file.path)), id_file,
                             remove=spec.remove, ports_source=ports_source, on_interrupt=on_interrupt)


def _run_attached(backend: Backend, spec: ContainerSpec, id_file: _IdFile, *, remove: bool, ports_source: str,
                  on_interrupt: Callable[[str], None]) -> int:
    errors = HeldErrors(lambda: _has_started(backend, id_file.read()))
    stopped: list[str] = []

    def interrupt() -> None:
        container = id_file.read()
        if container is None:
            # Raising here makes `process.run_attached` kill the client.
            raise KeyboardInterrupt
        stopped.append(container)
        on_interrupt(container)

    try:
        code = backend.run_attached(spec, held_errors=errors, on_interrupt=interrupt)
    except KeyboardInterrupt:
        _clean_up_interrupted(backend, id_file.read(), stopped, remove=remove, on_interrupt=on_interrupt)
        raise
    container = id_file.read()
    states = backend.inspect_containers([container]) if container is not None else []
    if container is None or not states or not started(states[0]):
        if container is not None:
            _remove_if_present(backend, container)
        stderr = errors.text()
        raise ContainerStartError(["run", spec.name or spec.image], code, stderr,
                                  start_failure(spec, stderr, ports_source), start_failure_code(stderr))
    errors.release()
    if remove:
        backend.remove_containers([container])
    return code


def _clean_up_interrupted(backend: Backend, container: str | None, stopped: list[str], *, remove: bool,
                          on_interrupt: Callable[[str], None]) -> None:
    """After Ctrl-C, stop the container if the client wrote its ID only after the interrupt found none; with `--rm`, remove it.

    NOTE: a client killed after the engine created the container, but before it wrote the
    container's ID, leaves a container that crank does not know of.
    """
    if container is None:
        return
    try:
        if not stopped:
            # The client was killed after it created the container, so the container may run with no client attached.
            on_interrupt(container)
    finally:
        if remove:
            _remove_if_present(backend, container)


class _IdFile:
    """The file to which the engine's client writes the container's ID once it has created the container."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        """Return the container's ID, or None while the client has not written it."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return text or None


def _has_started(backend: Backend, container: str | None) -> bool:
    """Tell whether the container exists and has started, running or not."""
    return container is not None and any(started(state) for state in backend.inspect_containers([container]))


def started(state: ContainerState) -> bool:
    return bool(state.started_at) and not str(state.started_at).startswith(_NEVER)


def _remove_if_present(backend: Backend, container: str) -> None:
    if backend.inspect_containers([container]):
        backend.remove_containers([container])


def start_failure_code(stderr: str) -> ExitCode:
    """Return crank's exit code for a one-off that did not start: 127 or 126 for its command, as `docker run` exits."""
    if _NOT_FOUND.search(stderr):
        return ExitCode.COMMAND_NOT_FOUND
    if _NOT_EXECUTABLE.search(stderr):
        return ExitCode.COMMAND_NOT_EXECUTABLE
    return ExitCode.ENGINE_FAILED


def start_failure(spec: ContainerSpec, stderr: str, ports_source: str) -> str:
    """Return the message for a container that was not created or did not start, from the engine client's `stderr`.

    A service's one-off is named by its service, and any other container by its image.
    """
    service = spec.labels.get(labels.SERVICE)
    subject = f"image {spec.image}: cannot start the container"
    if service:
        subject = f"service {service}: cannot start the one-off container"
    taken = _TAKEN_PORT.search(stderr)
    if taken is not None:
        return (f"{subject} because host port {taken['address']} "
                f"is already in use: stop what listens there, or publish another host port in {ports_source}")
    detail = engine_message(stderr) or "the engine gave no reason"
    return f"{subject}: {detail}"
