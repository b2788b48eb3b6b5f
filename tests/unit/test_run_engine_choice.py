"""Which engine `crank run` uses under runtime auto, with the engines' clients faked as scripts on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import install_engine_clients

@pytest.fixture
def clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Fake docker and podman clients, with the project's containers on Podman; return the log file."""
    return install_engine_clients(tmp_path, monkeypatch, project_on="podman")


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
