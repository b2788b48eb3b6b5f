"""A verb that falls back from the named engine and finds nothing of the project there fails, as CI needs.

The engines' clients are fake scripts on PATH: `podman`, which the project's .env names, is
installed but fails its probe, and `docker` responds without any of the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.fakes import enter_project, install_engine_clients, run_verb

COMPOSE = "services:\n  box:\n    image: busybox:latest\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter project shop, whose .env names Podman, with Podman unusable; return the project folder."""
    install_engine_clients(tmp_path, monkeypatch, project_on=None, unresponsive="podman")
    folder = enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    (folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=podman\n")
    return folder


def test_down_after_fallback_fails(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "down")

    assert code == 4, err
    assert ("crank: error: nothing of project shop found on docker, the engine crank fell back to because "
            "podman (CRANK_CONTAINER_RUNTIME in .env) is not usable: Cannot connect to the engine at "
            "unix:///nonexistent.sock. The project may still run on podman") in err
    assert "or, if the project does not run on podman, run `crank --runtime docker down`" in err
    assert "nothing of project shop found on docker\n" not in err


def test_stop_after_fallback_fails(shop: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "stop")

    assert code == 4, err
    assert "crank: error: nothing of project shop found on docker, the engine crank fell back to" in err
    assert "run `crank --runtime docker stop`" in err


def test_down_without_project_name_fails(shop: Path, monkeypatch: pytest.MonkeyPatch,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "podman")
    monkeypatch.chdir(shop.parent)

    code, _, err = run_verb(capfd, "-p", "shop", "down")

    assert code == 4, err
    assert "nothing of project shop found on docker, the engine crank fell back to because podman" in err
