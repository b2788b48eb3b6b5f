"""`crank migrate` keeps each service's state and honours dry runs, live in both directions.

A paused service comes back paused, a stopped one is created without being started, on the
target and again on the source after `--rollback`. Both dry runs (the verb's own and the
global one) change nothing, for the migration and for the rollback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Engine, free_port
from tests.integration.test_end_to_end import http_get
from tests.integration.test_migrate import DIRECTIONS, WEB_COMMAND, Pair, engine_state, make_pair, project_image


@pytest.fixture(params=DIRECTIONS)
def state_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    project = make_pair(request, tmp_path, "migstate")
    yield project
    project.remove()


def write_project(folder: Path, project: str, port: int) -> None:
    (folder / "compose.yaml").write_text(
        f"""
name: {project}
services:
  web:
    image: {project_image(project)}
    command: ["sh", "-c", "{WEB_COMMAND}"]
    ports:
      - "127.0.0.1:{port}:80"
    volumes:
      - data:/data
  idle:
    image: {project_image(project)}
    command: ["sleep", "600"]
volumes:
  data:
"""
    )


def states(engine: Engine, project: str) -> dict[str, str]:
    """Return each container of the project with its status: running, paused, created or exited."""
    names = engine.objects(project)["containers"]
    if not names:
        return {}
    listed = engine.client("container", "inspect", "--format", "{{.Name}} {{.State.Status}}", *names).stdout
    return {name.lstrip("/"): status for name, status in (line.split() for line in listed.splitlines())}


def test_paused_and_stopped_services_keep_state(state_pair: Pair) -> None:
    pair = state_pair
    port = free_port()
    write_project(pair.folder, pair.name, port)
    assert pair.crank("up", "-d").returncode == 0
    http_get(port)
    assert pair.crank("pause", "web").returncode == 0
    assert pair.crank("stop", "idle").returncode == 0
    web, idle = f"{pair.name}-web-1", f"{pair.name}-idle-1"
    before = {web: "paused", idle: "exited"}
    assert states(pair.source, pair.name) == before
    engines_before = (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name))

    planned = pair.crank("--dry-run", "migrate", "--to", pair.target.name)

    assert planned.returncode == 0, planned.stderr
    assert f"stop on {pair.source.name}: {web} (paused)" in planned.stdout
    assert f"start on {pair.target.name}: web" in planned.stdout.splitlines()
    assert f"create on {pair.target.name}, not started (stopped on {pair.source.name}): idle" in planned.stdout
    assert (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name)) == engines_before
    assert not (pair.folder / ".crank").exists()

    moved = pair.migrate()

    assert moved.returncode == 0, moved.stderr
    assert states(pair.target, pair.name) == {web: "paused", idle: "created"}
    assert pair.source.objects(pair.name) == {"containers": [], "networks": [], "volumes": [pair.volume]}
    assert pair.target.objects(pair.name)["networks"] == [f"{pair.name}_default"]
    engines_moved = (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name))

    rollback_plan = pair.crank("migrate", "--rollback", "--dry-run", "--format", "json")
    global_dry_run = pair.crank("--dry-run", "migrate", "--rollback")

    assert rollback_plan.returncode == 0, rollback_plan.stderr
    preview = json.loads(rollback_plan.stdout)["rollback"]
    assert (preview["runs_on"], preview["returns_to"], preview["stop"]) == (pair.target.name, pair.source.name, [web])
    assert global_dry_run.returncode == 0, global_dry_run.stderr
    assert f"stop on {pair.target.name}: {web}" in global_dry_run.stdout
    assert "downtime" not in global_dry_run.stdout
    assert (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name)) == engines_moved

    rolled_back = pair.crank("migrate", "--rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert states(pair.source, pair.name) == {web: "paused", idle: "created"}
    assert pair.source.objects(pair.name)["networks"] == [f"{pair.name}_default"]
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}
    assert pair.crank("unpause", "web").returncode == 0
    assert http_get(port).strip() != ""
