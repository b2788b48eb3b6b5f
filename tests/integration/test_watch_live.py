"""`crank watch` and `crank up --watch` on live engines: sync, deletion, rebuild, dry runs, and how Ctrl-C and SIGTERM end them."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

pytestmark = pytest.mark.engine

COMPOSE = f"""
services:
  web:
    build: .
    image: localhost/{{name}}-web
    stop_grace_period: 1s
    develop:
      watch:
        - path: ./app
          action: sync
          target: /app
          ignore: ["*.tmp"]
        - path: ./Dockerfile
          action: rebuild
  plain:
    image: {TEST_IMAGE}
    command: ["sleep", "3600"]
    stop_grace_period: 1s
"""
DOCKERFILE = f'FROM {TEST_IMAGE}\nCOPY app/ /app/\nCMD ["sh", "-c", "echo web started; exec sleep 3600"]\n'


@pytest.fixture
def watched(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project with watch rules, named crwatch-... (or CRANK_TEST_PREFIX-...), removed with its image afterwards."""
    name = f"{os.environ.get('CRANK_TEST_PREFIX') or 'crwatch'}-{secrets.token_hex(4)}"
    folder = tmp_path / name
    (folder / "app").mkdir(parents=True)
    (folder / "app" / "first.txt").write_text("one\n")
    (folder / "Dockerfile").write_text(DOCKERFILE)
    (folder / "compose.yaml").write_text(COMPOSE.replace("{name}", name))
    crank = Crank(folder, engine.name, name)
    yield crank
    engine.remove_project(name)
    engine.client("rmi", f"localhost/{name}-web", check=False)


