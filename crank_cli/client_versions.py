"""Remember the engine version a local Podman client reported, so later commands skip the probe.

The probe (`podman version`) is a process of its own. Alone it took about 0.03 s on a
2-core machine, and beside crank's own start-up it delayed an unchanged `up` of 20
services by about 0.04 s. Podman has no daemon, so a local client's version changes only
when its program file changes. Each record contains the program's path, modification time,
size and inode, and a record whose program file differs is not used.

A client that talks to a Podman service (CONTAINER_HOST or CONTAINER_CONNECTION set)
reports the service's version, which can change at any time, so it is never remembered.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from crank_cli import cache_files, process

# Bump when the layout of the file changes.
_FORMAT = 1
_FILE_NAME = "clients.json"
_SERVICE_VARIABLES = ("CONTAINER_HOST", "CONTAINER_CONNECTION")


def recall(program: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Return the version remembered for the client `program` as it is now, or None."""
    stamp = _program_stamp(program, environ)
    path = _records_path()
    if stamp is None or path is None:
        return None
    records = cache_files.read_json(path)
    if not isinstance(records, dict) or records.get("format") != _FORMAT:
        return None
    record = (records.get("clients") or {}).get(stamp[0])
    if not isinstance(record, dict) or record.get("stamp") != stamp:
        return None
    version = record.get("version")
    return version if isinstance(version, str) and version else None


def remember(program: str, version: str, environ: Mapping[str, str] = os.environ) -> None:
    """Store the version the client `program` reported, beside the records of other clients."""
    stamp = _program_stamp(program, environ)
    path = _records_path()
    if stamp is None or path is None:
        return
    records = cache_files.read_json(path)
    if not isinstance(records, dict) or records.get("format") != _FORMAT or not isinstance(records.get("clients"), dict):
        records = {"format": _FORMAT, "clients": {}}
    records["clients"][stamp[0]] = {"stamp": stamp, "version": version}
    cache_files.write_private(path, json.dumps(records, separators=(",", ":")).encode())


def _records_path() -> str | None:
    folder = cache_files.cache_folder("engines")
    return None if folder is None else os.path.join(folder, _FILE_NAME)


def _program_stamp(program: str, environ: Mapping[str, str]) -> list[object] | None:
    """Return the path, modification time, size and inode of the client, or None when it cannot be remembered."""
    if any(environ.get(name) for name in _SERVICE_VARIABLES):
        return None
    path = process.find_program(program, environ)
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    return [path, status.st_mtime_ns, status.st_size, status.st_ino]

