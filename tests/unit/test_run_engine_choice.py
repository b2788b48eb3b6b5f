"""Which engine `crank run` uses under runtime auto, with the engines' clients faked as scripts on PATH."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import DOCKER_UP, PODMAN_UP

# A client that logs its arguments, reports a version, lists a container of the project only
# when `has_project` is filled in, and prints an ID for `run`.
CLIENT = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1" in
  version) echo '{version}' ;;
  ps) [ -n "{has_project}" ] && echo 4f2a ;;
  run) echo {name}-id ;;
esac
exit 0
"""


def install_client(folder: Path, name: str, version: str, *, has_project: bool, log: Path) -> None:
    script = folder / name
    script.write_text(CLIENT.format(log=log, version=version, has_project="yes" if has_project else "", name=name))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake docker and podman clients, with the project's containers on Podman; return the log file."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    log = tmp_path / "calls.log"
    install_client(bin_folder, "docker", DOCKER_UP, has_project=False, log=log)
    install_client(bin_folder, "podman", PODMAN_UP, has_project=True, log=log)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    # A TCP address keeps crank off Docker's local socket, so it uses the fake client; nothing listens there.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("CRANK_CONTAINER_RUNTIME", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    return log


def runs(log: Path) -> list[str]:
    return [line.split()[0] for line in log.read_text().splitlines() if line.split()[1] == "run"]


def test_run_follows_project_to_podman(clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    monkeypatch.chdir(folder)

    code = run_cli(["run", "-d", "--name", "enginefix-solo", "busybox:latest", "sleep", "60"])

    assert code == 0, capsys.readouterr().err
    assert runs(clients) == ["podman"]
    assert capsys.readouterr().out == "podman-id\n"


def test_run_outside_project_takes_docker(clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)

    code = run_cli(["run", "-d", "busybox", "sleep", "60"])

    assert code == 0, capsys.readouterr().err
    assert runs(clients) == ["docker"]


def test_run_with_broken_compose_file(clients: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "compose.yaml").write_text("name: [unclosed\n")
    monkeypatch.chdir(folder)

    code = run_cli(["run", "-d", "busybox:latest", "sleep", "60"])

    assert code == 0, capsys.readouterr().err
    assert runs(clients) == ["docker"]
