"""`export`: write a service container's filesystem as a tar archive with the engine's own `export`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crank_cli.errors import UsageError
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState


def check_output(output: Path | None, *, stdout_is_terminal: bool) -> None:
    """Raise `UsageError` when the archive would go to a terminal, or `output` cannot be a new or replaced file."""
    if output is None:
        if stdout_is_terminal:
            raise UsageError("output option is required when exporting to a terminal: "
                             "give -o FILE, or redirect standard output to a file or a pipe")
        return
    if output.is_dir():
        raise UsageError(f"invalid -o/--output {output}: it is a folder; give the path of a file in it")
    if not output.parent.is_dir():
        raise UsageError(f"invalid -o/--output {output}: folder {output.parent} does not exist")


def export(backend: Backend, container: ContainerState, output: Path | None, events: Events, *,
           dry_run: bool = False) -> None:
    """Export the container's filesystem to `output`, or to standard output when None.

    The engine writes a file beside `output` first, which then replaces `output`, so a failed
    export leaves neither a partial archive nor a changed `output`. A dry run only prints the
    command that writes `output`.
    """
    events.emit(container.name, f"exporting to {output or 'standard output'}")
    if output is None or dry_run:
        backend.export_container(container.name, None if output is None else str(output))
    else:
        _export_to_file(backend, container.name, output)
    events.emit(container.name, "exported")


def _export_to_file(backend: Backend, name: str, output: Path) -> None:
    # mkstemp creates the file with mode 0o600, which the archive keeps, as docker compose's does.
    descriptor, temporary = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(descriptor)
    try:
        backend.export_container(name, temporary)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
