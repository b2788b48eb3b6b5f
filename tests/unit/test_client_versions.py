"""The Podman client's remembered version: when a probe is skipped, and when it is not."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from crank_cli import client_versions, early_probe, process
from crank_cli.errors import EngineError
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import PODMAN_UP, FakeRunner


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put an executable `podman` file first on PATH; the fake runner replies in its place."""
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "podman"
    program.write_text("#!/bin/sh\nexit 1\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("CONTAINER_CONNECTION", raising=False)
    return program


def version_calls(runner: FakeRunner) -> int:
    return sum(1 for call in runner.calls if call[1:2] == ["version"])


def test_second_probe_uses_remembered_version(client: Path) -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP})

    first = PodmanEngine(runner=runner).probe()
    second = PodmanEngine(runner=runner).probe()

    assert first.usable and second.usable
    assert second.version == "4.3.1"
    assert version_calls(runner) == 1


def test_fresh_probe_asks_engine(client: Path) -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP})
    PodmanEngine(runner=runner).probe()

    PodmanEngine(runner=runner).probe(fresh=True)

    assert version_calls(runner) == 2


def test_changed_program_is_probed_again(client: Path) -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP})
    PodmanEngine(runner=runner).probe()
    status = client.stat()
    os.utime(client, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))

    PodmanEngine(runner=runner).probe()

    assert version_calls(runner) == 2


def test_failed_probe_is_not_remembered(client: Path) -> None:
    failing = FakeRunner({("podman", "version"): EngineError(["podman", "version"], 125, "Error: storage is broken")})
    assert not PodmanEngine(runner=failing).probe().usable

    runner = FakeRunner({("podman", "version"): PODMAN_UP})
    assert PodmanEngine(runner=runner).probe().usable

    assert version_calls(runner) == 1


@pytest.mark.parametrize("variable", ["CONTAINER_HOST", "CONTAINER_CONNECTION"])
def test_service_client_is_always_probed(client: Path, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    monkeypatch.setenv(variable, "unix:///run/podman/podman.sock" if variable == "CONTAINER_HOST" else "box")
    runner = FakeRunner({("podman", "version"): '{"Client":{"Version":"4.3.1"},"Server":{"Version":"4.9.0"}}'})

    for _ in range(2):
        PodmanEngine(runner=runner).probe()

    assert version_calls(runner) == 2


def test_corrupt_record_file_is_a_miss(client: Path) -> None:
    client_versions.remember("podman", "4.3.1")
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "crank" / "engines"
    (folder / "clients.json").write_text("{not json")

    assert client_versions.recall("podman") is None

    client_versions.remember("podman", "4.3.1")
    assert client_versions.recall("podman") == "4.3.1"


def test_early_probe_skipped_when_remembered(client: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(process, "start_early", lambda argv, exit_timeout: started.append(argv))

    early_probe.start("podman", os.environ)
    client_versions.remember("podman", "4.3.1")
    early_probe.start("podman", os.environ)

    assert started == [["podman", "version", "--format", "json"]]
