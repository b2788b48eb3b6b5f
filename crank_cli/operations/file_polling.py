"""Notice file changes under folders by polling `os.scandir` and `os.lstat`, with no dependency.

Each poll reads every entry under the watched roots and compares it with the previous poll.
It reports a file that is new or whose size, modification time, inode or type changed, and
a new folder or symbolic link. A folder is not reported when only its content
changes, because its entries are. Of the paths that disappeared, only the topmost are
reported, so a removed folder is one change, not one per file it held.

Polling costs one `lstat` per entry and poll, which suits source trees; `prune` keeps whole
folders, such as `node_modules` when every rule ignores it, out of the scan.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

# The record a poll keeps of an entry: its type, and for a file its size, modification time and inode.
Stamp = tuple[object, ...]


class TreePoller:
    """The entries under a set of roots, and what changed between two polls."""

    def __init__(self, roots: Iterable[str], prune: Callable[[str], bool] | None = None) -> None:
        self.roots = _outermost(os.path.abspath(root) for root in roots)
        self.prune = prune or (lambda path: False)
        self.snapshot = self.scan()

    def scan(self) -> dict[str, Stamp]:
        """Return the stamp of every entry under the roots, the roots included when they exist."""
        found: dict[str, Stamp] = {}
        for root in self.roots:
            stamp = _stamp(root)
            if stamp is None:
                continue
            found[root] = stamp
            if stamp[0] == "d":
                self._walk(root, found)
        return found

    def _walk(self, folder: str, found: dict[str, Stamp]) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            # The folder was removed or became unreadable since it was listed, so the next poll reads what is there.
            return
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            stamp = _stamp_of(info)
            if stamp[0] == "d":
                if self.prune(entry.path):
                    continue
                found[entry.path] = stamp
                self._walk(entry.path, found)
            else:
                found[entry.path] = stamp

    def poll(self) -> list[str]:
        """Scan again and return the paths created, changed or removed since the last poll, sorted."""
        current = self.scan()
        changed = [path for path, stamp in current.items() if _differs(self.snapshot.get(path), stamp)]
        removed = [path for path in self.snapshot if path not in current]
        self.snapshot = current
        return sorted({*changed, *topmost(removed)})


def _differs(before: Stamp | None, now: Stamp) -> bool:
    if before is None:
        return True
    if now[0] == "d":
        # A folder's own time changes with every entry made in it; the entries are reported.
        return before[0] != "d"
    return before != now


def _stamp(path: str) -> Stamp | None:
    try:
        return _stamp_of(os.lstat(path))
    except OSError:
        return None


def _stamp_of(info: os.stat_result) -> Stamp:
    import stat

    if stat.S_ISDIR(info.st_mode):
        return ("d",)
    kind = "l" if stat.S_ISLNK(info.st_mode) else "f"
    return (kind, info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode)


def topmost(paths: Iterable[str]) -> list[str]:
    """Return the paths that are not inside another of the paths."""
    result: list[str] = []
    # Sorted by components, a folder's content comes right after it ("/a", "/a/c", "/a-b").
    for path in sorted(set(paths), key=lambda path: path.split("/")):
        if not result or not is_within(path, result[-1]):
            result.append(path)
    return result


def _outermost(roots: Iterable[str]) -> list[str]:
    return topmost(roots)


def is_within(path: str, folder: str) -> bool:
    """Tell whether `path` is `folder` or inside it; both absolute and normalized."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")
