"""Copy a volume between two directories of this machine, and verify the copy.

When both engines keep a volume as a plain directory that this process can read and write
(the `Mountpoint` of a `local` volume without options), crank copies it in Python instead of
through tar in helper containers. The copy keeps every entry type (files, directories,
symlinks, hard links, fifos, sockets, device nodes), numeric owners, modes, nanosecond
modification times and every extended attribute, POSIX ACLs (`system.posix_acl_*`) and
`security.*` included.

Each pass brings the target up to date with `sync`. A `HashIndex` remembers the SHA-256 of
each file by its lstat key (inode, size, mtime_ns, ctime_ns), on both sides, from the pass that
read or wrote it. So the final pass, with the source stopped, reads and sends only files whose
lstat changed, and `verify` compares full manifests of both sides from one lstat walk each,
the extended attributes and the stored hashes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

CHUNK_BYTES = 1 << 20

# A file whose ctime is this close to the moment it was read may have been written again in
# the same tick of the filesystem's coarse clock without changing its lstat key, so its hash
# is not stored. The final pass reads it again. The tick is a few milliseconds on Linux, and
# the margin is far above it in case the clocks of file times and of crank differ slightly.
RACY_NANOSECONDS = 2_000_000_000

_TYPES = (
    (stat.S_ISREG, "file"), (stat.S_ISDIR, "directory"), (stat.S_ISLNK, "symlink"), (stat.S_ISFIFO, "fifo"),
    (stat.S_ISCHR, "char-device"), (stat.S_ISBLK, "block-device"), (stat.S_ISSOCK, "socket"),
)
# The errors of reading a source path that a running service removed, or replaced with
# another type, after the walk saw it.
CHANGED_ERRORS = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.ESTALE)

CHANGED = "changed"
REREAD = "reread"
_NODE_TYPES = {"fifo": stat.S_IFIFO, "char-device": stat.S_IFCHR, "block-device": stat.S_IFBLK, "socket": stat.S_IFSOCK}


class HostCopyError(OSError):
    """A host copy failed on one path; the message names the path and the system error.

    `side` is `source` or `target`, the tree in which the failing path lies.
    """

    def __init__(self, code: int | None, message: str, side: str = "target") -> None:
        super().__init__(code, message)
        self.side = side

    def __str__(self) -> str:
        return str(self.strerror)


@dataclass(frozen=True)
class Node:
    """One path of a volume as lstat and the extended attribute calls describe it."""

    type: str
    mode: int
    uid: int
    gid: int
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int
    nlink: int
    rdev: int = 0
    link: str | None = None
    xattrs: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> list[int]:
        """The lstat fields that change whenever the file's content does."""
        return [self.ino, self.size, self.mtime_ns, self.ctime_ns]

    def compared(self) -> dict[str, Any]:
        """Return the fields a copy must reproduce (not the inode or ctime, which differ)."""
        fields = {"type": self.type, "mode": oct(self.mode), "uid": self.uid, "gid": self.gid,
                  "mtime_ns": self.mtime_ns, "xattrs": dict(self.xattrs)}
        if self.type == "file":
            fields["size"] = self.size
        if self.type == "symlink":
            fields["link"] = self.link
        if self.type in ("char-device", "block-device"):
            fields["rdev"] = self.rdev
        return fields


@dataclass
class HashIndex:
    """SHA-256 of files by path, each valid while the file's lstat key is the one stored.

    `source` and `target` each map a path to `[ino, size, mtime_ns, ctime_ns, sha256]`. The
    index is JSON-ready, so the migration record can store it between the passes.
    """

    source: dict[str, list[Any]] = field(default_factory=dict)
    target: dict[str, list[Any]] = field(default_factory=dict)

    @staticmethod
    def lookup(side: dict[str, list[Any]], path: str, node: Node | None) -> str | None:
        stored = side.get(path)
        if node is None or node.type != "file" or stored is None or stored[:4] != node.key:
            return None
        return str(stored[4])

    def as_json(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target}

    @classmethod
    def from_json(cls, document: dict[str, Any] | None) -> HashIndex:
        document = document or {}
        return cls(dict(document.get("source") or {}), dict(document.get("target") or {}))


@dataclass
class SyncResult:
    """The changes that one pass made on the target."""

    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    # Files sent again only because their stored hash could not be trusted, found unchanged.
    reread: list[str] = field(default_factory=list)
    bytes_sent: int = 0


