"""start, restart, stop and logs on a project without containers, with the engine's client faked as a script on PATH.

docker compose (v2.40.3) fails only `start` there, with exit code 1; the other verbs exit 0.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import PODMAN_UP

# A podman client that reports a version and lists no containers, networks or volumes:
# `ps --quiet` prints no ID, and `ps --format json` an empty JSON list.
CLIENT = """#!/bin/sh
case "$1" in
  version) echo '{version}' ;;
  ps) case "$*" in *--quiet*) ;; *) echo '[]' ;; esac ;;
esac
exit 0
"""

COMPOSE = """\
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
"""


@pytest.fixture
def empty_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman; return a project folder with a compose file."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    client = bin_folder / "podman"
    client.write_text(CLIENT.format(version=PODMAN_UP))
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    # A TCP address where nothing listens keeps the real Docker daemon out of the test.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    return folder


def test_start_without_containers_fails(empty_engine: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(empty_engine)

    code = run_cli(["--runtime", "podman", "start"])

    assert code == 1
    assert capsys.readouterr().err == ('crank: error: service "db" has no container to start: '
                                       "create its containers with crank up\n")


def test_start_service_names_first_dependency(empty_engine: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(empty_engine)

    code = run_cli(["--runtime", "podman", "start", "web"])

    assert code == 1
    assert 'service "db" has no container to start' in capsys.readouterr().err


def test_start_by_project_name_fails(empty_engine: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(empty_engine.parent)

    code = run_cli(["--runtime", "podman", "-p", "shop", "start"])

    assert code == 1
    assert 'no container found for project "shop"' in capsys.readouterr().err


@pytest.mark.parametrize("verb", ["restart", "stop", "logs"])
def test_other_verbs_without_containers_pass(empty_engine: Path, monkeypatch: pytest.MonkeyPatch, verb: str) -> None:
    monkeypatch.chdir(empty_engine)

    assert run_cli(["--runtime", "podman", verb]) == 0
