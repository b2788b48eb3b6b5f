"""Fixtures for the compose loader tests: a project folder and the reference side by side."""

from __future__ import annotations

from pathlib import Path

import pytest
from compose_reference import Compare, Outcome, run_crank, run_reference, write_project


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test a fresh HOME.

    Some tests start crank with only PATH and HOME in its environment, and without this its
    compose parse cache would write records below the user's ~/.cache.
    """
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def compare(tmp_path: Path) -> Compare:
    """Write a project, load it with the reference and with crank, and return both outcomes."""

    def run(project_files: dict[str, str], env: dict[str, str] | None = None, args: list[str] | None = None, **options: object) -> tuple[Outcome, Outcome]:
        directory = write_project(tmp_path / "proj", project_files)
        reference = run_reference(directory, ["-p", "proj", *(args or [])], env)
        crank = run_crank(directory, env, project_name="proj", **options)
        return reference, crank

    return run