def eventually(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def read_in(engine: Engine, container: str, path: str) -> str | None:
    result = engine.client("exec", container, "cat", path, check=False)
    return result.stdout if result.returncode == 0 else None


def start_watch(crank: Crank) -> subprocess.Popen[str]:
    process = crank.start("watch")
    eventually(lambda: _said(process, "watching"), "crank watch to start watching", 120)
    return process


_seen: dict[int, list[str]] = {}


def _said(process: subprocess.Popen[str], word: str, times: int = 1) -> bool:
    """Tell whether crank has printed `times` lines with `word`; reads stdout without blocking for long."""
    lines = _printed(process)
    if process.poll() is not None and not any(word in line for line in lines):
        raise AssertionError(f"crank exited with {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
    return sum(word in line for line in lines) >= times


def _printed(process: subprocess.Popen[str]) -> list[str]:
    """Return the lines that crank has printed on stdout so far, reading without blocking for long.

    It reads the pipe's bytes, not `readline`, which would keep lines that came in one read
    in a buffer that the selector does not see.
    """
    import selectors

    lines = _seen.setdefault(process.pid, [])
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        while selector.select(timeout=0.05):
            chunk = os.read(process.stdout.fileno(), 65536).decode()  # type: ignore[union-attr]
            if not chunk:
                break
            _partial[process.pid] = _partial.get(process.pid, "") + chunk
            *complete, _partial[process.pid] = _partial[process.pid].split("\n")
            lines.extend(f"{line}\n" for line in complete)
    return lines


_partial: dict[int, str] = {}


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    try:
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    _printed(process)
    return code, "".join(_seen.pop(process.pid, []))


def test_sync_delete_and_rebuild_then_sigint(engine: Engine, watched: Crank) -> None:
    process = start_watch(watched)
    try:
        web = f"{watched.project}-web-1"
        assert read_in(engine, web, "/app/first.txt") == "one\n"
        app = watched.folder / "app"
        (app / "first.txt").write_text("two\n")
        (app / "nested").mkdir()
        (app / "nested" / "new.txt").write_text("new\n")
        (app / "scratch.tmp").write_text("ignored\n")
        eventually(lambda: read_in(engine, web, "/app/nested/new.txt") == "new\n", "the new file in the container")
        assert read_in(engine, web, "/app/first.txt") == "two\n"
        assert read_in(engine, web, "/app/scratch.tmp") is None, "an ignored file was synced"

        (app / "first.txt").unlink()
        eventually(lambda: read_in(engine, web, "/app/first.txt") is None, "the deleted file to go from the container")

        image_before = engine.client("inspect", "-f", "{{.Image}}", web).stdout.strip()
        with (watched.folder / "Dockerfile").open("a") as dockerfile:
            dockerfile.write("LABEL crwatch.rebuilt=yes\n")

        def rebuilt() -> bool:
            found = engine.client("inspect", "-f", "{{.Image}} {{.State.Running}}", web, check=False).stdout.split()
            return len(found) == 2 and found[0] != image_before and found[1] == "true"

        eventually(rebuilt, "a container of the rebuilt image", 90)
        eventually(lambda: _said(process, "rebuilt and recreated"), "crank to report the rebuild")
        labels = engine.client("inspect", "-f", "{{json .Config.Labels}}", web).stdout
        assert "crwatch.rebuilt" in labels
        # A service without rules was started and is left alone.
        assert engine.client("inspect", "-f", "{{.State.Running}}", f"{watched.project}-plain-1").stdout.strip() == "true"
    finally:
        code, output = stop(process, signal.SIGINT)
    assert code == 0, output
    assert "rebuilt" in output and "removed 1 path" in output
    down = watched("down", "-t", "0")
    assert down.returncode == 0, down.stderr
    assert engine.objects(watched.project)["containers"] == []


def test_sigterm_ends_watch_cleanly(engine: Engine, watched: Crank) -> None:
    process = start_watch(watched)
    code, output = stop(process, signal.SIGTERM)
    assert code == 0, output
    assert "stopped" in output
    # The services keep running, as with docker compose, until down.
    assert engine.objects(watched.project)["containers"]
    assert watched("down", "-t", "0").returncode == 0
    assert engine.objects(watched.project)["containers"] == []


def test_no_up_watches_running_containers(engine: Engine, watched: Crank) -> None:
    assert watched("up", "-d").returncode == 0
    process = watched.start("watch", "--no-up", "web")
    try:
        eventually(lambda: _said(process, "watching"), "crank watch --no-up to start watching")
        (watched.folder / "app" / "later.txt").write_text("later\n")
        eventually(lambda: read_in(engine, f"{watched.project}-web-1", "/app/later.txt") == "later\n",
                   "the file synced by watch --no-up")
    finally:
        code, _ = stop(process, signal.SIGINT)
    assert code == 0


def test_project_without_rules_fails_before_starting(engine: Engine, watched: Crank) -> None:
    (watched.folder / "compose.yaml").write_text(f"services:\n  only:\n    image: {TEST_IMAGE}\n")
    result = watched("watch", timeout=60)
    assert result.returncode == 1
    assert "develop.watch" in result.stderr
    assert engine.objects(watched.project)["containers"] == []


def test_up_watch_syncs_rebuilds_and_stops(engine: Engine, watched: Crank) -> None:
    process = watched.start("up", "--watch")
    web = f"{watched.project}-web-1"
    try:
        eventually(lambda: _said(process, "watching"), "crank up --watch to start watching", 120)
        eventually(lambda: _said(process, "| web started"), "the log of web")
        (watched.folder / "app" / "first.txt").write_text("synced\n")
        eventually(lambda: read_in(engine, web, "/app/first.txt") == "synced\n", "the changed file in the container")

        with (watched.folder / "Dockerfile").open("a") as dockerfile:
            dockerfile.write("LABEL crwatch.rebuilt=yes\n")
        eventually(lambda: _said(process, "rebuilt and recreated"), "crank to report the rebuild", 90)
        # The recreated container's log is followed too.
        eventually(lambda: _said(process, "| web started", times=2), "the log of the recreated web")
        assert "crwatch.rebuilt" in engine.client("inspect", "-f", "{{json .Config.Labels}}", web).stdout
    finally:
        code, output = stop(process, signal.SIGINT)
    assert code == 130, output
    assert "stopping the project" in process.stderr.read()  # type: ignore[union-attr]
    # As a foreground up does, Ctrl-C stopped the services and kept their containers.
    states = engine.client("ps", "-a", "--filter", f"label=io.crank.project={watched.project}",
                           "--format", "{{.Names}} {{.State}}").stdout.split("\n")
    assert sorted(line.split()[0] for line in states if line) == [f"{watched.project}-plain-1", web]
    assert not any("running" in line for line in states), states


def test_dry_runs_of_watch_start_nothing(engine: Engine, watched: Crank) -> None:
    for argv in (["watch", "--dry-run"], ["up", "--watch", "--dry-run"]):
        result = watched(*argv, timeout=120)
        assert result.returncode == 0, result.stderr
        assert f"run --detach --name {watched.project}-web-1" in result.stdout
        assert "would watch 2 paths for service web" in result.stderr
    assert engine.objects(watched.project) == {"containers": [], "networks": [], "volumes": []}


def test_up_watch_without_rules_fails_before_starting(engine: Engine, watched: Crank) -> None:
    (watched.folder / "compose.yaml").write_text(f"services:\n  only:\n    image: {TEST_IMAGE}\n")
    result = watched("up", "--watch", timeout=60)
    assert result.returncode == 1
    assert "develop.watch" in result.stderr
    assert engine.objects(watched.project)["containers"] == []
