"""Under runtime auto, crank warns when an installed engine did not respond, because it cannot see that engine's containers.

The engines' clients are fake scripts on PATH: `docker` is installed but fails its probe, as
a client whose daemon is stopped does, and `podman` responds without any of the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.fakes import enter_project, install_engine_clients, run_verb

COMPOSE = "services:\n  box:\n    image: busybox:latest\n    volumes: [data:/data]\nvolumes:\n  data: {}\n"
WARNING = ("crank: warning: docker is installed but did not respond (Cannot connect to the engine at "
           "unix:///nonexistent.sock), so runtime auto chose podman, and crank cannot see what runs on docker: ")
SILENCE = "name the engine to use with `crank --runtime podman` or CRANK_CONTAINER_RUNTIME=podman in .env"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter project shop with Docker's daemon stopped; return the clients' command log."""
    log = install_engine_clients(tmp_path, monkeypatch, project_on=None, unresponsive="docker")
    enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    return log


def test_fresh_up_warns(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--dry-run", "up", "-d")

    assert code == 0, err
    assert "podman run --detach --name shop-box-1" in out
    expected = WARNING + "if project shop runs there, this creates a second copy on podman, with new, empty volumes"
    assert expected in err
    assert SILENCE in err
    assert err.count("crank: warning:") == 1


def test_down_finding_nothing_warns(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "down")

    assert code == 0, err
    assert WARNING + "if project shop runs there, `crank down` acts on podman instead" in err
    assert "nothing of project shop found on podman" in err


def test_stop_finding_nothing_warns(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "stop")

    assert code == 0, err
    assert WARNING + "if project shop runs there, `crank stop` acts on podman instead" in err


def test_run_image_warns(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "run", "-d", "busybox:latest", "sleep", "60")

    assert code == 0, err
    assert out == "podman-id\n"
    assert WARNING + "the container is created on podman" in err


def test_fresh_up_warns_about_later_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    # Docker comes first under auto, so Podman is probed only to look for the project's containers.
    install_engine_clients(tmp_path, monkeypatch, project_on=None, unresponsive="podman")
    enter_project(tmp_path, monkeypatch, "shop", COMPOSE)

    code, out, err = run_verb(capfd, "--dry-run", "up", "-d")

    assert code == 0, err
    assert "docker run --detach --name shop-box-1" in out
    assert ("crank: warning: podman is installed but did not respond (Cannot connect to the engine at "
            "unix:///nonexistent.sock), so runtime auto chose docker") in err
    assert "`crank --runtime docker` or CRANK_CONTAINER_RUNTIME=docker in .env" in err
