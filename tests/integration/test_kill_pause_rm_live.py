"""kill, rm, pause and unpause, live on each engine."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port

IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"
PROJECT = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    volumes: ["/data"]
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on: [db]
    ports: ["127.0.0.1:%d:80"]
"""


@pytest.fixture
def running(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """Start a project of db, with an anonymous volume, and web, with a published port."""
    name = f"hk-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(PROJECT % free_port())
    crank = Crank(folder, engine.name, name)
    try:
        started = crank("up", "-d")
        assert started.returncode == 0, started.stderr
        yield crank
    finally:
        # down removes the containers' anonymous volumes, which the engine's `rm -f` keeps.
        crank("down", "-v")
        engine.remove_project(name)


def states(crank: Crank) -> dict[str, tuple[str, list[str]]]:
    """Return each container's state and ports, as `status -a --format json` lists them."""
    listed = crank("status", "-a", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    return {row["container"]: (row["state"], row["ports"]) for row in json.loads(listed.stdout)}


def wait_for_state(crank: Crank, container: str, state: str, seconds: float = 10) -> str:
    """Return the container's state once it is `state`, or its last state after `seconds`."""
    deadline = time.monotonic() + seconds
    current = states(crank)[container][0]
    while current != state and time.monotonic() < deadline:
        time.sleep(0.2)
        current = states(crank)[container][0]
    return current


def test_pause_then_unpause(running: Crank) -> None:
    web = f"{running.project}-web-1"
    db = f"{running.project}-db-1"

    paused = running("pause")
    again = running("pause", "web")
    during = states(running)
    unpaused = running("unpause")
    after = states(running)

    assert paused.returncode == 0, paused.stderr
    assert during[db][0] == "paused"
    assert during[web][0] == "paused"
    # A paused container keeps its published port.
    assert during[web][1] == after[web][1]
    assert len(during[web][1]) == 1
    assert again.returncode == 1
    assert f"cannot pause {web} (paused)" in again.stderr
    assert unpaused.returncode == 0, unpaused.stderr
    assert after[db][0] == "running"
    assert after[web][0] == "running"



def test_stop_stops_paused(running: Crank) -> None:
    paused = running("pause", "db")
    assert paused.returncode == 0, paused.stderr

    stopped = running("stop")

    assert stopped.returncode == 0, stopped.stderr
    assert {state for state, _ in states(running).values()} == {"exited"}

def test_kill_signals_and_reports_nothing(running: Crank) -> None:
    web = f"{running.project}-web-1"
    db = f"{running.project}-db-1"

    planned = running("--dry-run", "kill", "web")
    unchanged = states(running)
    killed = running("kill", "-s", "TERM", "web")
    # The shell runs its SIGTERM trap once the current sleep ends.
    web_state = wait_for_state(running, web, "exited")
    db_state = states(running)[db][0]
    rest = running("kill")
    nothing = running("kill")

    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.split() == [running.engine, "kill", "--signal", "SIGKILL", web]
    assert unchanged[web][0] == "running"
    assert killed.returncode == 0, killed.stderr
    # The command exits on SIGTERM, so the signal reached it.
    assert web_state == "exited"
    assert db_state == "running"
    assert rest.returncode == 0, rest.stderr
    assert states(running)[db][0] == "exited"
    assert nothing.returncode == 0, nothing.stderr
    assert f"no container to kill in project {running.project}" in nothing.stderr


def test_rm_asks_then_removes(engine: Engine, running: Crank) -> None:
    db = f"{running.project}-db-1"
    volume = engine.client("inspect", "--format", "{{range .Mounts}}{{.Name}}{{end}}", db).stdout.strip()
    one_off = running("run", "-d", "web", "sleep", "60")
    assert one_off.returncode == 0, one_off.stderr
    stopped = running("stop", "db", "web")
    assert stopped.returncode == 0, stopped.stderr

    declined = running("rm", input_text="n\n")
    after_decline = states(running)
    removed = running("rm", "-v", "db", input_text="y\n")

    assert declined.returncode == 0, declined.stderr
    assert f"Going to remove {db}, {running.project}-web-1 [y/N]: " in declined.stderr
    assert db in after_decline
    assert removed.returncode == 0, removed.stderr
    assert db not in states(running)
    assert engine.client("volume", "inspect", volume, check=False).returncode != 0
    # One-off containers stay, as with docker compose rm.
    assert any("-web-run-" in name for name in states(running))


def test_rm_stop_removes_paused_and_running(running: Crank) -> None:
    paused = running("pause", "db")
    assert paused.returncode == 0, paused.stderr

    removed = running("rm", "-s", "-f", "-v")
    unknown = running("rm", "-f", "api")

    assert removed.returncode == 0, removed.stderr
    assert states(running) == {}
    assert unknown.returncode == 2
    assert "no such service: api" in unknown.stderr
