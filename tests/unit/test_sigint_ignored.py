"""A foreground verb started with SIGINT ignored, as a shell without job control starts a background job.

Python leaves an ignored SIGINT ignored, so these run crank as a child process whose SIGINT
is ignored before it starts, with the engine's client faked as a script on PATH.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import crank_cli

# A podman client whose foreground `run` creates the file `ready`, which shows that crank waits on it, and then sleeps.
CLIENT = """#!/bin/sh
case "$1" in
  version) echo '{{"Client":{{"Version":"4.3.1"}}}}' ;;
  run) touch "{ready}"; exec sleep 30 ;;
esac
exit 0
"""


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """Return an environment with the fake client first on PATH and this checkout's crank importable."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    client = bin_folder / "podman"
    client.write_text(CLIENT.format(ready=tmp_path / "ready"))
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    environ = {key: value for key, value in os.environ.items()
               if key not in ("CONTAINER_HOST", "COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "CRANK_CONTAINER_RUNTIME")}
    return {**environ, "PATH": f"{bin_folder}:/usr/bin:/bin", "DOCKER_HOST": "tcp://127.0.0.1:9",
            "PYTHONPATH": str(Path(crank_cli.__file__).parents[1])}


def wait_for(path: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} did not appear within {seconds} s")
        time.sleep(0.05)


def test_helper_restores_ignored_sigint(environment: dict[str, str], tmp_path: Path) -> None:
    probe = ("import signal\n"
             "from crank_cli.cli.context import handle_sigint\n"
             "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)\n"
             "handle_sigint()\n"
             "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
             "print(signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)\n")

    def ignore_sigint_and_sighup() -> None:
        ignore_sigint()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=environment, capture_output=True,
                            text=True, timeout=60, preexec_fn=ignore_sigint_and_sighup)

    assert result.stdout.split() == ["True", "True", "True"], result.stderr


def test_foreground_run_stops_on_sigint(environment: dict[str, str], tmp_path: Path) -> None:
    # No compose file in reach, so the word is an image and crank waits on the client's `run`.
    command = [sys.executable, "-m", "crank_cli", "--runtime", "podman", "run", "-T", "busybox", "true"]
    process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=ignore_sigint)
    try:
        wait_for(tmp_path / "ready", 30)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate()

    assert code == 130, err
    assert "interrupted" in err


def test_foreground_run_service_stops_on_sigint(environment: dict[str, str], tmp_path: Path) -> None:
    # The client has not written a container ID when SIGINT comes, so crank ends it instead of waiting for it.
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    command = [sys.executable, "-m", "crank_cli", "--runtime", "podman", "run", "-T", "--no-deps", "web", "true"]
    process = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=ignore_sigint)
    try:
        wait_for(tmp_path / "ready", 30)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        _, err = process.communicate()

    assert code == 130, err
    assert "interrupted" in err
