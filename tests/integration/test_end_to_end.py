"""The first slice, live on each engine: up, status, down, run, stop and build."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port, interrupt

# Busybox's sh is PID 1 here and ignores SIGTERM without a trap, so each service traps it.
WEB_COMMAND = (
    "trap 'exit 0' TERM; mkdir -p /www && echo hello from $$NAME > /www/index.html"
    " && httpd -f -p 80 -h /www & wait"
)
IDLE_COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done"


def write_two_service_project(folder: Path, port: int) -> None:
    (folder / "compose.yaml").write_text(
        f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{WEB_COMMAND}"]
    environment:
      NAME: crank
    ports:
      - "127.0.0.1:{port}:80"
  worker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    depends_on: [web]
    volumes:
      - data:/data
volumes:
  data:
"""
    )


def http_get(port: int, deadline: float = 15.0) -> str:
    """Fetch / from the published port, retrying while the server starts."""
    stop = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > stop:
                raise
            time.sleep(0.2)


def container_ids(engine: Engine, project: str) -> list[str]:
    listed = engine.client("ps", "-a", "-q", "--no-trunc", "--filter", f"label=io.crank.project={project}")
    return sorted(listed.stdout.split())


def test_up_serves_published_port(engine: Engine, project: Crank) -> None:
    port = free_port()
    write_two_service_project(project.folder, port)

    result = project("up", "-d")

    assert result.returncode == 0, result.stderr
    assert http_get(port).strip() == "hello from crank"
    assert sorted(engine.objects(project.project)["containers"]) == [
        f"{project.project}-web-1",
        f"{project.project}-worker-1",
    ]


def test_second_up_creates_nothing(engine: Engine, project: Crank) -> None:
    write_two_service_project(project.folder, free_port())
    assert project("up", "-d").returncode == 0
    before = container_ids(engine, project.project)

    again = project("up", "-d")

    assert again.returncode == 0, again.stderr
    assert container_ids(engine, project.project) == before
    assert "created" not in again.stderr
    assert "up to date" in again.stderr


@pytest.mark.parametrize("engine", ["podman"], indirect=True)
def test_up_starts_container_left_stopping(engine: Engine, project: Crank) -> None:
    # The service ignores SIGTERM, so a `podman stop` killed before its timeout leaves the
    # container in Podman's `stopping` state for good.
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  idle:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
    stop_grace_period: 1s
