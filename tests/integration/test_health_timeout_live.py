"""Healthchecks that run past their timeout, live on each engine.

Docker fails such a check at its timeout. On Podman without systemd crank runs each check, and
Podman 4.3's `healthcheck run` lets the command run to its end before it reports the timeout,
so crank has to end the check and count it as a failure.
"""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# The check's command would run for a minute, far past its 1 s timeout.
SLOW_CHECK = f"""
services:
  s:
    image: {TEST_IMAGE}
    command: ["sleep", "1000"]
    healthcheck:
      test: ["CMD-SHELL", "sleep 60"]
      timeout: 1s
      interval: 1s
      retries: 2
"""

FAILING_CHECK = f"""
services:
  s:
    image: {TEST_IMAGE}
    command: ["sleep", "1000"]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      timeout: 2s
      interval: 1s
      retries: 2
"""


@pytest.fixture
def podman_project(podman: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder on Podman alone, removed from Podman afterwards."""
    name = f"hhealth-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    yield Crank(folder, podman.name, name)
    podman.remove_project(name)


def test_check_past_timeout_is_unhealthy(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLOW_CHECK)

    # Before crank ended such checks, Podman took the whole minute of the first check.
    result = project("-p", project.project, "up", "-d", "--wait", timeout=40)

    assert result.returncode == 5, result.stderr
    assert f"service s ({project.project}-s-1) is unhealthy" in result.stderr


def test_check_failing_in_time_is_unhealthy(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(FAILING_CHECK)

    result = project("-p", project.project, "up", "-d", "--wait", timeout=40)

    assert result.returncode == 5, result.stderr
    assert f"service s ({project.project}-s-1) is unhealthy" in result.stderr


def test_ctrl_c_during_slow_check(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(SLOW_CHECK.replace("retries: 2", "retries: 30"))
    process = project.start("-p", project.project, "up", "-d", "--wait")
    try:
        # The first check is due 1 s after the wait begins, so by now one is running.
        wait_for_line(process, "waiting until ready")
        time.sleep(2)
        process.send_signal(signal.SIGINT)

        # The check's timeout is 1 s, so the interrupt must not wait for its minute-long command.
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert code == 130


def test_check_command_ended_on_podman(podman: Engine, podman_project: Crank) -> None:
    (podman_project.folder / "compose.yaml").write_text(SLOW_CHECK)

    result = podman_project("-p", podman_project.project, "up", "-d", "--wait", timeout=40)
    processes = podman.client("top", f"{podman_project.project}-s-1", "args").stdout

    assert result.returncode == 5, result.stderr
    assert "sleep 1000" in processes
    assert "sleep 60" not in processes


def wait_for_line(process: subprocess.Popen[str], text: str) -> None:
    """Read crank's standard error until a line contains `text`."""
    for line in process.stderr or ():
        if text in line:
            return
    pytest.fail(f"crank ended before it printed {text!r}")
