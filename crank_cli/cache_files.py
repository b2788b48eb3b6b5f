"""Files that crank keeps to save work on later runs, below XDG_CACHE_HOME or ~/.cache.

Deleting them only costs time. A problem with them (a missing home folder, a read-only disk,
a corrupt file) makes a read return None and a write do nothing, and nothing is printed.
This module imports only json, os and stat, because it runs on the path of every command.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any


def cache_folder(name: str) -> str | None:
    """Return the path of crank's cache folder `name`, or None when there is no absolute place for it."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "crank", name)


def read_json(path: str) -> Any:
    """Return the JSON value of a regular file of this user, or None when it is missing or invalid."""
    try:
        # O_NONBLOCK keeps a FIFO in place of the file from blocking the open.
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as file:
            if not _is_own_file(os.fstat(file.fileno())):
                return None
            return json.loads(file.read())
    except (OSError, ValueError, RecursionError):
        return None


def _is_own_file(status: os.stat_result) -> bool:
    """Return whether a file is a regular file of this user.

    When XDG_CACHE_HOME points to a shared folder, another user could plant a file there
    with contents of their choice.
    """
    if not stat.S_ISREG(status.st_mode):
        return False
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def write_private(path: str, data: bytes) -> None:
    """Replace the file at `path` with `data`, readable by this user only, and skip the write on any error.

    The folder is created with mode 0o700. The file gets mode 0o600, because what crank
    keeps (compose files, for one) can contain secrets.
    """
    directory, name = os.path.split(path)
    # The temporary file is in the same folder, so os.replace swaps the file in atomically.
    # O_EXCL refuses to follow a planted link. The tempfile module is not used because it
    # takes about 10 ms to import. A file left by a crashed process with the same id makes
    # this process skip the write.
    temporary_path = os.path.join(directory, f".{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        descriptor = os.open(temporary_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except (OSError, ValueError):
        return
    try:
        with open(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary_path, path)
    except OSError:
        try:
            os.unlink(temporary_path)
        except OSError:
            pass