def scan(root: Path, *, may_change: bool = False) -> dict[str, Node]:
    """Walk a tree with lstat and return each path relative to `root`, parents first ("" is the root).

    The walk opens each folder relative to its parent with O_NOFOLLOW and checks its inode, so
    a running service that swaps a folder for a symlink cannot lead it out of the volume. With
    `may_change`, a path that disappears or changes type during the walk is left out instead
    of failing it.
    """
    root_fd = _open_folder(root, None, may_change=False)
    assert root_fd is not None
    open_folders = [root_fd]
    try:
        nodes = {"": _node(os.fstat(root_fd), None, _read_xattrs(root_fd))}
        pending = [("", root_fd, iter(sorted(os.listdir(root_fd))))]
        while pending:
            folder, folder_fd, names = pending[-1]
            name = next(names, None)
            if name is None:
                pending.pop()
                open_folders.remove(folder_fd)
                os.close(folder_fd)
                continue
            path = f"{folder}/{name}" if folder else name
            node = _read_entry(root, folder_fd, name, path, may_change=may_change)
            if node is None:
                continue
            nodes[path] = node
            if node.type == "directory":
                child = _open_folder(name, folder_fd, may_change=may_change, inode=node.ino, shown=root / path)
                if child is not None:
                    open_folders.append(child)
                    pending.append((path, child, iter(sorted(os.listdir(child)))))
    except OSError as error:
        if isinstance(error, HostCopyError):
            raise
        raise _failed(root, "", "read the folder", error) from None
    finally:
        for descriptor in open_folders:
            os.close(descriptor)
    return dict(sorted(nodes.items(), key=lambda item: item[0].split("/") if item[0] else []))


