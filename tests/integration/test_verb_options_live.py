"""Options of logs, ls, exec and up that docker compose has, live on each engine."""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"
RUNNING = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo web ready; {IDLE}"]
    scale: 2
"""
# A project whose only container exits at once, so it has no running container.
FINISHED = f"""
services:
  job:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo job done"]
"""
# For up in the foreground: ok exits 0 at once, bad exits 3 two seconds later, idle runs until stopped.
FOREGROUND = f"""
services:
  ok:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo ok done"]
  bad:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "sleep 2; echo bad done; exit 3"]
  idle:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo idle started; {IDLE}"]
    stop_grace_period: 2s
"""
# For up --attach-dependencies: app prints at once, dep, which app depends on, a line before app starts.
DEPENDENT = f"""
services:
  dep:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo dep ready; sleep 1"]
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo app done"]
    depends_on: [dep]
"""
# For attach: talker writes a line two seconds after it starts, then exits with code 3.
LATE = f"""
services:
  talker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "sleep 2; echo late line; exit 3"]
"""
# For attach --no-stdin: reader keeps its standard input open and ends with code 4 once the input ends.
READER = f"""
services:
  reader:
    image: {TEST_IMAGE}
    stdin_open: true
    command: ["sh", "-c", "echo reader ready; while read line; do echo got $$line; done; echo input ended; exit 4"]
