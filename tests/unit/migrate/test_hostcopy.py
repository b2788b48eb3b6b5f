"""Copying a volume's folder on this machine: every entry type and attribute, and the final pass."""

from __future__ import annotations

import json
import mmap
import os
import socket
import stat
import struct
import time
from pathlib import Path

import pytest

from crank_cli.operations.migrate import hostcopy
from crank_cli.operations.migrate.hostcopy import HashIndex, scan, sync, verify

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="keeping owners and making device nodes needs root")

BIG_BYTES = 3 * hostcopy.CHUNK_BYTES + 17
OLD_NS = 1_600_000_000_123_456_789


def posix_acl(*entries: tuple[int, int, int]) -> bytes:
    """Encode a POSIX ACL as the kernel stores it in `system.posix_acl_access` (version 2)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, qualifier) for tag, perm, qualifier in entries)


# VFS_CAP_REVISION_2 with the effective flag, permitting CAP_NET_BIND_SERVICE (bit 10).
FILE_CAPABILITY = struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0)
NO_ID = 0xFFFFFFFF
# user::rw-, user:1234:r--, group::r--, mask::r--, other::---
ACL = posix_acl((0x01, 6, NO_ID), (0x02, 4, 1234), (0x04, 4, NO_ID), (0x10, 4, NO_ID), (0x20, 0, NO_ID))


def fill(root: Path) -> None:
    """Make one of each entry type, with owners, modes, attributes and old times."""
    (root / "docs" / "deep").mkdir(parents=True)
    (root / "big").write_bytes(os.urandom(BIG_BYTES))
    (root / "docs" / "secret").write_text("secret\n")
    os.chown(root / "docs" / "secret", 1000, 1000)
    os.chmod(root / "docs" / "secret", 0o600)
    (root / "tool").write_text("tool\n")
    os.chmod(root / "tool", 0o4755)
    os.chown(root / "docs" / "deep", 2000, 3000)
    os.chmod(root / "docs" / "deep", 0o2770)
    os.link(root / "docs" / "secret", root / "hard-link")
    os.symlink("docs/secret", root / "link")
    os.symlink("/nowhere", root / "dangling")
    os.mkfifo(root / "fifo", 0o640)
    os.mknod(root / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(root / "socket"))
    os.chown(root / "socket", 33, 33)
    os.setxattr(root / "tool", "user.origin", b"built here")
    os.setxattr(root / "tool", "security.capability", FILE_CAPABILITY)
    os.setxattr(root / "docs" / "secret", "system.posix_acl_access", ACL)
    os.setxattr(root / "docs", "user.empty", b"")
    for path in (root / "big", root / "docs" / "secret", root / "tool"):
        os.utime(path, ns=(OLD_NS, OLD_NS))
    os.utime(root / "link", ns=(OLD_NS, OLD_NS + 1), follow_symlinks=False)
    for folder in (root / "docs" / "deep", root / "docs", root):
        os.utime(folder, ns=(OLD_NS, OLD_NS + 2))


@pytest.fixture
def trees(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    fill(source)
    return source, target


def test_first_pass_copies_every_kind(trees: tuple[Path, Path]) -> None:
    source, target = trees
    index = HashIndex()

    result = sync(source, target, index, source_may_change=False)
    problems, paths, total = verify(source, target, index)

    assert problems == []
    assert paths == len(scan(source)) == 12
    assert total == BIG_BYTES + len("secret\n") * 2 + len("tool\n")
    assert result.bytes_sent == BIG_BYTES + len("secret\n") + len("tool\n")
    secret = os.lstat(target / "docs" / "secret")
    assert (secret.st_uid, secret.st_gid, stat.S_IMODE(secret.st_mode)) == (1000, 1000, 0o640)
    assert secret.st_ino == os.lstat(target / "hard-link").st_ino
    assert os.getxattr(target / "docs" / "secret", "system.posix_acl_access") == ACL
    assert os.getxattr(target / "tool", "user.origin") == b"built here"
    assert os.getxattr(target / "tool", "security.capability") == FILE_CAPABILITY
    assert stat.S_IMODE(os.lstat(target / "tool").st_mode) == 0o4755
    assert os.readlink(target / "dangling") == "/nowhere"
    assert os.lstat(target / "link").st_mtime_ns == OLD_NS + 1
    assert os.lstat(target / "docs" / "deep").st_mtime_ns == OLD_NS + 2
    assert os.lstat(target).st_mtime_ns == OLD_NS + 2
    assert stat.S_ISFIFO(os.lstat(target / "fifo").st_mode)
    assert os.lstat(target / "null").st_rdev == os.makedev(1, 3)
    assert stat.S_ISSOCK(os.lstat(target / "socket").st_mode)
    assert os.lstat(target / "socket").st_uid == 33


def test_final_pass_sends_only_changes(trees: tuple[Path, Path]) -> None:
    source, target = trees
    index = HashIndex()
    sync(source, target, index, source_may_change=False)
    (source / "docs" / "deep" / "new").write_text("new\n")
    (source / "tool").unlink()
    os.setxattr(source / "dangling", "trusted.note", b"x", follow_symlinks=False)

    result = sync(source, target, index, source_may_change=False)
    problems, _, _ = verify(source, target, index)

    assert problems == []
    assert result.deleted == ["tool"]
    assert result.changed == ["dangling", "docs/deep/new"]
    assert result.bytes_sent == len("new\n")


def test_unchanged_volume_reads_no_file(trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = trees
    index = HashIndex.from_json(HashIndex().as_json())
    sync(source, target, index, source_may_change=False)
    stored = HashIndex.from_json(index.as_json())

    def no_read(root: Path, path: str, node: hostcopy.Node) -> str:
        raise AssertionError(f"{root / path} was read again")

    monkeypatch.setattr(hostcopy, "_hash_file", no_read)
    result = sync(source, target, stored, source_may_change=False)

    assert result.changed == []
    assert result.deleted == []
    assert result.bytes_sent == 0
    assert verify(source, target, stored)[0] == []


def test_recent_files_get_no_stored_hash(trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = trees
    index = HashIndex()

    # The fixture wrote every file less than RACY_NANOSECONDS ago, so another write in the
    # same clock tick could go unseen. The next pass must not trust any of the hashes.
    first = sync(source, target, index, source_may_change=True)
    final = sync(source, target, index, source_may_change=False)
    problems = verify(source, target, index)[0]
    monkeypatch.setattr(hostcopy, "RACY_NANOSECONDS", 0)
    settled = HashIndex()
    other = target.parent / "other"
    other.mkdir()
    sync(source, other, settled, source_may_change=True)

    assert problems == []
    assert first.bytes_sent == final.bytes_sent == BIG_BYTES + len("secret\n") + len("tool\n")
    assert set(settled.source) == {"big", "docs/secret", "hard-link", "tool"}


def test_verify_reports_a_changed_copy(trees: tuple[Path, Path]) -> None:
    source, target = trees
    index = HashIndex()
    sync(source, target, index, source_may_change=False)
    (target / "big").write_bytes(b"other")
    os.chmod(target / "docs" / "deep", 0o700)
    os.removexattr(target / "tool", "user.origin")

    problems, _, _ = verify(source, target, index)

    assert any(problem.startswith("big: size:") for problem in problems)
    assert any(problem.startswith("big: sha256:") for problem in problems)
    assert "docs/deep: mode: '0o2770' != '0o700'" in problems
    assert any(problem.startswith("tool: xattrs:") for problem in problems)


def test_type_change_replaces_the_path(trees: tuple[Path, Path]) -> None:
    source, target = trees
    index = HashIndex()
    sync(source, target, index, source_may_change=False)
    (source / "big").unlink()
    (source / "big").mkdir()
    (source / "big" / "inside").write_text("inside\n")
    for entry in ("deep",):
        os.rename(source / "docs" / entry, source / f"moved-{entry}")

    result = sync(source, target, index, source_may_change=False)

    assert verify(source, target, index)[0] == []
    assert result.deleted == ["big", "docs/deep"]
    assert (target / "big" / "inside").read_text() == "inside\n"
    assert not (target / "docs" / "deep").exists()


def test_vanished_source_file_is_skipped(trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = trees
    real_scan = hostcopy.scan
    victims = [source / "big", source / "tool"]

    def scan_then_delete(root: Path, *, may_change: bool = False) -> dict[str, hostcopy.Node]:
        nodes = real_scan(root, may_change=may_change)
        if root == source:
            victims.pop(0).unlink()
        return nodes

    monkeypatch.setattr(hostcopy, "scan", scan_then_delete)
    result = sync(source, target, HashIndex(), source_may_change=True)

    assert "big" not in result.changed
    assert not (target / "big").exists()
    with pytest.raises(hostcopy.HostCopyError, match="cannot read the file at .*/source/tool"):
        sync(source, target, HashIndex(), source_may_change=False)


def test_reversed_index_sends_only_changes_back(trees: tuple[Path, Path]) -> None:
    source, target = trees
    index = HashIndex()
    sync(source, target, index, source_may_change=False)
    (target / "docs" / "new").write_text("new\n")

    # A rollback copies the target back into the source folder with the sides swapped.
    back = HashIndex(source=index.target, target=index.source)
    result = sync(target, source, back, source_may_change=False)

    assert result.changed == ["docs/new"]
    assert result.bytes_sent == len("new\n")
    assert verify(target, source, back)[0] == []


def test_symlink_swapped_in_is_not_followed(trees: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = trees
    outside = source.parent / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret").write_text("host secret\n")
    (outside / "big").write_text("host file\n")
    real_scan = hostcopy.scan

    def scan_then_swap(root: Path, *, may_change: bool = False) -> dict[str, hostcopy.Node]:
        nodes = real_scan(root, may_change=may_change)
        if root == source:
            # What a service running on the source could do between the walk and the copy.
            (source / "big").unlink()
            os.symlink(outside / "big", source / "big")
            os.rename(source / "docs", source / "docs-old")
            os.symlink(outside, source / "docs")
        return nodes

    monkeypatch.setattr(hostcopy, "scan", scan_then_swap)
    result = sync(source, target, HashIndex(), source_may_change=True)

    assert "big" not in result.changed
    assert "docs/secret" not in result.changed
    assert not (target / "big").exists()
    assert not (target / "docs" / "secret").exists()


def test_walk_does_not_follow_symlinked_folder(tmp_path: Path) -> None:
    root = tmp_path / "volume"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "file").write_text("host file\n")
    os.symlink(tmp_path / "outside", root / "folder")

    nodes = scan(root)

    assert set(nodes) == {"", "folder"}
    assert nodes["folder"].type == "symlink"


def test_links_counted_within_the_volume(trees: tuple[Path, Path]) -> None:
    source, target = trees
    os.link(source / "tool", source.parent / "link-outside-the-volume")
    index = HashIndex()
    sync(source, target, index, source_may_change=False)

    assert verify(source, target, index)[0] == []
    os.unlink(target / "hard-link")
    (target / "hard-link").write_text("secret\n")
    problems = verify(source, target, index)[0]
    assert "hard-link: links: 2 != 1" in problems
    assert "docs/secret: links: 2 != 1" in problems


def test_odd_names_survive_stored_index(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    names = ["new\nline", os.fsdecode(b"latin-1 \xe9"), "-starts-with-dash", " space "]
    for name in names:
        (source / name).write_bytes(os.fsencode(name))
    index = HashIndex()
    sync(source, target, index, source_may_change=False)

    stored = HashIndex.from_json(json.loads(json.dumps(index.as_json())))
    result = sync(source, target, stored, source_may_change=False)

    assert sorted(os.listdir(target)) == sorted(names)
    assert result.changed == []
    assert result.bytes_sent == 0
    assert verify(source, target, stored)[0] == []


def test_store_through_memory_map_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    source.mkdir()
    target.mkdir()
    database = source / "database"
    database.write_bytes(b"a" * mmap.PAGESIZE)
    monkeypatch.setattr(hostcopy, "RACY_NANOSECONDS", 0)
    index = HashIndex()
    with open(database, "r+b") as stream, mmap.mmap(stream.fileno(), mmap.PAGESIZE) as mapped:
        mapped[0:1] = b"b"  # the page is dirty now, as a database's pages often are
        sync(source, target, index, source_may_change=True)
        time.sleep(0.05)  # past the coarse clock's tick
        mapped[1:2] = b"c"  # a store into the same page after the first pass read it

        result = sync(source, target, index, source_may_change=False)

    assert result.changed == ["database"]
    assert (target / "database").read_bytes()[:3] == b"bca"
    assert verify(source, target, index)[0] == []
