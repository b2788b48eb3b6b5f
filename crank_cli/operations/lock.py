"""A per-project lock, so two crank processes never change one project at the same time.

The lock is an advisory `flock` on a file named after the project in a folder private to
the user. The holder writes its process ID and command into the file, so a second process
can name the process it waits for. The kernel releases the lock when the holder exits, even when
it is killed, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from crank_cli.errors import CrankError
from crank_cli.operations.cancel import check_cancelled

DEFAULT_WAIT_SECONDS = 600.0


class ProjectLockedError(CrankError):
    """Another crank process held the project's lock for longer than crank waits."""


def lock_folder() -> Path:
    # TMPDIR, then /tmp, is where tempfile.gettempdir() looks first on POSIX systems, without
    # the imports of shutil and random that the tempfile module brings.
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp")
    folder = base / f"crank-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@contextmanager
def project_lock(project: str, notify: Callable[[str], None], wait_seconds: float = DEFAULT_WAIT_SECONDS,
                 folder: Path | None = None) -> Iterator[None]:
    """Hold the project's lock for the duration of the block, waiting for another holder first."""
    path = (folder or lock_folder()) / f"{project}.lock"
    with open(path, "a+") as handle:
        _acquire(handle, project, notify, wait_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {' '.join(['crank', *sys.argv[1:]])}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, project: str, notify: Callable[[str], None], wait_seconds: float) -> None:  # type: ignore[no-untyped-def]
    if _try_lock(handle):
        return
    holder = _holder(handle)
    notify(f"project {project} is being changed by {holder}; waiting for it to finish")
    deadline = time.monotonic() + wait_seconds
    while not _try_lock(handle):
        check_cancelled()
        if time.monotonic() > deadline:
            message = f"project {project} is still locked by {holder} after {wait_seconds:g} s; try again when it ends"
            raise ProjectLockedError(message)
        time.sleep(0.2)


def _try_lock(handle) -> bool:  # type: ignore[no-untyped-def]
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(handle) -> str:  # type: ignore[no-untyped-def]
    handle.seek(0)
    pid, _, command = handle.read().strip().partition(" ")
    return f"crank process {pid} ({command})" if pid else "another crank process"
