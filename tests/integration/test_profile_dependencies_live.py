"""Verbs run without --profile on a project that `up --profile` started, live on each engine.

`app` requires `db`, which only the profile enables. The verbs on existing containers act on
both containers. `up`, `create`, `run` and `config` reject the project, as docker compose
2.40.3 does for every verb when it reads the compose file.
"""

from __future__ import annotations

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# Busybox's sh is PID 1 and ignores SIGTERM without a trap.
IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"

COMPOSE = f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      db:
        condition: service_started
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo db-ready; {IDLE}"]
    profiles: [dbprof]
"""


def states(engine: Engine, project: Crank) -> dict[str, str]:
    """Return the state of each of the project's containers, by service."""
    result = {}
    for service in ("app", "db"):
        inspected = engine.client("inspect", "--format", "{{.State.Status}}", f"{project.project}-{service}-1", check=False)
        result[service] = inspected.stdout.strip() if inspected.returncode == 0 else "missing"
    return result


@pytest.fixture
def started(engine: Engine, project: Crank) -> Crank:
    (project.folder / "compose.yaml").write_text(COMPOSE)
    up = project("--profile", "dbprof", "up", "-d", "app")
    assert up.returncode == 0, up.stderr
    assert states(engine, project) == {"app": "running", "db": "running"}
    return project


def test_inspecting_verbs_work_without_profile(engine: Engine, started: Crank) -> None:
    name = started.project
    for verb in (("logs", "app"), ("exec", "app", "true"), ("top",), ("images",), ("stats", "--no-stream")):
        result = started(*verb)
        assert result.returncode == 0, f"{verb}: {result.stderr}"

    top = started("top").stdout
    assert "app" in top
    assert "db" in top
    assert f"{name}-db-1" in started("images").stdout
    assert "db-ready" in started("logs").stdout


def test_state_verbs_act_on_dependency_without_profile(engine: Engine, started: Crank) -> None:
    stop = started("stop")
    assert stop.returncode == 0, stop.stderr
    assert states(engine, started) == {"app": "exited", "db": "exited"}

    start = started("start", "app")
    assert start.returncode == 0, start.stderr
    assert states(engine, started) == {"app": "running", "db": "running"}

    pause = started("pause")
    assert pause.returncode == 0, pause.stderr
    assert states(engine, started) == {"app": "paused", "db": "paused"}

    unpause = started("unpause")
    assert unpause.returncode == 0, unpause.stderr
    assert states(engine, started) == {"app": "running", "db": "running"}

    kill = started("kill")
    assert kill.returncode == 0, kill.stderr
    assert "running" not in states(engine, started).values()

    remove = started("rm", "-f")
    assert remove.returncode == 0, remove.stderr
    assert states(engine, started) == {"app": "missing", "db": "missing"}


def test_down_removes_dependency_without_profile(engine: Engine, started: Crank) -> None:
    result = started("down")

    assert result.returncode == 0, result.stderr
    assert engine.objects(started.project) == {"containers": [], "networks": [], "volumes": []}


def test_creating_verbs_reject_disabled_dependency(engine: Engine, started: Crank) -> None:
    for verb in (("up", "-d"), ("create",), ("run", "--rm", "app", "true"), ("config",)):
        result = started(*verb)

        assert result.returncode == 3, f"{verb}: {result.stderr}"
        assert "compose.yaml: services.app.depends_on:" in result.stderr
        assert "--profile dbprof or COMPOSE_PROFILES=dbprof" in result.stderr
    assert states(engine, started) == {"app": "running", "db": "running"}


def test_down_stops_independent_service_first(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on: [db]
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    profiles: [dbprof]
  debug:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    profiles: [dbprof]
"""
    )
    assert project("--profile", "dbprof", "up", "-d").returncode == 0

    result = project("down")

    assert result.returncode == 0, result.stderr
    name = project.project
    # debug depends on nothing and nothing on it, so it stops with web, not after it with db.
    assert result.stderr.index(f"{name}-debug-1: stopping") < result.stderr.index(f"{name}-web-1: removed")
    assert result.stderr.index(f"{name}-web-1: removed") < result.stderr.index(f"{name}-db-1: stopping")
    assert engine.objects(name) == {"containers": [], "networks": [], "volumes": []}
