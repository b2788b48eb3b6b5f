"""Keep parsed compose files as JSON, so an unchanged file is read back without PyYAML.

Importing PyYAML and parsing a 50-service compose file take about 20 ms, and reading its
record takes under 1 ms (timed in one process on a 2-core AMD EPYC machine, CPython 3.11).
A record contains the exact text it was parsed from, and a load uses the record only when
that text equals the current text, so a record is never used for a changed file. Records
also contain a fingerprint of the YAML reader (crank's version and the files of
`yaml_reader.py` and of PyYAML), and a changed reader makes every old record a miss.

A problem with the cache (a missing home folder, a read-only disk, a corrupt record) is a
miss or a skipped write. The cache catches the OSError, ValueError and RecursionError that
its reads and writes raise, and it prints nothing.

This module imports only json, os and zlib (and `cache_files`) at first, and imports `yaml_reader` (and
so PyYAML) only on a miss.
"""

from __future__ import annotations

import json
import os
import zlib
from typing import TYPE_CHECKING

import crank_cli
from crank_cli import cache_files

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# Bump when the layout of a record changes.
_FORMAT = 1

_READER_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "yaml_reader.py")

# YAML aliases let a short text describe a large tree, and a recursive alias an endless one.
# A record may describe at most this many values and characters per character of text, plus
# the fixed allowance. That keeps any ordinary file with anchors cacheable and bounds both the
# check and the record's size.
_EXPANSION_PER_CHARACTER = 16
_EXPANSION_ALLOWANCE = 1_000_000

_PLAIN_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})


def load_documents(text: str, source: Path | str) -> list[Any]:
    """Parse every YAML document of a compose file, from a record when `text` is unchanged.

    The contract is that of `yaml_reader.load_documents`: the same documents, and the same
    InvalidProjectError for invalid YAML. `source` names the file in errors and picks the
    record. A str such as `-` is used as it is, and a Path as its absolute path.
    """
    record_path = _record_path(source)
    reader = _reader_fingerprint()
    if record_path is not None and reader is not None:
        documents = _read_record(record_path, text, reader)
        if documents is not None:
            return documents

    from crank_cli.compose import yaml_reader

    documents = yaml_reader.load_documents(text, source)
    if record_path is not None and reader is not None:
        pyyaml = _file_stamp(getattr(yaml_reader.yaml, "__file__", None))
        if pyyaml is not None:
            _write_record(record_path, text, reader, pyyaml, documents)
    return documents


def cache_directory() -> str | None:
    """Return the folder of the records, or None when there is no absolute place for it."""
    return cache_files.cache_folder("compose")


def _record_path(source: Path | str) -> str | None:
    directory = cache_directory()
    if directory is None:
        return None
    name = source if isinstance(source, str) else os.path.abspath(source)
    # Two paths with the same checksum share one record, which only costs misses: a hit
    # also needs the same text.
    return os.path.join(directory, f"{zlib.crc32(os.fsencode(name)):08x}.json")


def _reader_fingerprint() -> list[Any] | None:
    """Return crank's version and the stamp of `yaml_reader.py`, or None when it is not a file."""
    stamp = _file_stamp(_READER_PATH)
    if stamp is None:
        return None
    return [getattr(crank_cli, "__version__", None), *stamp]


def _file_stamp(path: str | None) -> list[Any] | None:
    """Return the path, modification time in nanoseconds and size of a file, or None."""
    if not isinstance(path, str):
        return None
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return None
    return [path, status.st_mtime_ns, status.st_size]


def _read_record(record_path: str, text: str, reader: list[Any]) -> list[Any] | None:
    """Return the documents of the record for `text`, or None on a miss."""
    record = cache_files.read_json(record_path)
    if not isinstance(record, dict):
        return None
    if record.get("format") != _FORMAT or record.get("reader") != reader or record.get("text") != text:
        return None
    pyyaml = record.get("pyyaml")
    if not isinstance(pyyaml, list) or not pyyaml or _file_stamp(pyyaml[0]) != pyyaml:
        return None
    documents = record.get("documents")
    return documents if isinstance(documents, list) else None


def _write_record(record_path: str, text: str, reader: list[Any], pyyaml: list[Any], documents: list[Any]) -> None:
    """Store the documents for `text` when they are plain JSON values, and skip the write on any error."""
    if not _is_plain(documents, _EXPANSION_PER_CHARACTER * len(text) + _EXPANSION_ALLOWANCE):
        return
    record = {"format": _FORMAT, "reader": reader, "pyyaml": pyyaml, "text": text, "documents": documents}
    try:
        # ensure_ascii (the default) escapes lone surrogates, which UTF-8 cannot encode.
        data = json.dumps(record, separators=(",", ":")).encode("ascii")
    except (ValueError, RecursionError):
        return

    cache_files.write_private(record_path, data)


def _is_plain(documents: list[Any], budget: int) -> bool:
    """Return whether `documents` consists only of JSON values and fits the budget.

    JSON gives back equal values, but it gives separate copies for values that YAML aliases
    share. The loader copies documents before it changes anything, so that makes no difference.
    """
    pending: list[Any] = [documents]
    while pending:
        budget -= 1
        if budget < 0:
            return False
        value = pending.pop()
        kind = value.__class__
        if kind is str:
            budget -= len(value)
        elif kind is list:
            pending.extend(value)
        elif kind is dict:
            for key in value:
                if key.__class__ is not str:
                    return False
                budget -= len(key)
            pending.extend(value.values())
        elif kind not in _PLAIN_SCALAR_TYPES:
            return False
    return budget >= 0