def _open_folder(path: Path | str, parent_fd: int | None, *, may_change: bool, inode: int | None = None,
                 shown: Path | None = None) -> int | None:
    """Open a folder without following a symlink, and check that it is the inode the walk saw."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent_fd)
    except OSError as error:
        if may_change and error.errno in CHANGED_ERRORS:
            return None
        raise HostCopyError(error.errno, f"cannot read {shown or path}: {error.strerror}", "source") from None
    if inode is not None and os.fstat(descriptor).st_ino != inode:
        os.close(descriptor)
        if may_change:
            return None
        raise HostCopyError(errno.ESTALE, f"cannot read {shown or path}: it changed during the walk", "source")
    return descriptor


def _read_entry(root: Path, folder_fd: int, name: str, path: str, *, may_change: bool) -> Node | None:
    """Describe one entry of an open folder, or return None when it vanished during a walk that allows it."""
    try:
        info = os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        link = os.readlink(name, dir_fd=folder_fd) if stat.S_ISLNK(info.st_mode) else None
        # The folder's descriptor link in /proc leads to the folder itself, so only the last
        # component is looked up by name, and the xattr calls do not follow it.
        xattrs = _read_xattrs(f"/proc/self/fd/{folder_fd}/{name}")
    except OSError as error:
        if may_change and error.errno in CHANGED_ERRORS:
            return None
        raise HostCopyError(error.errno, f"cannot read {root / path}: {error.strerror}", "source") from None
    return _node(info, link, xattrs)


def read_node(path: Path, side: str = "source") -> Node:
    """Describe one path by its own name, for a tree that nothing else changes (the target)."""
    try:
        info = os.lstat(path)
        link = os.readlink(path) if stat.S_ISLNK(info.st_mode) else None
        xattrs = _read_xattrs(path)
    except OSError as error:
        raise HostCopyError(error.errno, f"cannot read {path}: {error.strerror}", side) from None
    return _node(info, link, xattrs)


def _node(info: os.stat_result, link: str | None, xattrs: tuple[tuple[str, str], ...]) -> Node:
    kind = _kind(info.st_mode)
    return Node(type=kind, mode=stat.S_IMODE(info.st_mode), uid=info.st_uid, gid=info.st_gid,
                size=info.st_size if kind == "file" else 0, mtime_ns=info.st_mtime_ns, ino=info.st_ino,
                ctime_ns=info.st_ctime_ns, nlink=info.st_nlink, rdev=info.st_rdev, link=link, xattrs=xattrs)


def sync(source: Path, target: Path, index: HashIndex, *, source_may_change: bool) -> SyncResult:
    """Make `target` a copy of `source`, sending only what differs, and update `index`.

    With `source_may_change` (the first pass, while the service runs), a file that changes
    while it is read gets no stored hash, so the next pass sends it again.
    """
    result = SyncResult()
    wanted = scan(source, may_change=source_may_change)
    present = scan(target)
    for path in _topmost([p for p, node in present.items() if p not in wanted or wanted[p].type != node.type]):
        _remove(target, path)
        result.deleted.append(path)
    present = {p: node for p, node in present.items() if p in wanted and wanted[p].type == node.type}
    writer = _Writer(source, target, index, source_may_change=source_may_change)
    for path, node in wanted.items():
        try:
            outcome = writer.bring(path, node, present.get(path))
        except HostCopyError as error:
            # A running service may delete or replace a file between the walk and its copy.
            # The final pass, with the service stopped, then copies what is there.
            if source_may_change and error.errno in CHANGED_ERRORS and error.side == "source":
                continue
            raise
        if outcome == CHANGED:
            result.changed.append(path)
        elif outcome == REREAD:
            result.reread.append(path)
    writer.finish()
    # A directory's time changes when anything inside it does, so directories get theirs last.
    changed_folders = {_parent(path) for path in [*result.changed, *result.deleted, *result.reread] if path}
    for path, node in reversed(wanted.items()):
        before = present.get(path)
        if node.type == "directory" and (path in changed_folders or before is None or before.mtime_ns != node.mtime_ns):
            _set_times(target, path, node)
    result.bytes_sent = writer.bytes_sent
    return result


def verify(source: Path, target: Path, index: HashIndex) -> tuple[list[str], int, int]:
    """Compare full manifests of both trees; return the differences, the path count and the file bytes.

    Hashes come from the index when a file's lstat key matches it, else the file is read.
    """
    wanted, present = scan(source), scan(target)
    problems = [f"{_shown(path)}: missing in the copy" for path in wanted if path not in present]
    problems += [f"{_shown(path)}: not in the source" for path in present if path not in wanted]
    source_links, target_links = _link_counts(wanted), _link_counts(present)
    for path in (p for p in wanted if p in present):
        mine = _manifest_entry(source, path, wanted[path], index.source, source_links)
        theirs = _manifest_entry(target, path, present[path], index.target, target_links)
        problems += [f"{_shown(path)}: {name}: {mine[name]!r} != {theirs.get(name)!r}"
                     for name in mine if mine[name] != theirs.get(name)]
    total = sum(node.size for node in wanted.values() if node.type == "file")
    return problems, len(wanted), total


def _link_counts(nodes: dict[str, Node]) -> Counter[int]:
    """Count the paths of each file inode within the tree.

    The volume's own count is compared, not st_nlink, because a link from outside the volume
    does not travel with it.
    """
    return Counter(node.ino for node in nodes.values() if node.type == "file")


def _manifest_entry(root: Path, path: str, node: Node, side: dict[str, list[Any]], links: Counter[int]) -> dict[str, Any]:
    entry = node.compared()
    if node.type == "file":
        entry["links"] = links[node.ino]
        digest = HashIndex.lookup(side, path, node)
        if digest is None:
            digest = _hash_file(root, path, node)
            side[path] = [*node.key, digest]
        entry["sha256"] = digest
    return entry


class _Writer:
    """Brings target paths up to date one by one, in parents-first order."""

    def __init__(self, source: Path, target: Path, index: HashIndex, *, source_may_change: bool) -> None:
        self.source, self.target, self.index = source, target, index
        self.source_may_change = source_may_change
        self.linked: dict[int, str] = {}  # source inode -> first target path written in this pass
        self.written: dict[str, str] = {}  # target path -> SHA-256 of the bytes written
        self.bytes_sent = 0

    def bring(self, path: str, node: Node, present: Node | None) -> str | None:
        """Update one path; return CHANGED, REREAD (sent again but found equal) or None."""
        if node.type == "file" and self._content_differs(path, node, present):
            previous = HashIndex.lookup(self.index.target, path, present)
            digest = self._write_file(path, node, present)
            same = present is not None and _metadata(present) == _metadata(node)
            return REREAD if same and digest == previous else CHANGED
        if node.type != "file" and not self._same_object(node, present):
            self._create(path, node, present)
        elif present is not None and _metadata(present) == _metadata(node):
            return None
        else:
            _apply_metadata(self.target, path, node)
            # Setting metadata changes the ctime, so the target's stored key is renewed.
            digest = HashIndex.lookup(self.index.target, path, present)
            if digest is not None:
                self.written[path] = digest
        return CHANGED

    def _content_differs(self, path: str, node: Node, present: Node | None) -> bool:
        if present is None or node.nlink > 1 and node.ino in self.linked:
            return True
        mine = HashIndex.lookup(self.index.source, path, node)
        return mine is None or mine != HashIndex.lookup(self.index.target, path, present)

    @staticmethod
    def _same_object(node: Node, present: Node | None) -> bool:
        if present is None:
            return False
        return (node.link, node.rdev) == (present.link, present.rdev) or node.type == "directory"

    def _create(self, path: str, node: Node, present: Node | None) -> None:
        destination = self.target / path
        if present is not None and node.type != "directory":
            _remove(self.target, path)
        try:
            if node.type == "directory":
                if present is None:
                    os.mkdir(destination, 0o700)
            elif node.type == "symlink":
                os.symlink(node.link or "", destination)
            else:
                os.mknod(destination, _NODE_TYPES[node.type] | 0o600, node.rdev)
        except OSError as error:
            raise _failed(self.target, path, f"create the {node.type}", error) from None
        _apply_metadata(self.target, path, node)

    def _write_file(self, path: str, node: Node, present: Node | None) -> str:
        """Write one file (or hard link) and return the SHA-256 of its content."""
        if present is not None:
            _remove(self.target, path)
        first = self.linked.get(node.ino) if node.nlink > 1 else None
        if first is not None:
            try:
                os.link(self.target / first, self.target / path)
            except OSError as error:
                raise _failed(self.target, path, "create the hard link", error) from None
            self.written[path] = self.written[first]
            if first in self.index.source:
                self.index.source[path] = [*node.key, self.written[first]]
            else:
                self.index.source.pop(path, None)
            return self.written[first]
        digest, complete = self._copy_content(path, node)
        if complete:
            self.index.source[path] = [*node.key, digest]
        else:
            self.index.source.pop(path, None)
        _apply_metadata(self.target, path, node)
        self.written[path] = digest
        if node.nlink > 1:
            self.linked[node.ino] = path
        return digest

    def _copy_content(self, path: str, node: Node) -> tuple[str, bool]:
        """Copy one file's bytes; return their SHA-256 and whether that hash may be stored."""
        started = time.time_ns()
        digest = hashlib.sha256()
        reader = open_checked(self.source, path, node)
        if self.source_may_change:
            _write_back(reader, self.source / path)
        try:
            with reader, open(self.target / path, "xb") as writer:
                os.fchmod(writer.fileno(), 0o600)
                while chunk := reader.read(CHUNK_BYTES):
                    digest.update(chunk)
                    writer.write(chunk)
                    self.bytes_sent += len(chunk)
        except OSError as error:
            raise _failed(self.target, path, "copy the file", error) from None
        try:
            after = os.lstat(self.source / path)
        except OSError as error:
            raise _failed(self.source, path, "read the file", error, side="source") from None
        unchanged = [after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns] == node.key
        racy = self.source_may_change and node.ctime_ns > started - RACY_NANOSECONDS
        return digest.hexdigest(), unchanged and not racy

    def finish(self) -> None:
        """Store the target's lstat key for each file written, now that no later step changes it."""
        # Adding a hard link changes the inode's ctime, so keys are read after every link exists.
        for path, digest in self.written.items():
            self.index.target[path] = [*read_node(self.target / path, "target").key, digest]


