"""A per-project lock, so two crank processes never change one project at the same time.

The lock is an advisory `flock` on a file named after the project in a folder private to
the user. The holder writes its process ID and command into the file, so a second process
can name the process it waits for. The kernel releases the lock when the holder exits, even when
it is killed, so a crash never leaves a stale lock.

The holder deletes the file before it releases the lock, so the folder keeps no file per
project ever used. A process that opened the file before that deletion may then lock the
deleted file. So every process checks, once it holds a lock, that the file at the path is
still the one it locked, and opens the path again if not. Only a holder that passed this
check deletes the file, so the path always names the file that the current holder locked.
A file is left behind only when its holder is killed.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

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
    with _acquire(path, project, notify, wait_seconds) as handle:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {' '.join(['crank', *sys.argv[1:]])}\n")
        handle.flush()
        try:
            yield
        finally:
            # Delete the file while still holding the lock, so no other process holds a lock on it
            # that passed the check in _acquire. Emptying it first keeps a process that opened it
            # already from naming this one as the holder.
            handle.seek(0)
            handle.truncate()
            path.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(path: Path, project: str, notify: Callable[[str], None], wait_seconds: float) -> TextIO:
    """Open and lock the file at `path`, and return it once the lock is on the file that is still at `path`."""
    deadline: float | None = None
    while True:
        handle = open(path, "a+")
        try:
            if not _try_lock(handle):
                if deadline is None:
                    deadline = time.monotonic() + wait_seconds
                    notify(f"project {project} is being changed by {_holder(handle)}; waiting for it to finish")
                _wait_for_lock(handle, project, deadline, wait_seconds)
        except BaseException:
            handle.close()
            raise
        if _is_at_path(handle, path):
            return handle
        handle.close()


def _wait_for_lock(handle: TextIO, project: str, deadline: float, wait_seconds: float) -> None:
    holder = _holder(handle)
    while not _try_lock(handle):
        check_cancelled()
        if time.monotonic() > deadline:
            message = f"project {project} is still locked by {holder} after {wait_seconds:g} s; try again when it ends"
            raise ProjectLockedError(message)
        time.sleep(0.2)


def _is_at_path(handle: TextIO, path: Path) -> bool:
    """Return whether the locked file is still the one at `path`, which the previous holder may have deleted."""
    try:
        current = path.stat()
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino)


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