"""
# The time stamp of `logs --timestamps` on either engine, and the space after it.
TIME_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) ")


def make_project(engine: Engine, tmp_path: Path, name: str, text: str) -> Crank:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(text)
    return Crank(folder, engine.name, name)


def state(engine: Engine, container: str) -> str:
    return engine.client("inspect", "--format", "{{.State.Status}}", container).stdout.strip()


def wait_for_state(engine: Engine, container: str, expected: str) -> None:
    deadline = time.monotonic() + 30
    while state(engine, container) != expected:
        assert time.monotonic() < deadline, f"{container} did not become {expected}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def started(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Crank, Crank]]:
    """Start a project with two running web replicas and one whose only container has exited."""
    name = f"ho-options-{secrets.token_hex(4)}"
    tmp_path = tmp_path_factory.mktemp(name)
    try:
        running = make_project(engine, tmp_path, name, RUNNING)
        finished = make_project(engine, tmp_path, f"{name}-done", FINISHED)
        for crank in (running, finished):
            result = crank("up", "-d")
            assert result.returncode == 0, result.stderr
        wait_for_state(engine, f"{name}-done-job-1", "exited")
        # Both replicas have written their line once the log shows it.
        deadline = time.monotonic() + 30
        while running("logs", "web").stdout.count("web ready") < 2:
            assert time.monotonic() < deadline, "the web replicas wrote no line"
            time.sleep(0.2)
        yield running, finished
    finally:
        engine.remove_project(name)
        engine.remove_project(f"{name}-done")


def test_logs_since_and_until(started: tuple[Crank, Crank]) -> None:
    running, _ = started
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    recent = running("logs", "--since", "1h", "web")
    old = running("logs", "--until", "1h", "web")
    later = running("logs", "--since", future, "web")

    assert recent.returncode == 0, recent.stderr
    assert recent.stdout.count("web ready") == 2
    # Podman reads a duration given to its own --until as a time in the future, so this
    # shows that crank hands it an absolute time an hour ago.
    assert old.returncode == 0, old.stderr
    assert old.stdout == ""
    assert later.returncode == 0, later.stderr
    assert later.stdout == ""


def test_logs_index_without_prefix(started: tuple[Crank, Crank]) -> None:
    running, _ = started

    result = running("logs", "--index", "2", "--no-log-prefix", "--no-color", "-n", "all", "web")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "web ready\n"


def test_ls_hides_stopped_without_all(started: tuple[Crank, Crank]) -> None:
    running, finished = started
    pattern = f"name=^{running.project}"

    plain = running("ls", "-q", "--filter", pattern)
    every = running("ls", "--all", "--quiet", "--filter", pattern)

    assert plain.returncode == 0, plain.stderr
    assert plain.stdout == f"{running.project}\n"
    assert every.returncode == 0, every.stderr
    assert every.stdout == f"{running.project}\n{finished.project}\n"


def test_exec_without_running_container_exits_1(started: tuple[Crank, Crank]) -> None:
    running, finished = started

    beyond = running("exec", "-T", "--index", "3", "web", "true")
    stopped = finished("exec", "-T", "job", "true")

    # docker compose 2.40.3 exits with 1 in both cases.
    assert beyond.returncode == 1
    assert "service web has no running container number 3" in beyond.stderr
    assert stopped.returncode == 1
    assert "service job has no running container number 1" in stopped.stderr


def test_exec_detach_and_privileged(engine: Engine, started: tuple[Crank, Crank]) -> None:
    running, _ = started
    container = f"{running.project}-web-1"
    status = ["grep", "CapEff", "/proc/self/status"]

    detached = running("exec", "-d", "web", "touch", "/detached-marker")
    privileged = running("exec", "-T", "--privileged", "web", *status)
    direct = engine.client("exec", "--privileged", container, *status, check=False)
    plain = engine.client("exec", container, *status)

    # Podman prints a detached exec's session ID; crank prints nothing, as docker compose does.
    assert detached.returncode == 0, detached.stderr
    assert detached.stdout == ""
    deadline = time.monotonic() + 10
    while engine.client("exec", container, "test", "-e", "/detached-marker", check=False).returncode:
        assert time.monotonic() < deadline, "the detached command did not run"
        time.sleep(0.2)
    # crank gives the same result as the engine's own client. Podman here grants every
    # capability, more than the default set. This machine's Docker 20.10 fails the privileged
    # exec with exit code 126, because its host withholds capabilities.
    assert (privileged.returncode, privileged.stdout) == (direct.returncode, direct.stdout)
    if direct.returncode == 0:
        assert int(privileged.stdout.split()[1], 16) > int(plain.stdout.split()[1], 16)


def test_up_attach_and_failure_abort(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-attach-{secrets.token_hex(4)}", FOREGROUND)
    try:
        aborted = crank("up", "--abort-on-container-failure", "--no-attach", "idle", timeout=120)
        idle_after_abort = state(engine, f"{crank.project}-idle-1")
        attached = crank("up", "--attach", "ok", timeout=120)
        idle_after_attach = state(engine, f"{crank.project}-idle-1")
    finally:
        engine.remove_project(crank.project)

    # ok's exit code 0 stops nothing; bad's 3 stops idle, and up exits with it.
    assert aborted.returncode == 3, aborted.stderr
    assert "bad-1 | bad done" in aborted.stdout
    # The prefixes are padded to the longest container name followed, here ok's and bad's.
    assert "ok-1  | ok done" in aborted.stdout
    assert "idle started" not in aborted.stdout
    assert "ok-1 exited with code 0" in aborted.stderr
    assert f"stopping the project ({crank.project}-bad-1 exited)" in aborted.stderr
    assert idle_after_abort == "exited"
    # Following only ok, up returns once ok has exited, and the others keep running.
    assert attached.returncode == 0, attached.stderr
    assert set(attached.stdout.splitlines()) == {"ok-1 | ok done"}
    assert idle_after_attach == "running"


def test_up_attach_dependencies_with_bare_time_stamped_lines(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-deps-{secrets.token_hex(4)}", DEPENDENT)
    try:
        result = crank("up", "--attach-dependencies", "--no-log-prefix", "--timestamps", "app", timeout=120)
    finally:
        engine.remove_project(crank.project)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # Without --attach-dependencies, `up app` would show only app's line.
    assert sorted(TIME_STAMP.sub("", line) for line in lines) == ["app done", "dep ready"]
    assert all(TIME_STAMP.match(line) for line in lines), lines


def test_up_again_prints_only_new_output(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-again-{secrets.token_hex(4)}", FINISHED)
    try:
        first = crank("up", timeout=120)
        second = crank("up", "job", timeout=120)
    finally:
        engine.remove_project(crank.project)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    # The second up starts the exited container again; its first run's line is not shown again.
    assert second.stdout.count("job done") == 1, second.stdout


def test_attach_shows_output_and_exit_code(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-attach-{secrets.token_hex(4)}", LATE)
    try:
        started = crank("up", "-d")
        attached = crank("attach", "--no-stdin", "talker", timeout=60)
        missing = crank("attach", "talker")
    finally:
        engine.remove_project(crank.project)

    assert started.returncode == 0, started.stderr
    # Podman 4.3's client exits with 0 here; crank takes the exit code from the container.
    assert attached.returncode == 3, attached.stderr
    assert "late line" in attached.stdout
    # docker compose 2.40.3 exits with 1 when the service has no running container.
    assert missing.returncode == 1
    assert "service talker has no running container number 1" in missing.stderr


def test_attach_without_stdin_leaves_the_containers_input_open(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"crgap-attach-{secrets.token_hex(4)}", READER)
    container = f"{crank.project}-reader-1"
    attached: subprocess.Popen[str] | None = None
    try:
        started = crank("up", "-d")
        assert started.returncode == 0, started.stderr
        wait_for_state(engine, container, "running")
        # In a session of its own, so that crank and the engine's client end together below.
        attached = subprocess.Popen([sys.executable, "-m", "crank_cli", "attach", "--no-stdin", "reader"], cwd=crank.folder,
                                    env=crank.environ(None), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True)
        time.sleep(4)
        still_attached = attached.poll() is None
        reader_state = state(engine, container)
    finally:
        if attached is not None and attached.poll() is None:
            os.killpg(attached.pid, signal.SIGKILL)
        output = attached.communicate(timeout=30) if attached is not None else ("", "")
        engine.remove_project(crank.project)

    # Podman 4.3's client, given --no-stdin, closed the container's input at once, and reader ended with code 4.
    assert still_attached, output
    assert reader_state == "running", output
    assert "input ended" not in output[0]


def read_until(watcher: subprocess.Popen[str], actions: set[str], seconds: float) -> list[dict[str, object]]:
    """Read JSON lines of `crank events --json` until one has an action in `actions`; fail after `seconds`."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watcher.stdout or ()], daemon=True).start()
    found: list[dict[str, object]] = []
    deadline = time.monotonic() + seconds
    while not found or found[-1]["action"] not in actions:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no event among {sorted(actions)}; events: {found}"
        try:
            found.append(json.loads(lines.get(timeout=remaining)))
        except queue.Empty:
            continue
    return found