def _metadata(node: Node) -> tuple[Any, ...]:
    return node.mode, node.uid, node.gid, node.xattrs, node.mtime_ns if node.type != "directory" else None


def _apply_metadata(root: Path, path: str, node: Node) -> None:
    """Set owner, extended attributes, mode and (except for directories) times, in that order.

    chown clears the set-user-ID bits and `security.capability`, so it comes first. Setting
    an ACL sets the group bits of the mode, so chmod comes after the attributes.
    """
    destination = root / path
    try:
        os.chown(destination, node.uid, node.gid, follow_symlinks=False)
        _write_xattrs(destination, node.xattrs)
        if node.type != "symlink":
            os.chmod(destination, node.mode)
    except OSError as error:
        raise _failed(root, path, "set the owner, mode or extended attributes", error) from None
    if node.type != "directory":
        _set_times(root, path, node)


def _set_times(root: Path, path: str, node: Node) -> None:
    # The access time is not kept: reading the source for the copy changes it anyway.
    try:
        os.utime(_join(root, path), ns=(node.mtime_ns, node.mtime_ns), follow_symlinks=False)
    except OSError as error:
        raise _failed(root, path, "set the times", error) from None


def _read_xattrs(path: Path | str | int) -> tuple[tuple[str, str], ...]:
    """Return the extended attributes of a path (not following a symlink) or an open descriptor."""
    follow = isinstance(path, int)  # a descriptor refers to the file itself, so there is nothing to follow
    try:
        names = os.listxattr(path, follow_symlinks=follow)
    except OSError as error:
        if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return ()
        raise
    return tuple(sorted((name, os.getxattr(path, name, follow_symlinks=follow).hex()) for name in names))