"""
    )
    started = project("up", "-d")
    assert started.returncode == 0, started.stderr
    container = f"{project.project}-idle-1"

    def status() -> str:
        return engine.client("inspect", "--format", "{{.State.Status}}", container).stdout.strip()

    stop = subprocess.Popen([engine.name, "stop", "--time", "60", container],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while status() != "stopping":
        assert time.monotonic() < deadline, f"{container} never reached the stopping state"
        time.sleep(0.05)
    stop.kill()
    stop.wait()
    time.sleep(1)
    assert status() == "stopping"

    result = project("up", "-d")

    assert result.returncode == 0, result.stderr
    assert f"{container}: finishing an unfinished stop" in result.stderr
    assert status() == "running"


def test_status_json_has_documented_keys(engine: Engine, project: Crank) -> None:
    port = free_port()
    write_two_service_project(project.folder, port)
    assert project("up", "-d").returncode == 0

    result = project("status", "--format", "json")

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["service"] for row in rows] == ["web", "worker"]
    for row in rows:
        assert list(row) == ["project", "service", "container", "runtime", "host", "state", "health", "ports", "image"]
        assert row["project"] == project.project
        assert row["runtime"] == engine.name
        assert row["state"] == "running"
        assert row["health"] is None
        assert row["image"] == TEST_IMAGE
    assert rows[0]["ports"] == [f"127.0.0.1:{port}->80/tcp"]
    assert rows[1]["ports"] == []


def test_status_plain_off_terminal(engine: Engine, project: Crank) -> None:
    write_two_service_project(project.folder, free_port())
    assert project("up", "-d").returncode == 0

    result = project("status")

    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PROJECT", "SERVICE", "CONTAINER", "RUNTIME", "HOST", "STATE", "HEALTH", "PORTS", "IMAGE"]
    assert len(lines) == 3
    assert "\x1b[" not in result.stdout


def test_down_volumes_leaves_nothing_labelled(engine: Engine, project: Crank) -> None:
    write_two_service_project(project.folder, free_port())
    assert project("up", "-d").returncode == 0
    created = engine.objects(project.project)
    assert len(created["containers"]) == 2
    assert created["networks"] == [f"{project.project}_default"]
    assert created["volumes"] == [f"{project.project}_data"]

    result = project("down", "-v")

    assert result.returncode == 0, result.stderr
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_down_keeps_volume_without_flag(engine: Engine, project: Crank) -> None:
    write_two_service_project(project.folder, free_port())
    assert project("up", "-d").returncode == 0

    assert project("down").returncode == 0

    left = engine.objects(project.project)
    assert left["containers"] == []
    assert left["networks"] == []
    assert left["volumes"] == [f"{project.project}_data"]


def test_run_detached_publishes_then_stop(engine: Engine, project: Crank) -> None:
    port = free_port()
    name = f"{project.project}-solo"
    try:
        result = project(
            "run", "-d", "-p", f"127.0.0.1:{port}:80", "-e", "NAME=solo", "--name", name,
            TEST_IMAGE, "sh", "-c", WEB_COMMAND.replace("$$", "$"),
        )
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.strip()) == 64
        assert http_get(port).strip() == "hello from solo"

        stopped = project("stop", name)

        assert stopped.returncode == 0, stopped.stderr
        state = engine.client("inspect", "--format", "{{.State.Status}}", name).stdout.strip()
        assert state == "exited"
    finally:
        engine.client("rm", "-f", name, check=False)


def test_run_foreground_passes_exit_code(engine: Engine, project: Crank) -> None:
    result = project("run", "--rm", TEST_IMAGE, "sh", "-c", "echo out; exit 7")

    assert result.returncode == 7
    assert result.stdout.strip() == "out"


def test_run_creates_missing_bind_folder(engine: Engine, project: Crank) -> None:
    folder = project.folder / "made-by-run"

    result = project("run", "--rm", "-v", f"{folder}:/out", TEST_IMAGE, "sh", "-c", "echo hi > /out/file")

    assert result.returncode == 0, result.stderr
    assert (folder / "file").read_text() == "hi\n"


def test_build_dockerfile_with_tag(engine: Engine, project: Crank) -> None:
    context = project.folder / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nARG GREETING\nRUN echo $GREETING > /greeting\n")
    tag = f"localhost/{project.project}:built"
    try:
        result = project("build", "-t", tag, "--build-arg", "GREETING=hi", str(context))

        assert result.returncode == 0, result.stderr
        output = engine.client("run", "--rm", tag, "cat", "/greeting").stdout
        assert output.strip() == "hi"
    finally:
        engine.client("rmi", "-f", tag, check=False)


def test_up_builds_missing_service_image(engine: Engine, project: Crank) -> None:
    (project.folder / "app").mkdir()
    (project.folder / "app" / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo built > /marker\n")
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  app:
    build: ./app
    command: ["sh", "-c", "cat /marker; {IDLE_COMMAND}"]
"""
    )
    image = f"{project.project}-app"
    try:
        result = project("up", "-d")

        assert result.returncode == 0, result.stderr
        assert engine.client("image", "inspect", image, check=False).returncode == 0
        logs = engine.client("logs", f"{project.project}-app-1").stdout
        assert logs.strip() == "built"
    finally:
        engine.remove_project(project.project)
        engine.client("rmi", "-f", image, check=False)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_up_attached_follows_logs_until_interrupt(engine: Engine, project: Crank, stop_signal: signal.Signals) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  talker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 1; done"]
"""
    )
    process = project.start("up")
    try:
        first_line = process.stdout.readline()  # type: ignore[union-attr]
        assert first_line.rstrip() == "talker-1 | ready"

        process.send_signal(stop_signal)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130
    errors = process.stderr.read()  # type: ignore[union-attr]
    assert f"stopping the project ({'Ctrl-C' if stop_signal == signal.SIGINT else 'SIGTERM'})" in errors
    # The stop is what the user asked for, so no error line follows it.
    assert "crank: error" not in errors
    state = engine.client("inspect", "--format", "{{.State.Status}}", f"{project.project}-talker-1").stdout
    assert state.strip() == "exited"


@pytest.fixture
def talker_project(engine: Engine, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A project with one service that prints `ready` and stops on SIGTERM, removed from the engine afterwards."""
    name = f"crrun-sigint-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        f"""
services:
  talker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 1; done"]
"""
    )
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


@pytest.fixture
def talker(project: Crank) -> Crank:
    """The talker project of `talker_project`, named by the `project` fixture."""
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  talker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 1; done"]
"""
    )
    return project


