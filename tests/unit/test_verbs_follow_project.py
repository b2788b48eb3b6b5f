"""Under runtime auto, the verbs that act on a project's images use the engine the project is on.

The engines' clients are fake scripts on PATH: Docker responds first in auto's order, and
only Podman lists a container of the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.fakes import enter_project, install_engine_clients, run_verb

COMPOSE = "services:\n  web:\n    build: ./web\n    image: localhost/shop-web:latest\n"


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter project shop, whose containers are on Podman, and return the clients' command log."""
    calls = install_engine_clients(tmp_path, monkeypatch, project_on="podman")
    folder = enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    (folder / "web").mkdir()
    (folder / "web" / "Dockerfile").write_text("FROM localhost/crank-test-busybox:latest\n")
    return calls


def clients_running(log: Path, verb: str) -> list[str]:
    return [line.split()[0] for line in log.read_text().splitlines() if line.split()[1] == verb]


def test_build_follows_project(log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "build", "web")

    assert code == 0, err
    assert clients_running(log, "build") == ["podman"]


def test_build_with_tag_follows_project(log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "build", "-t", "localhost/shop-tool:1", "web")

    assert code == 0, err
    assert clients_running(log, "build") == ["podman"]


def test_pull_dry_run_follows_project(log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--dry-run", "pull")

    assert code == 0, err
    assert out.splitlines() == ["podman pull localhost/shop-web:latest"]


def test_pull_follows_project(log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "pull")

    assert code == 0, err
    assert clients_running(log, "pull") == ["podman"]


def test_config_check_follows_project(log: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "config", "--check", "--format", "json")

    assert code == 0, err
    assert '"engine": "podman"' in out