def _write_xattrs(path: Path, xattrs: tuple[tuple[str, str], ...]) -> None:
    present = set(os.listxattr(path, follow_symlinks=False))
    wanted = dict(xattrs)
    for name in sorted(present - set(wanted)):
        os.removexattr(path, name, follow_symlinks=False)
    for name, value in sorted(wanted.items()):
        os.setxattr(path, name, bytes.fromhex(value), follow_symlinks=False)


def open_checked(root: Path, path: str, node: Node) -> BinaryIO:
    """Open a file of the walk for reading, and check that it is the inode the walk saw.

    O_NOFOLLOW rejects a symlink in the file's place. The inode check rejects a file reached
    through a folder that a running service has since swapped for a symlink. So no file
    outside the volume is read.
    """
    try:
        descriptor = os.open(root / path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as error:
        raise _failed(root, path, "read the file", error, side="source") from None
    found = os.fstat(descriptor)
    if (found.st_ino, found.st_dev) != (node.ino, os.stat(root).st_dev):
        os.close(descriptor)
        raise HostCopyError(errno.ESTALE, f"cannot read the file at {root / path}: it changed during the copy", "source")
    return os.fdopen(descriptor, "rb")


def _write_back(reader: BinaryIO, path: Path) -> None:
    """Write the file's dirty pages to disk, so the next write through a memory map updates its times.

    A store into a page of a shared memory map that is already dirty changes neither mtime nor
    ctime until the kernel writes the page back, which by default happens up to about 35
    seconds later (vm.dirty_expire_centisecs and vm.dirty_writeback_centisecs). Writing back
    first makes such a store fault and update the times, so the lstat key detects the change.
    """
    try:
        os.fsync(reader.fileno())
    except OSError as error:
        raise HostCopyError(error.errno, f"cannot write back {path}: {error.strerror}", "source") from None


def _hash_file(root: Path, path: str, node: Node) -> str:
    digest = hashlib.sha256()
    try:
        with open_checked(root, path, node) as reader:
            while chunk := reader.read(CHUNK_BYTES):
                digest.update(chunk)
    except HostCopyError:
        raise
    except OSError as error:
        raise _failed(root, path, "read the file", error) from None
    return digest.hexdigest()


def _remove(root: Path, path: str) -> None:
    destination = root / path
    try:
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)
        else:
            destination.unlink()
    except OSError as error:
        raise _failed(root, path, "remove the old copy", error) from None


def _topmost(paths: list[str]) -> list[str]:
    """Return the paths that are not inside another path of the list."""
    chosen: list[str] = []
    for path in sorted(paths, key=lambda item: item.split("/")):
        if not chosen or not path.startswith(f"{chosen[-1]}/"):
            chosen.append(path)
    return chosen


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def _kind(mode: int) -> str:
    return next((name for test, name in _TYPES if test(mode)), "unknown")


def _join(root: Path, path: str) -> Path:
    return root / path if path else root


def _failed(root: Path, path: str, action: str, error: OSError, side: str = "target") -> HostCopyError:
    return HostCopyError(error.errno, f"cannot {action} at {_join(root, path)}: {error.strerror}", side)


def _shown(path: str) -> str:
    return path or "(volume root)"
