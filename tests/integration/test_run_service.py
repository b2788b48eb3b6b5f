"""`crank run SERVICE`, live on each engine: one-off containers, their dependencies and `down`."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import LABEL, TEST_IMAGE, Crank, Engine, interrupt

# Busybox's sh is PID 1 here and ignores SIGTERM without a trap, so each service traps it.
# `db` writes /data/ready to the shared volume two seconds after it starts and is healthy only
# from then on, so a one-off that finds the file started after the dependency was healthy.
COMPOSE = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch /data/ready; while true; do sleep 1; done"]
    volumes: [shared:/data]
    healthcheck:
      test: ["CMD", "test", "-f", "/data/ready"]
      interval: 1s
      retries: 30
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "exit 9"]
    volumes: [shared:/data]
    ports: ["127.0.0.1::80"]
    depends_on:
      db: {{condition: service_healthy}}
volumes:
  shared: {{}}
"""


@pytest.fixture
def service_project(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder with the compose file above and a unique name, removed from the engine afterwards."""
    name = f"runsvc-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


def one_off_containers(engine: Engine, project: str) -> list[str]:
    return [name for name in engine.objects(project)["containers"] if name.startswith(f"{project}-app-run-")]


def test_run_rm_passes_exit_code(engine: Engine, service_project: Crank) -> None:
    result = service_project("run", "--rm", "app", "sh", "-c", "exit 3")

    assert result.returncode == 3, result.stderr
    assert one_off_containers(engine, service_project.project) == []


def test_run_waits_for_healthy_dependency(engine: Engine, service_project: Crank) -> None:
    result = service_project("run", "--rm", "app", "test", "-f", "/data/ready")

    assert result.returncode == 0, result.stderr
    health = engine.client("inspect", "--format", "{{.State.Health.Status}}", f"{service_project.project}-db-1")
    assert health.stdout.strip() == "healthy"


def test_run_detached_then_down(engine: Engine, service_project: Crank) -> None:
    result = service_project("run", "-d", "app", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done")

    assert result.returncode == 0, result.stderr
    [name] = one_off_containers(engine, service_project.project)
    labels = engine.client("inspect", "--format", "{{json .Config.Labels}}", name).stdout
    assert '"io.crank.oneoff":"True"' in labels
    ports = engine.client("port", name, check=False).stdout
    assert ports.strip() == ""

    down = service_project("down", "-v")

    assert down.returncode == 0, down.stderr
    assert engine.objects(service_project.project) == {"containers": [], "networks": [], "volumes": []}


def test_run_label_and_aliases(engine: Engine, service_project: Crank) -> None:
    started = service_project("run", "-d", "--no-deps", "--use-aliases", "-l", "team=red", "app", "sleep", "60")

    assert started.returncode == 0, started.stderr
    container = started.stdout.strip()
    network = f"{service_project.project}_default"
    label = engine.client("inspect", "--format", '{{index .Config.Labels "team"}}', container).stdout.strip()
    aliases = engine.client("inspect", "--format", f'{{{{json (index .NetworkSettings.Networks "{network}").Aliases}}}}',
                            container).stdout
    assert label == "red"
    # With --use-aliases the one-off is also reachable by the service's name on the project's network.
    assert "app" in json.loads(aliases)


def test_run_mistyped_service_runs_nothing(engine: Engine, tmp_path: Path) -> None:
    name = f"crrun-typo-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    crank = Crank(folder, engine.name, name)
    container = f"{name}-image"
    try:
        typo = crank("run", "--rm", "ap", "echo", "hi")
        image = crank("run", "--rm", "--name", container, TEST_IMAGE, "echo", "hi")
    finally:
        engine.client("rm", "-f", container, check=False)
        engine.remove_project(name)

    assert typo.returncode == 2, typo.stderr
    assert "no such service: ap (the project has app, db)" in typo.stderr
    assert "pull" not in typo.stderr.lower()
    assert image.returncode == 0, image.stderr
    assert image.stdout == "hi\n"


def test_run_env_from_file_and_orphans(engine: Engine, service_project: Crank) -> None:
    gone = f"services:\n  gone:\n    image: {TEST_IMAGE}\n    command: [sleep, '600']\n    init: true\n"
    (service_project.folder / "old.yaml").write_text(gone)
    assert service_project("-f", "old.yaml", "up", "-d").returncode == 0
    (service_project.folder / "vars.env").write_text("FIRST=from-file\nSECOND=from-file\n")

    result = service_project("run", "--rm", "--no-deps", "--remove-orphans", "--env-from-file", "vars.env",
                             "-e", "SECOND=from-flag", "app", "sh", "-c", "echo $FIRST $SECOND")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-file from-flag"
    # The container of `gone`, which compose.yaml does not define, is removed.
    assert not [name for name in engine.objects(service_project.project)["containers"] if "-gone-" in name]


def test_run_quiet_prints_only_output(engine: Engine, service_project: Crank) -> None:
    result = service_project("run", "--rm", "-q", "app", "echo", "done")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    # Without -q, db's creation and health wait are reported on stderr.
    assert result.stderr == ""


def test_down_after_interrupted_run_rm(project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {TEST_IMAGE}\n")
    running = project.start("run", "--rm", "-T", "--entrypoint", "sleep", "web", "100")
    code, _ = interrupt(running, after=3)

    down = project("down", "-t", "1")

    assert code == 130
    assert down.returncode == 0, down.stderr
    assert "already in progress" not in down.stderr


def test_run_with_healthcheck_prints_no_timer_errors(engine: Engine, service_project: Crank) -> None:
    result = service_project("run", "--rm", "--no-deps", "db", "true")

    assert result.returncode == 0, result.stderr
    # Podman 4.3 without systemd printed "unable to get systemd connection" twice for a check's timer.
    assert "systemd" not in result.stderr


# A one-off that ignores SIGTERM, as `sleep` does as a container's first process, is killed
# one second after `stop`, so the tests below do not wait for the default ten seconds.
SLEEPER = f"""
services:
  web:
    image: {TEST_IMAGE}
    stop_grace_period: 1s
"""


def wait_for_running_one_off(engine: Engine, project: str, service: str) -> str:
    """Return the name of the service's one-off container once it runs; fail after 60 seconds."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        running = engine.client("ps", "--format", "{{.Names}}", "--filter", f"label={LABEL}={project}").stdout.split()
        found = [name for name in running if name.startswith(f"{project}-{service}-run-")]
        if found:
            return found[0]
        time.sleep(0.2)
    pytest.fail(f"no one-off container of {service} ran within 60 s")


def container_status(engine: Engine, name: str) -> str:
    return engine.client("inspect", "--format", "{{.State.Status}}", name).stdout.strip()


@pytest.mark.parametrize("remove", [False, True], ids=["kept", "rm"])
def test_run_with_taken_port_fails_clearly(engine: Engine, project: Crank, remove: bool) -> None:
    with socket.socket() as listener:
        # A port the kernel picks is free, and in Linux's default ephemeral range, 32768 to 60999.
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"
        (project.folder / "compose.yaml").write_text(
            f"services:\n  web:\n    image: {TEST_IMAGE}\n    ports: ['{address}:80']\n")

        result = project("run", *(["--rm"] if remove else []), "--service-ports", "web", "echo", "hi")

    assert result.returncode == 1, result.stderr
    assert f"service web: cannot start the one-off container because host port {address} is already in use" \
        in result.stderr
    assert "services.web.ports" in result.stderr
    # The engine client's own text (Docker's "Error response from daemon", Podman's "Error:") stays out.
    assert "Error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert engine.objects(project.project)["containers"] == []


def test_run_missing_command_leaves_nothing(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLEEPER)

    result = project("run", "web", "hrunfix-missing-command")

    # 127, as `docker run` exits for a command that was not found; docker compose 2.40.3 exits with 1.
    assert result.returncode == 127, result.stderr
    assert "service web: cannot start the one-off container: " in result.stderr
    assert '"hrunfix-missing-command": executable file not found' in result.stderr
    assert engine.objects(project.project)["containers"] == []


def test_run_taken_name_keeps_container(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLEEPER)
    taken = f"{project.project}-taken"
    # A container that was created and never started, as a one-off that could not start looks.
    engine.client("create", "--name", taken, TEST_IMAGE, "true")
    try:
        result = project("run", "--rm", "--name", taken, "web", "true")

        assert result.returncode == 1, result.stderr
        assert "service web: cannot start the one-off container: " in result.stderr
        assert "already in use" in result.stderr
        assert engine.client("container", "inspect", taken, check=False).returncode == 0
    finally:
        engine.client("rm", "-f", taken, check=False)


def test_run_streams_container_output(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLEEPER)

    result = project("run", "--rm", "-T", "web", "sh", "-c", "echo out; echo Error: from the container >&2; exit 125")

    assert result.returncode == 125, result.stderr
    assert result.stdout == "out\n"
    assert "Error: from the container\n" in result.stderr
    assert engine.objects(project.project)["containers"] == []


@pytest.mark.parametrize(("signal_number", "cause", "exit_code"),
                         [(signal.SIGINT, "Ctrl-C", 130), (signal.SIGTERM, "SIGTERM", 130)], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("remove", [False, True], ids=["kept", "rm"])
def test_run_interrupt_stops_one_off(engine: Engine, project: Crank, remove: bool, signal_number: signal.Signals,
                                     cause: str, exit_code: int) -> None:
    (project.folder / "compose.yaml").write_text(SLEEPER)
    running = project.start("run", *(["--rm"] if remove else []), "-T", "web", "sleep", "300")
    name = wait_for_running_one_off(engine, project.project, "web")

    code, stderr = interrupt(running, after=0, signal_number=signal_number)

    assert code == exit_code, stderr
    assert f"stopping {name} ({cause})" in stderr
    assert "Traceback" not in stderr
    if remove:
        assert engine.objects(project.project)["containers"] == []
    else:
        assert container_status(engine, name) == "exited"


def test_run_interrupt_on_terminal(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLEEPER)
    controller, terminal = os.openpty()

    def take_terminal() -> None:
        # After setsid(), the terminal becomes the controlling terminal of crank's new session.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    running = subprocess.Popen([sys.executable, "-m", "crank_cli", "run", "--rm", "web", "sleep", "300"],
                               cwd=project.folder, env=project.environ({"TERM": "xterm"}), stdin=terminal,
                               stdout=terminal, stderr=terminal, start_new_session=True, preexec_fn=take_terminal)
    os.close(terminal)
    # The terminal's output is read all along, because crank blocks once its buffer is full.
    output = bytearray()
    reader = threading.Thread(target=lambda: _drain(controller, output), daemon=True)
    reader.start()
    try:
        name = wait_for_running_one_off(engine, project.project, "web")
        tty = engine.client("inspect", "--format", "{{.Config.Tty}}", name).stdout.strip()
        running.send_signal(signal.SIGINT)
        code = running.wait(timeout=60)
    finally:
        if running.poll() is None:
            running.kill()
        reader.join(timeout=10)
        os.close(controller)

    assert tty == "true"
    assert code == 130, output.decode(errors="replace")
    assert engine.objects(project.project)["containers"] == []


def _drain(controller: int, output: bytearray) -> None:
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            # Linux raises EIO once no process has the terminal open any more.
            return
        if not chunk:
            return
        output += chunk
