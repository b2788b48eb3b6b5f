"""The parse cache: a record replaces the YAML parse only while the compose text is unchanged."""

from __future__ import annotations

import inspect
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crank_cli.compose import layers, parse_cache, yaml_reader
from crank_cli.compose.tags import Override, Reset
from crank_cli.errors import InvalidProjectError

TEXT = """\
x-defaults: &defaults
  restart: always
  environment:
    TOKEN: s3cret
services:
  web:
    <<: *defaults
    image: nginx
    ports: ["8080:80"]
    healthcheck:
      disable: true
    cpus: 0.5
    sysctls:
      big: 18446744073709551615
    labels:
      nothing: null
      inf: .inf
  db:
    <<: *defaults
    image: postgres
---
name: second
"""


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the folder of the records, below a fresh XDG_CACHE_HOME."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "crank" / "compose"


@pytest.fixture
def compose_file(tmp_path: Path) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(TEXT)
    return path


class CountingParser:
    """Stand-in for `yaml_reader.load_documents` that counts calls and can be made to fail."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.fail = False
        self.parse = yaml_reader.load_documents
        monkeypatch.setattr(yaml_reader, "load_documents", self)

    def __call__(self, text: str, source: Path | str) -> list[Any]:
        self.calls += 1
        if self.fail:
            raise AssertionError("the YAML parser ran on a cache hit")
        return self.parse(text, source)


def records(directory: Path) -> list[Path]:
    return sorted(directory.glob("*")) if directory.is_dir() else []


def only_record(directory: Path) -> Path:
    [record] = records(directory)
    return record


def test_second_load_reads_record(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = CountingParser(monkeypatch)
    first = parse_cache.load_documents(TEXT, compose_file)
    assert parser.calls == 1
    assert only_record(cache_home).name.endswith(".json")

    parser.fail = True
    second = parse_cache.load_documents(TEXT, compose_file)
    assert second == first
    assert second == parser.parse(TEXT, compose_file)
    assert parser.calls == 1


def test_hit_keeps_scalar_types(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    web = parse_cache.load_documents(TEXT, compose_file)[0]["services"]["web"]
    assert type(web["cpus"]) is float
    assert type(web["healthcheck"]["disable"]) is bool
    assert web["sysctls"]["big"] == 2**64 - 1
    assert web["labels"]["nothing"] is None
    assert web["labels"]["inf"] == math.inf
    assert list(web) == ["restart", "environment", "image", "ports", "healthcheck", "cpus", "sysctls", "labels"]


def test_hit_returns_fresh_copies(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    first = parse_cache.load_documents(TEXT, compose_file)
    first[0]["services"].clear()
    assert parse_cache.load_documents(TEXT, compose_file)[0]["services"]


def test_changed_text_reparses(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = CountingParser(monkeypatch)
    parse_cache.load_documents(TEXT, compose_file)
    changed = TEXT.replace("image: nginx", "image: httpd")

    documents = parse_cache.load_documents(changed, compose_file)
    assert parser.calls == 2
    assert documents[0]["services"]["web"]["image"] == "httpd"
    assert json.loads(only_record(cache_home).read_text())["text"] == changed


def test_record_documents_are_used(cache_home: Path, compose_file: Path) -> None:
    """An edited record is returned as it is, which shows that a hit skips the parser."""
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record = json.loads(record_path.read_text())
    record["documents"] = [{"from": "record"}]
    record_path.write_text(json.dumps(record))

    assert parse_cache.load_documents(TEXT, compose_file) == [{"from": "record"}]


@pytest.mark.parametrize("field", ["format", "reader", "pyyaml"])
def test_changed_fingerprint_reparses(cache_home: Path, compose_file: Path, field: str) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record = json.loads(record_path.read_text())
    record["documents"] = [{"from": "record"}]
    record[field] = [0] if field != "format" else 0
    record_path.write_text(json.dumps(record))

    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)


def test_touched_reader_reparses(cache_home: Path, compose_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader_copy = tmp_path / "yaml_reader.py"
    reader_copy.write_text("# a stand-in whose time and size count, not its text\n")
    monkeypatch.setattr(parse_cache, "_READER_PATH", str(reader_copy))
    parser = CountingParser(monkeypatch)
    parse_cache.load_documents(TEXT, compose_file)
    parse_cache.load_documents(TEXT, compose_file)
    assert parser.calls == 1

    status = reader_copy.stat()
    os.utime(reader_copy, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    parse_cache.load_documents(TEXT, compose_file)
    assert parser.calls == 2


def test_changed_version_reparses(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = CountingParser(monkeypatch)
    parse_cache.load_documents(TEXT, compose_file)
    monkeypatch.setattr(parse_cache.crank_cli, "__version__", "0.0.0-test")
    parse_cache.load_documents(TEXT, compose_file)
    assert parser.calls == 2


@pytest.mark.parametrize(
    "text",
    ["services:\n  web: !reset null\n", "services:\n  web: !override\n    image: nginx\n", "x: [1, !reset 2]\n"],
    ids=["reset", "override", "reset in list"],
)
def test_merge_tags_leave_no_record(cache_home: Path, compose_file: Path, text: str) -> None:
    documents = parse_cache.load_documents(text, compose_file)
    assert records(cache_home) == []
    assert documents == yaml_reader.load_documents(text, compose_file)
    assert any(isinstance(value, (Reset, Override)) for value in _values(documents))


def _values(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [value for item in tree.values() for value in [item, *_values(item)]]
    if isinstance(tree, list):
        return [value for item in tree for value in [item, *_values(item)]]
    if isinstance(tree, (Reset, Override)):
        return _values(tree.value)
    return []


@pytest.mark.parametrize(
    "text",
    ["services: {web: 1}\nservices: {db: 1}\n", "a: [1\n", "when: 2024-01-01\n"],
    ids=["duplicate key", "unclosed list", "unquoted date"],
)
def test_yaml_error_raised_twice(cache_home: Path, compose_file: Path, text: str) -> None:
    with pytest.raises(InvalidProjectError) as expected:
        yaml_reader.load_documents(text, compose_file)
    for _ in range(2):
        with pytest.raises(InvalidProjectError) as raised:
            parse_cache.load_documents(text, compose_file)
        assert raised.value.message == expected.value.message
        assert raised.value.__cause__ is None
    assert records(cache_home) == []


def test_recursive_alias_leaves_no_record(cache_home: Path, compose_file: Path) -> None:
    # PyYAML builds a recursive list only at the top level: inside a mapping it raises.
    documents = parse_cache.load_documents("&a [*a]\n", compose_file)
    assert documents[0][0] is documents[0]
    assert records(cache_home) == []


def test_large_alias_expansion_not_cached(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_cache, "_EXPANSION_ALLOWANCE", 0)
    # Four levels of ten aliases describe 10,000 strings in 178 characters.
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]\n"
        for previous, name in [("a", "b"), ("b", "c"), ("c", "d")]
    )
    documents = parse_cache.load_documents(text, compose_file)
    assert len(documents[0]["d"]) == 10
    assert records(cache_home) == []


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"format": 1', b"\xff\xfe\x00", b'{"format": 1, "text": 3}', b"[" * 100_000],
    ids=["empty", "not JSON", "list", "truncated", "not UTF-8", "wrong types", "deep nesting"],
)
def test_corrupt_record_is_ignored(cache_home: Path, compose_file: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record_path.write_bytes(content)

    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)
    assert json.loads(record_path.read_text())["text"] == TEXT
    assert capsys.readouterr() == ("", "")


def test_non_list_documents_ignored(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record = json.loads(record_path.read_text())
    record["documents"] = {"services": {}}
    record_path.write_text(json.dumps(record))

    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)


def test_record_of_other_user_is_ignored(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record = json.loads(record_path.read_text())
    record["documents"] = [{"from": "record"}]
    record_path.write_text(json.dumps(record))
    assert parse_cache.load_documents(TEXT, compose_file) == [{"from": "record"}]

    monkeypatch.setattr(os, "getuid", lambda: record_path.stat().st_uid + 1)
    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)


def test_fifo_in_place_of_record_is_ignored(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record_path.unlink()
    os.mkfifo(record_path)

    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)


def test_unwritable_cache_still_loads(tmp_path: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # A file where the folder should be fails for every user, root included.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))

    for _ in range(2):
        assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)
    assert blocker.read_text() == ""
    assert capsys.readouterr() == ("", "")


def test_failed_write_removes_temporary_file(cache_home: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(source: str, target: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", fail)
    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)
    assert records(cache_home) == []


def test_leftover_temporary_file_skips_write(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    record_path = only_record(cache_home)
    record_path.unlink()
    leftover = cache_home / f".{record_path.name}.{os.getpid()}.tmp"
    leftover.write_text("partial")

    assert parse_cache.load_documents(TEXT, compose_file) == yaml_reader.load_documents(TEXT, compose_file)
    assert records(cache_home) == [leftover]
    assert leftover.read_text() == "partial"


def test_record_and_folder_modes(cache_home: Path, compose_file: Path) -> None:
    parse_cache.load_documents(TEXT, compose_file)
    assert cache_home.stat().st_mode & 0o777 == 0o700
    assert only_record(cache_home).stat().st_mode & 0o777 == 0o600


def test_relative_cache_home_uses_home(tmp_path: Path, compose_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py sends this case to a temporary folder, so this test undoes that.
    monkeypatch.setattr(parse_cache, "cache_directory", inspect.unwrap(parse_cache.cache_directory))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    parse_cache.load_documents(TEXT, compose_file)
    assert len(records(tmp_path / "home" / ".cache" / "crank" / "compose")) == 1


def test_record_named_by_absolute_path(cache_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    parse_cache.load_documents(TEXT, Path("a.yaml"))
    parse_cache.load_documents(TEXT, tmp_path / "b.yaml")
    parse_cache.load_documents(TEXT, tmp_path / "a.yaml")
    assert len(records(cache_home)) == 2


def test_string_source_is_used_as_given(cache_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parser = CountingParser(monkeypatch)
    for _ in range(2):
        assert parse_cache.load_documents(TEXT, "-") == parser.parse(TEXT, "-")
    assert parser.calls == 1
    assert len(records(cache_home)) == 1


def test_layers_read_through_cache(cache_home: Path, compose_file: Path) -> None:
    documents = layers.read_documents(compose_file)
    assert json.loads(only_record(cache_home).read_text())["documents"] == documents


HIT_CHECK = """\
import json, sys
from crank_cli.compose.parse_cache import load_documents
path = sys.argv[1]
with open(path) as file:
    text = file.read()
first = load_documents(text, path)
second = load_documents(text, path)
print(json.dumps({"yaml": "yaml" in sys.modules,
                  "yaml_reader": "crank_cli.compose.yaml_reader" in sys.modules,
                  "equal": first == second}))
"""


def test_hit_imports_no_yaml(cache_home: Path, compose_file: Path) -> None:
    def run() -> dict[str, bool]:
        result = subprocess.run([sys.executable, "-c", HIT_CHECK, str(compose_file)],
                                capture_output=True, text=True, check=True, timeout=60)
        return json.loads(result.stdout)

    assert run() == {"yaml": True, "yaml_reader": True, "equal": True}
    assert run() == {"yaml": False, "yaml_reader": False, "equal": True}