def test_events_follow_the_project(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-events-{secrets.token_hex(4)}", LATE)
    watcher = crank.start("events", "--json", "talker")
    try:
        # The watcher needs a moment to start; talker then dies two seconds after up starts it.
        time.sleep(3)
        started = crank("up", "-d")
        found = read_until(watcher, {"die", "died"}, 60)
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(timeout=30)
    finally:
        if watcher.poll() is None:
            watcher.kill()
        engine.remove_project(crank.project)

    assert started.returncode == 0, started.stderr
    assert code == 130
    assert [event["action"] for event in found][-1] in ("die", "died")
    assert "start" in [event["action"] for event in found]
    for event in found:
        assert (event["schema"], event["type"], event["service"]) == (1, "container", "talker")
        assert event["attributes"]["name"] == f"{crank.project}-talker-1"  # type: ignore[index]
    assert found[-1]["attributes"]["exitCode"] == "3"  # type: ignore[index]


def test_events_since_until_replay_window(engine: Engine, tmp_path: Path) -> None:
    crank = make_project(engine, tmp_path, f"ho-events-{secrets.token_hex(4)}", LATE)
    try:
        before = time.time()
        started = crank("up", "-d")
        # talker exits two seconds after it starts; the window ends once it has.
        wait_for_state(engine, f"{crank.project}-talker-1", "exited")
        after = time.time()
        replayed = crank("events", "--json", "--since", f"{before:.3f}", "--until", f"{after:.3f}", timeout=60)
    finally:
        engine.remove_project(crank.project)

    assert started.returncode == 0, started.stderr
    assert replayed.returncode == 0, replayed.stderr
    found = [json.loads(line) for line in replayed.stdout.splitlines()]
    actions = [event["action"] for event in found]
    assert actions[0] == "create"
    assert "start" in actions
    assert actions[-1] in ("die", "died", "cleanup")
    for event in found:
        moment = datetime.fromisoformat(str(event["time"])).timestamp()
        assert before <= moment <= after, event
