"""`crank ps` with the options of docker compose ps, live on each engine."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"
PROJECT = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
  job:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
"""


def make_project(engine: Engine, tmp_path: Path, name: str) -> Crank:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(PROJECT)
    crank = Crank(folder, engine.name, name)
    started = crank("up", "-d")
    assert started.returncode == 0, started.stderr
    return crank


@pytest.fixture
def projects(engine: Engine, tmp_path: Path) -> Iterator[tuple[Crank, Crank]]:
    """Start two projects. In the first, web runs and job is stopped, and in the second both run."""
    name = f"psfix-{secrets.token_hex(4)}"
    try:
        mine = make_project(engine, tmp_path, name)
        other = make_project(engine, tmp_path, f"{name}-other")
        stopped = mine("stop", "job")
        assert stopped.returncode == 0, stopped.stderr
        yield mine, other
    finally:
        engine.remove_project(name)
        engine.remove_project(f"{name}-other")


def container_id(engine: Engine, name: str) -> str:
    return engine.client("inspect", "--format", "{{.Id}}", name).stdout.strip()


def listed(crank: Crank, *argv: str) -> list[tuple[str, str, str]]:
    result = crank("ps", "--format", "json", *argv)
    assert result.returncode == 0, result.stderr
    return [(row["project"], row["service"], row["state"]) for row in json.loads(result.stdout)]


def test_ps_quiet_prints_service_id(engine: Engine, projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    result = mine("ps", "-q", "web")

    assert result.returncode == 0, result.stderr
    assert result.stdout == container_id(engine, f"{mine.project}-web-1") + "\n"


def test_ps_format_template(engine: Engine, projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects
    web = f"{mine.project}-web-1"

    result = mine("ps", "-a", "--format", "{{.Name}} {{.Service}} {{.State}} {{.ID}}")
    table = mine("ps", "--format", "table {{.Name}}\\t{{.State}}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{mine.project}-job-1 job exited {container_id(engine, f'{mine.project}-job-1')}",
                                          f"{web} web running {container_id(engine, web)}"]
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == ["NAME", "STATE"]
    assert table.stdout.splitlines()[1].split() == [web, "running"]


def test_ps_quiet_skips_stopped_service(projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    result = mine("ps", "-q", "job")

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_ps_all_adds_stopped_of_project(projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    running = listed(mine)
    every = listed(mine, "-a")

    assert running == [(mine.project, "web", "running")]
    assert every == [(mine.project, "job", "exited"), (mine.project, "web", "running")]


def test_ps_all_projects_lists_other_project(projects: tuple[Crank, Crank]) -> None:
    mine, other = projects

    rows = listed(mine, "--all-projects", "--all")

    assert (mine.project, "job", "exited") in rows
    assert (other.project, "web", "running") in rows
    assert (other.project, "job", "running") in rows


def test_ps_services_prints_names(projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    running = mine("ps", "--services")
    every = mine("ps", "--services", "-a")

    assert running.returncode == 0, running.stderr
    assert running.stdout == "web\n"
    assert every.stdout == "job\nweb\n"


def test_ps_status_exited_filters(projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    exited = listed(mine, "--status", "exited")
    both = listed(mine, "--status", "exited", "--status", "running")

    assert exited == [(mine.project, "job", "exited")]
    assert both == [(mine.project, "job", "exited"), (mine.project, "web", "running")]


def test_ps_unknown_service_fails(projects: tuple[Crank, Crank]) -> None:
    mine, _ = projects

    result = mine("ps", "-q", "nosuch")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == "crank: error: no such service: nosuch (the project has job, web)\n"


def test_ps_filter_and_orphans(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(PROJECT)
    started = project("up", "-d")
    assert started.returncode == 0, started.stderr
    stopped = project("stop", "job")
    assert stopped.returncode == 0, stopped.stderr
    # job leaves the compose file, so its container is an orphan.
    (project.folder / "compose.yaml").write_text(PROJECT.split("  job:")[0])

    assert listed(project, "--filter", "status=exited") == [(project.project, "job", "exited")]
    assert listed(project, "-a") == [(project.project, "job", "exited"), (project.project, "web", "running")]
    assert listed(project, "-a", "--no-orphans") == [(project.project, "web", "running")]

    rejected = project("ps", "--filter", "name=web")

    assert rejected.returncode == 2
    assert rejected.stderr == "crank: error: invalid --filter key 'name': the only key is status, as in status=running\n"
