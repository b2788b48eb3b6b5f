"""The messages of -v on stderr, live on each engine: the project loaded and the engine chosen."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

COMPOSE = f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
"""


@pytest.fixture
def folders(engine: Engine, tmp_path: Path) -> Iterator[tuple[Crank, Crank]]:
    """Crank in a project folder, and in an empty folder, for one project name."""
    name = f"fixb-{secrets.token_hex(4)}"
    source = tmp_path / "source"
    source.mkdir()
    (source / "compose.yaml").write_text(COMPOSE)
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        yield Crank(source, engine.name, name), Crank(empty, engine.name, name)
    finally:
        engine.remove_project(name)


def test_verbose_up_names_project_and_engine(engine: Engine, folders: tuple[Crank, Crank]) -> None:
    project, _ = folders
    name = project.project

    quiet = project("-p", name, "up", "-d")
    result = project("-v", "-p", name, "up", "-d")

    assert result.returncode == 0, result.stderr
    assert f"crank: project {name} in {project.folder}, loaded from {project.folder / 'compose.yaml'}\n" in result.stderr
    assert f"crank: engine {engine.name} " in result.stderr
    assert "chosen by CRANK_CONTAINER_RUNTIME in the environment" in result.stderr
    assert "crank: engine" not in quiet.stderr
    assert "crank: project" not in quiet.stderr


def test_verbose_status_names_engine(engine: Engine, folders: tuple[Crank, Crank]) -> None:
    project, _ = folders

    result = project("-v", "status")

    assert result.returncode == 0, result.stderr
    assert f"crank: project {project.folder.name}, named from the compose files in reach of {project.folder}\n" in result.stderr
    assert f"crank: engine {engine.name} " in result.stderr


def test_verbose_without_file_says_by_name(folders: tuple[Crank, Crank]) -> None:
    project, elsewhere = folders
    name = project.project
    assert project("-p", name, "up", "-d").returncode == 0
    expected = f"crank: no compose file used: project {name} (named by -p) is found by its containers' labels\n"

    status = elsewhere("-v", "-p", name, "status")
    down = elsewhere("-v", "-p", name, "down", "--dry-run")

    assert status.returncode == 0, status.stderr
    assert expected in status.stderr
    assert down.returncode == 0, down.stderr
    assert expected in down.stderr


def test_verbose_doctor_gives_reason(engine: Engine, folders: tuple[Crank, Crank]) -> None:
    _, elsewhere = folders

    result = elsewhere("-v", "doctor")

    assert result.returncode == 0, result.stderr
    assert f"crank: crank would choose {engine.name}: chosen by CRANK_CONTAINER_RUNTIME in the environment\n" in result.stderr


def test_double_verbose_adds_commands(engine: Engine, folders: tuple[Crank, Crank]) -> None:
    project, _ = folders

    result = project("-vv", "status")

    assert result.returncode == 0, result.stderr
    assert f"crank: engine {engine.name} " in result.stderr
    # Under -vv each engine command or API request is shown too. Docker is reached through its socket here.
    assert "crank: run: " in result.stderr or "crank: get: " in result.stderr
