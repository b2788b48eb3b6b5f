"""`crank migrate` moves every container the project runs, live in both directions.

That includes a service whose profile was enabled by `up --profile` but is not enabled now,
and the replicas that `up --scale` added. The rollback brings back as many containers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_migrate import DIRECTIONS, Pair, make_pair, project_image
from tests.integration.test_migrate_states import states


@pytest.fixture(params=DIRECTIONS)
def running_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    prefix = os.environ.get("CRANK_TEST_PREFIX") or "crank-it"
    project = make_pair(request, tmp_path, f"{prefix}-migset")
    yield project
    project.remove()


def write_project(folder: Path, project: str) -> None:
    # The volume of w makes the planning compare it with the volumes of every other service.
    image = project_image(project)
    (folder / "compose.yaml").write_text(
        f"""
name: {project}
services:
  w:
    image: {image}
    command: ["sleep", "3600"]
    init: true
    volumes:
      - data:/data
  extra:
    image: {image}
    command: ["sleep", "3600"]
    init: true
    profiles: ["x"]
volumes:
  data:
"""
    )


def test_service_of_disabled_profile_moves(running_pair: Pair) -> None:
    pair = running_pair
    write_project(pair.folder, pair.name)
    assert pair.crank("--profile", "x", "up", "-d").returncode == 0
    extra, w = f"{pair.name}-extra-1", f"{pair.name}-w-1"

    planned = pair.crank("migrate", "--to", pair.target.name, "--dry-run", "--format", "json")
    planned_text = pair.crank("migrate", "--to", pair.target.name, "--dry-run")

    assert planned.returncode == 0, planned.stderr
    assert "Traceback" not in planned.stderr
    assert json.loads(planned.stdout)["plan"]["services"] == ["extra", "w"]
    assert planned_text.returncode == 0, planned_text.stderr
    assert f"start on {pair.target.name}: extra, w" in planned_text.stdout.splitlines()

    moved = pair.migrate()

    assert moved.returncode == 0, moved.stderr
    assert states(pair.target, pair.name) == {extra: "running", w: "running"}
    assert pair.source.objects(pair.name)["containers"] == []

    rolled_back = pair.crank("migrate", "--rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert states(pair.source, pair.name) == {extra: "running", w: "running"}
    assert pair.target.objects(pair.name)["containers"] == []


def test_scaled_replicas_move_and_return(running_pair: Pair) -> None:
    pair = running_pair
    write_project(pair.folder, pair.name)
    assert pair.crank("up", "-d", "--scale", "w=3").returncode == 0
    replicas = [f"{pair.name}-w-{number}" for number in (1, 2, 3)]
    pair.source.client("pause", replicas[1])

    planned = pair.crank("migrate", "--to", pair.target.name, "--dry-run")

    assert planned.returncode == 0, planned.stderr
    assert f"start on {pair.target.name}: w (3 containers)" in planned.stdout.splitlines()
    assert f"pause on {pair.target.name} once verified: {replicas[1]}" in planned.stdout.splitlines()

    moved = pair.migrate()

    assert moved.returncode == 0, moved.stderr
    assert states(pair.target, pair.name) == {replicas[0]: "running", replicas[1]: "paused", replicas[2]: "running"}
    assert pair.source.objects(pair.name)["containers"] == []

    preview = pair.crank("migrate", "--rollback", "--dry-run", "--format", "json")

    assert preview.returncode == 0, preview.stderr
    rollback = json.loads(preview.stdout)["rollback"]
    assert (rollback["source_containers"], rollback["start"]) == ("create", replicas)
    assert rollback["stop"] == replicas

    rolled_back = pair.crank("migrate", "--rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert states(pair.source, pair.name) == {replicas[0]: "running", replicas[1]: "paused", replicas[2]: "running"}
    assert pair.target.objects(pair.name)["containers"] == []


def test_replica_numbers_with_gap_stay(running_pair: Pair) -> None:
    pair = running_pair
    image = project_image(pair.name)
    # Each replica has its own anonymous volume at /cache, which must reach the replica of the same number.
    (pair.folder / "compose.yaml").write_text(
        f"""
name: {pair.name}
services:
  w:
    image: {image}
    command: ["sleep", "3600"]
    init: true
    volumes:
      - /cache
"""
    )
    assert pair.crank("up", "-d", "--scale", "w=3").returncode == 0
    first, second, third = (f"{pair.name}-w-{number}" for number in (1, 2, 3))
    pair.source.client("rm", "--force", "--volumes", second)
    pair.source.client("exec", third, "sh", "-c", "echo third > /cache/mark")
    pair.source.client("pause", third)

    moved = pair.migrate()

    assert moved.returncode == 0, moved.stderr
    assert states(pair.target, pair.name) == {first: "running", third: "paused"}
    pair.target.client("unpause", third)
    assert pair.target.client("exec", third, "cat", "/cache/mark").stdout == "third\n"
    pair.target.client("pause", third)

    rolled_back = pair.crank("migrate", "--rollback")

    assert rolled_back.returncode == 0, rolled_back.stderr
    assert states(pair.source, pair.name) == {first: "running", third: "paused"}
