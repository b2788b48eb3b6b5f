"""Checksum manifests built from tar streams, and their comparison."""

from __future__ import annotations

import io
import tarfile

from crank_cli.operations.migrate.manifest import (
    changes,
    compare,
    normalize_path,
    read_tar_stream,
    subset,
    with_ancestors,
)


def archive(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, content in members:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    buffer.seek(0)
    return buffer


def member(name: str, kind: bytes = tarfile.REGTYPE, *, content: bytes = b"", mode: int = 0o644, uid: int = 0,
           gid: int = 0, link: str = "", mtime: float = 1_700_000_000, xattrs: dict[str, str] | None = None,
           ) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode, info.uid, info.gid, info.mtime, info.linkname = mode, uid, gid, mtime, link
    info.size = len(content) if kind == tarfile.REGTYPE else 0
    info.pax_headers = {f"SCHILY.xattr.{key}": value for key, value in (xattrs or {}).items()}
    return info, content if kind == tarfile.REGTYPE else None


def sample(**changes: object) -> list[tuple[tarfile.TarInfo, bytes | None]]:
    members = [
        member("./", tarfile.DIRTYPE, mode=0o755),
        member("./docs/", tarfile.DIRTYPE, mode=0o2770, uid=2000, gid=3000),
        member("./docs/secret", content=b"secret", mode=0o600, uid=1000, gid=1000, xattrs={"user.tag": "x"}),
        member("./link", tarfile.SYMTYPE, link="docs/secret", mode=0o777),
        member("./hard", tarfile.LNKTYPE, link="./docs/secret"),
        member("./pipe", tarfile.FIFOTYPE),
    ]
    for info, _ in members:
        for key, value in changes.get(info.name, {}).items():  # type: ignore[attr-defined]
            setattr(info, key, value)
    return members


def test_manifest_records_every_field() -> None:
    manifest = read_tar_stream(archive(sample()))

    assert sorted(manifest.entries) == ["", "docs", "docs/secret", "hard", "link", "pipe"]
    secret = manifest.entries["docs/secret"]
    assert (secret.type, secret.mode, secret.uid, secret.gid, secret.size) == ("file", 0o600, 1000, 1000, 6)
    assert secret.sha256 == "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
    assert secret.xattrs == {"user.tag": "x"}
    assert manifest.entries["link"].link == "docs/secret"
    assert manifest.entries["pipe"].type == "fifo"
    assert manifest.total_bytes == 12


def test_hard_link_counts_as_linked_file() -> None:
    manifest = read_tar_stream(archive(sample()))
    assert manifest.entries["hard"] == manifest.entries["docs/secret"]


def test_identical_archives_compare_equal() -> None:
    first = read_tar_stream(archive(sample()))
    second = read_tar_stream(archive(sample()))
    assert compare(first, second, mtime_types=("file", "directory", "symlink"), xattrs=True) == []


def test_compare_names_each_difference() -> None:
    source = read_tar_stream(archive(sample()))
    changed = sample(**{"./docs/secret": {"uid": 0}, "./link": {"linkname": "elsewhere"}})
    copy = read_tar_stream(archive(changed[:-1]))

    problems = compare(source, copy, mtime_types=("file",), xattrs=False)

    assert problems == [
        "pipe: missing in the copy",
        "docs/secret: uid: 1000 != 0",
        "hard: uid: 1000 != 0",
        "link: link: 'docs/secret' != 'elsewhere'",
    ]


def test_content_change_shows_in_checksum() -> None:
    source = read_tar_stream(archive([member("a", content=b"one")]))
    copy = read_tar_stream(archive([member("a", content=b"two")]))
    problems = compare(source, copy, mtime_types=(), xattrs=False)
    assert len(problems) == 1
    assert problems[0].startswith("a: sha256: ")


def test_mtime_and_xattrs_compared_only_when_kept() -> None:
    source = read_tar_stream(archive([member("d/", tarfile.DIRTYPE, mtime=1), member("f", xattrs={"user.a": "1"})]))
    copy = read_tar_stream(archive([member("d/", tarfile.DIRTYPE, mtime=2), member("f")]))

    assert compare(source, copy, mtime_types=("file",), xattrs=False) == []
    assert compare(source, copy, mtime_types=("file", "directory"), xattrs=True) == [
        "d: mtime: 1.0 != 2.0",
        "f: xattrs: {'user.a': '1'} != {}",
    ]


def test_reader_consumes_whole_stream() -> None:
    stream = archive([member("a", content=b"x")])
    read_tar_stream(stream)
    assert stream.read() == b""


def test_normalize_path_forms() -> None:
    assert normalize_path("./") == ""
    assert normalize_path(".") == ""
    assert normalize_path("./a/b/") == "a/b"
    assert normalize_path("a//b") == "a/b"


def test_changes_lists_paths_to_send_and_delete() -> None:
    before = read_tar_stream(archive([
        member("./", tarfile.DIRTYPE), member("same", content=b"1"), member("edited", content=b"1"),
        member("gone/", tarfile.DIRTYPE), member("gone/inner", content=b"1"), member("retyped", content=b"1"),
        member("touched", content=b"1", mtime=1),
    ]))
    now = read_tar_stream(archive([
        member("./", tarfile.DIRTYPE), member("same", content=b"1"), member("edited", content=b"2"),
        member("retyped/", tarfile.DIRTYPE), member("new", content=b"3"), member("touched", content=b"1", mtime=2),
    ]))

    changed, deleted = changes(before, now, mtime_types=("file",), xattrs=False)

    assert changed == ["edited", "new", "retyped", "touched"]
    assert deleted == ["gone", "retyped"]


def test_changes_empty_for_identical_manifests() -> None:
    first = read_tar_stream(archive(sample()))
    assert changes(first, read_tar_stream(archive(sample())), mtime_types=("file",), xattrs=True) == ([], [])


def test_with_ancestors_adds_directories_in_order() -> None:
    present = read_tar_stream(archive(sample()))
    assert with_ancestors(["docs/secret", "pipe"], present) == ["", "docs", "docs/secret", "pipe"]


def test_with_ancestors_skips_deleted_paths() -> None:
    present = read_tar_stream(archive(sample()))
    assert with_ancestors(["docs/gone/file"], present) == ["", "docs"]


def test_subset_keeps_only_named_paths() -> None:
    present = read_tar_stream(archive(sample()))
    assert sorted(subset(present, ["link", "missing"]).entries) == ["link"]
