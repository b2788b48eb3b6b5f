"""`up --abort-on-container-exit` and `--exit-code-from`, live on each engine, as a CI job runs a test service."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# Busybox's sh is PID 1 here and ignores SIGTERM without a trap, so db traps it and stops at once.
IDLE_COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done"


@pytest.fixture
def ci_project(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder named abortfix-..., removed from the engine afterwards."""
    name = f"abortfix-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


def write_ci_project(folder: Path, tests_exit_code: int) -> None:
    """Write a long-running db and a tests service that exits with `tests_exit_code` after a second."""
    (folder / "compose.yaml").write_text(
        f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
  tests:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo testing; sleep 1; exit {tests_exit_code}"]
    depends_on: [db]
"""
    )


def container_states(engine: Engine, project: Crank) -> dict[str, str]:
    states = {}
    for service in ("db", "tests"):
        name = f"{project.project}-{service}-1"
        states[service] = engine.client("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
    return states


def test_exit_code_from_returns_tests_code(engine: Engine, ci_project: Crank) -> None:
    write_ci_project(ci_project.folder, tests_exit_code=3)

    result = ci_project("up", "--exit-code-from", "tests", timeout=120)

    assert result.returncode == 3, result.stderr
    assert "tests-1 | testing" in result.stdout
    assert "tests-1 exited with code 3" in result.stderr
    assert container_states(engine, ci_project) == {"db": "exited", "tests": "exited"}


def test_abort_stops_db_after_clean_exit(engine: Engine, ci_project: Crank) -> None:
    write_ci_project(ci_project.folder, tests_exit_code=0)

    result = ci_project("up", "--abort-on-container-exit", timeout=120)

    assert result.returncode == 0, result.stderr
    assert f"stopping the project ({ci_project.project}-tests-1 exited)" in result.stderr
    assert container_states(engine, ci_project) == {"db": "exited", "tests": "exited"}


def test_detach_with_exit_code_from_is_usage_error(engine: Engine, ci_project: Crank) -> None:
    write_ci_project(ci_project.folder, tests_exit_code=3)

    result = ci_project("up", "-d", "--exit-code-from", "tests", timeout=60)

    assert result.returncode == 2
    assert result.stderr == "crank: error: --detach cannot be used with --exit-code-from\n"
    assert engine.objects(ci_project.project)["containers"] == []


def test_exit_code_from_prints_stopping_lines(engine: Engine, tmp_path: Path) -> None:
    name = f"crrun-abort-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'echo got-term; exit 0' TERM; echo db-up; while true; do sleep 0.2; done"]
  tests:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo testing; sleep 1; exit 4"]
    depends_on: [db]
"""
    )
    try:
        result = Crank(folder, engine.name, name)("up", "--exit-code-from", "tests", timeout=120)
    finally:
        engine.remove_project(name)

    assert result.returncode == 4, result.stderr
    # Prefixes are padded to the longest container name, tests-1.
    assert "db-1    | db-up" in result.stdout
    assert "db-1    | got-term" in result.stdout
    assert "db-1 exited with code 0" in result.stderr
