"""Checksum manifests of a volume's files, built from a tar stream of the volume.

A manifest has one entry per path: type, mode, owner, size, SHA-256 of the content, symlink
target, modification time and extended attributes. Comparing the manifest of the source
volume with that of the copy shows whether the copy is exact.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

CHUNK_BYTES = 1 << 20

# The fields every copy keeps and every comparison checks.
BASE_FIELDS = ("type", "mode", "uid", "gid", "size", "sha256", "link")

_TYPES = {
    tarfile.REGTYPE: "file",
    tarfile.AREGTYPE: "file",
    tarfile.CONTTYPE: "file",
    tarfile.DIRTYPE: "directory",
    tarfile.SYMTYPE: "symlink",
    tarfile.FIFOTYPE: "fifo",
    tarfile.CHRTYPE: "char-device",
    tarfile.BLKTYPE: "block-device",
}
_XATTR_PREFIX = "SCHILY.xattr."


@dataclass(frozen=True)
class Entry:
    """One path of a volume, as its tar header and content describe it."""

    type: str
    mode: int
    uid: int
    gid: int
    size: int
    sha256: str | None = None
    link: str | None = None
    mtime: float = 0.0
    xattrs: dict[str, str] = field(default_factory=dict)

    def differences(self, other: Entry, fields: Iterable[str]) -> list[str]:
        """Return `field: mine != other's` for each field given that differs."""
        return [
            f"{name}: {getattr(self, name)!r} != {getattr(other, name)!r}"
            for name in fields
            if getattr(self, name) != getattr(other, name)
        ]


@dataclass
class Manifest:
    """The entries of a volume by path; the volume's root is the empty path."""

    entries: dict[str, Entry] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(entry.size for entry in self.entries.values() if entry.type == "file")

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {path: asdict(entry) for path, entry in sorted(self.entries.items())}


def normalize_path(name: str) -> str:
    """Return a member name relative to the volume root: `./a/b/` and `a/b` are both `a/b`."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    return "/".join(parts)


def read_tar_stream(stream: IO[bytes]) -> Manifest:
    """Build a manifest from a tar stream, reading it once from start to end.

    A hard link is recorded as a file with the content of the path it links to, because
    which of two linked names a tar stores first depends on the directory order, which a
    copy does not keep.
    """
    manifest = Manifest()
    with tarfile.open(fileobj=stream, mode="r|", bufsize=CHUNK_BYTES) as archive:
        for member in archive:
            path = normalize_path(member.name)
            if member.type == tarfile.LNKTYPE:
                linked = manifest.entries.get(normalize_path(member.linkname))
                if linked is not None:
                    manifest.entries[path] = linked
                continue
            manifest.entries[path] = _entry(archive, member)
    # Whatever follows the last member (the end-of-archive blocks) is read too, so a
    # reader that copies the stream elsewhere passes on every byte.
    while stream.read(CHUNK_BYTES):
        pass
    return manifest


def _entry(archive: tarfile.TarFile, member: tarfile.TarInfo) -> Entry:
    kind = _TYPES.get(member.type, f"tar-type-{member.type!r}")
    digest = None
    if kind == "file":
        digest = _sha256(archive.extractfile(member))
    xattrs = {
        key[len(_XATTR_PREFIX):]: value
        for key, value in member.pax_headers.items()
        if key.startswith(_XATTR_PREFIX)
    }
    return Entry(
        type=kind,
        mode=member.mode & 0o7777,
        uid=member.uid,
        gid=member.gid,
        size=member.size if kind == "file" else 0,
        sha256=digest,
        link=member.linkname if kind == "symlink" else None,
        mtime=float(member.mtime),
        xattrs=xattrs,
    )


def _sha256(content: IO[bytes] | None) -> str:
    digest = hashlib.sha256()
    if content is not None:
        while chunk := content.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def compare(source: Manifest, copy: Manifest, *, mtime_types: Iterable[str], xattrs: bool) -> list[str]:
    """Return one line per difference between two manifests; an empty list means equal.

    `mtime_types` names the entry types whose modification time the copy method keeps, and
    `xattrs` whether it keeps extended attributes; only those are compared beyond `BASE_FIELDS`.
    """
    kept_mtime = set(mtime_types)
    problems = [f"{_shown(path)}: missing in the copy" for path in sorted(source.entries.keys() - copy.entries.keys())]
    problems += [f"{_shown(path)}: not in the source" for path in sorted(copy.entries.keys() - source.entries.keys())]
    for path in sorted(source.entries.keys() & copy.entries.keys()):
        mine, theirs = source.entries[path], copy.entries[path]
        fields = _compared_fields(path, mine, kept_mtime, xattrs)
        problems += [f"{_shown(path)}: {difference}" for difference in mine.differences(theirs, fields)]
    return problems


def changes(before: Manifest, now: Manifest, *, mtime_types: Iterable[str], xattrs: bool) -> tuple[list[str], list[str]]:
    """Return the paths to send again and the paths to delete to turn `before` into `now`.

    A path whose type changed is in both lists. A deleted directory's contents are not
    listed separately, since deleting the directory removes them.
    """
    kept_mtime = set(mtime_types)
    deleted = sorted(
        path for path, entry in before.entries.items()
        if path not in now.entries or now.entries[path].type != entry.type
    )
    deleted = [path for path in deleted if not any(path.startswith(f"{parent}/") for parent in deleted if parent)]
    changed = sorted(
        path for path, entry in now.entries.items()
        if path not in before.entries
        or entry.differences(before.entries[path], _compared_fields(path, entry, kept_mtime, xattrs))
    )
    return changed, deleted


def with_ancestors(paths: Iterable[str], present: Manifest) -> list[str]:
    """Return the paths with every directory above them that `present` has, sorted.

    Changing an entry changes the times of the directory that contains it, so those directories
    are sent and checked again too. Sorting puts each directory before what it contains.
    """
    found = set()
    for path in paths:
        parts = path.split("/") if path else []
        for depth in range(len(parts)):
            ancestor = "/".join(parts[:depth])
            if ancestor in present.entries:
                found.add(ancestor)
        if path in present.entries:
            found.add(path)
    return sorted(found)


def subset(manifest: Manifest, paths: Iterable[str]) -> Manifest:
    """Return the entries of the paths given."""
    return Manifest({path: manifest.entries[path] for path in paths if path in manifest.entries})


def _compared_fields(path: str, entry: Entry, kept_mtime: set[str], xattrs: bool) -> list[str]:
    fields = list(BASE_FIELDS)
    # The root's time changes as soon as anything inside it does, on the source or the copy.
    if entry.type in kept_mtime and path:
        fields.append("mtime")
    if xattrs:
        fields.append("xattrs")
    return fields


def _shown(path: str) -> str:
    return path or "(volume root)"