def start_with_sigint_ignored(crank: Crank, *args: str) -> subprocess.Popen[str]:
    """Start crank with SIGINT ignored, as a shell without job control starts a background job."""
    return subprocess.Popen([sys.executable, "-m", "crank_cli", *args], cwd=crank.folder, env=crank.environ(None),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))


@pytest.mark.parametrize(("verb", "exit_code"), [(["up"], 130), (["logs", "-f"], 130)], ids=["up", "logs -f"])
def test_sigint_ignored_at_start_still_stops(engine: Engine, talker_project: Crank, verb: list[str],
                                             exit_code: int) -> None:
    if verb[0] != "up":
        started = talker_project("up", "-d")
        assert started.returncode == 0, started.stderr
    process = start_with_sigint_ignored(talker_project, *verb)
    try:
        first_line = process.stdout.readline()  # type: ignore[union-attr]
        assert first_line.rstrip() == "talker-1 | ready"

        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert code == exit_code, process.stderr.read()  # type: ignore[union-attr]
    # A foreground `up` stops the project on SIGINT, and `logs -f` leaves it running.
    state = engine.client("inspect", "--format", "{{.State.Status}}", f"{talker_project.project}-talker-1").stdout
    assert state.strip() == ("exited" if verb[0] == "up" else "running")


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_logs_follow_interrupt_exits_130(engine: Engine, talker: Crank, signal_number: signal.Signals) -> None:
    started = talker("up", "-d")
    assert started.returncode == 0, started.stderr
    process = talker.start("logs", "-f")
    first_line = process.stdout.readline()  # type: ignore[union-attr]
    code, stderr = interrupt(process, after=0, signal_number=signal_number)

    assert first_line.rstrip() == "talker-1 | ready"
    assert code == 130, stderr
    assert stderr == ""


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_events_signal_exits_130(engine: Engine, talker: Crank, signal_number: signal.Signals) -> None:
    started = talker("up", "-d")
    assert started.returncode == 0, started.stderr
    process = talker.start("events")
    try:
        # The engine's event stream needs a moment to start.
        time.sleep(3)
        process.send_signal(signal_number)
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130, process.stderr.read()  # type: ignore[union-attr]


def test_second_interrupt_kills_project(engine: Engine, project: Crank) -> None:
    # The service ignores SIGTERM and has a minute of grace, so only a kill ends it sooner.
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  stubborn:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"]
    stop_grace_period: 60s
"""
    )
    process = project.start("up")
    try:
        first_line = process.stdout.readline()  # type: ignore[union-attr]
        assert first_line.rstrip() == "stubborn-1 | ready"
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        time.sleep(2)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=50)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130
    assert elapsed < 30
    assert "killing the project" in process.stderr.read()  # type: ignore[union-attr]
    state = engine.client("inspect", "--format", "{{.State.Status}}", f"{project.project}-stubborn-1").stdout
    assert state.strip() == "exited"


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_up_interrupted_while_waiting_stops_project(engine: Engine, project: Crank, stop_signal: signal.Signals) -> None:
    # db turns healthy only after 30 s, so the signal comes while up waits for it.
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    healthcheck:
      test: ["CMD-SHELL", "test $$(cut -d. -f1 /proc/uptime) -gt 100000"]
      interval: 1s
      start_period: 30s
  web:
    image: {TEST_IMAGE}
    command: ["sleep", "600"]
    depends_on:
      db:
        condition: service_healthy
"""
    )
    process = project.start("up")
    try:
        deadline = time.monotonic() + 60
        while engine.objects(project.project)["containers"] == [] and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1)
        process.send_signal(stop_signal)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert code == 130
    state = engine.client("inspect", "--format", "{{.State.Status}}", f"{project.project}-db-1").stdout
    assert state.strip() == "exited"


def test_up_attached_says_how_container_ended(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  job:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"echo hi; exit 3\"]\n"
    )

    result = project("up", timeout=60)

    assert result.returncode == 0, result.stderr
    assert "job-1 | hi" in result.stdout
    assert "job-1 exited with code 3" in result.stderr


def test_status_without_compose_file_lists_projects(engine: Engine, project: Crank, tmp_path: Path) -> None:
    write_two_service_project(project.folder, free_port())
    assert project("up", "-d").returncode == 0
    elsewhere = Crank(tmp_path / "empty", engine.name, "unused")
    elsewhere.folder.mkdir()

    result = elsewhere("status", "--format", "json")

    assert result.returncode == 0, result.stderr
    projects = {row["project"] for row in json.loads(result.stdout)}
    assert project.project in projects
