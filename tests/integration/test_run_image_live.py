"""A foreground `crank run IMAGE`, live on each engine: clear errors, no container left, and Ctrl-C."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# The container's first process traps SIGTERM, so `stop` ends it at once instead of after ten seconds.
TRAPPING = "trap 'exit 0' TERM; while true; do sleep 1; done"


@pytest.fixture
def container(engine: Engine, project: Crank) -> Iterator[str]:
    """A container name for the test, removed from the engine afterwards: image containers carry no project label."""
    name = f"{project.project}-solo"
    yield name
    engine.client("rm", "-f", name, check=False)


def exists(engine: Engine, name: str) -> bool:
    return engine.client("container", "inspect", name, check=False).returncode == 0


def signal_and_wait(running: subprocess.Popen[str], signal_number: signal.Signals = signal.SIGINT) -> tuple[int, str]:
    """Send a signal to a background crank and return its exit code and stderr; fail if it has not exited in 60 s.

    The wait ends when crank's output pipes close, and an engine client that crank left
    running keeps them open, so that case fails here instead of waiting for ever.
    """
    running.send_signal(signal_number)
    try:
        _, stderr = running.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        running.kill()
        pytest.fail("crank, or the engine client it started, was still running 60 s after the signal")
    return running.returncode, stderr


def wait_until_running(engine: Engine, name: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = engine.client("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
        if state == "running":
            return
        time.sleep(0.2)
    pytest.fail(f"container {name} did not run within 60 s")


def test_run_image_missing_fails_clearly(engine: Engine, project: Crank, container: str) -> None:
    # A localhost image: its pull goes to this machine's loopback, where no registry listens.
    image = f"localhost/{project.project}-missing:1"

    result = project("run", "--rm", "--name", container, image, "true")

    assert result.returncode == 1, result.stderr
    assert f"crank: error: image {image}: not found on the engine, and its pull failed" in result.stderr
    assert "Build or pull the image first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not exists(engine, container)


@pytest.mark.parametrize("remove", [False, True], ids=["kept", "rm"])
def test_run_image_taken_port_fails_clearly(engine: Engine, project: Crank, container: str, remove: bool) -> None:
    with socket.socket() as listener:
        # A port the kernel picks is free, and in Linux's default ephemeral range, 32768 to 60999.
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = f"127.0.0.1:{listener.getsockname()[1]}"

        result = project("run", *(["--rm"] if remove else []), "--name", container, "-p", f"{address}:80",
                         TEST_IMAGE, "echo", "hi")

    assert result.returncode == 1, result.stderr
    assert (f"crank: error: image {TEST_IMAGE}: cannot start the container because host port {address} is already "
            "in use: stop what listens there, or publish another host port in the --publish value") in result.stderr
    # The engine client's own text (Docker's "Error response from daemon", Podman's "Error:") stays out.
    assert "Error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not exists(engine, container)


def test_run_image_unknown_user_leaves_nothing(engine: Engine, project: Crank, container: str) -> None:
    result = project("run", "--name", container, "-u", "hrunimg-no-such-user", TEST_IMAGE, "true")

    assert result.returncode == 1, result.stderr
    assert f"crank: error: image {TEST_IMAGE}: cannot start the container: " in result.stderr
    assert "unable to find user hrunimg-no-such-user" in result.stderr
    assert "Traceback" not in result.stderr
    assert not exists(engine, container)


def test_run_image_taken_name_keeps_container(engine: Engine, project: Crank, container: str) -> None:
    # A container that was created and never started, as one that could not start looks.
    engine.client("create", "--name", container, TEST_IMAGE, "true")

    result = project("run", "--rm", "--name", container, TEST_IMAGE, "true")

    assert result.returncode == 1, result.stderr
    assert f"crank: error: image {TEST_IMAGE}: cannot start the container: " in result.stderr
    assert "already in use" in result.stderr
    assert exists(engine, container)


def test_run_image_streams_container_errors(engine: Engine, project: Crank, container: str) -> None:
    result = project("run", "--rm", "-T", "--name", container, TEST_IMAGE,
                     "sh", "-c", "echo out; echo Error: from the container >&2; exit 125")

    assert result.returncode == 125, result.stderr
    assert result.stdout == "out\n"
    assert "Error: from the container\n" in result.stderr
    assert not exists(engine, container)


@pytest.mark.parametrize(("signal_number", "cause"), [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")],
                         ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("remove", [False, True], ids=["kept", "rm"])
def test_run_image_interrupt_stops_container(engine: Engine, project: Crank, container: str, remove: bool,
                                             signal_number: signal.Signals, cause: str) -> None:
    running = project.start("run", *(["--rm"] if remove else []), "-T", "--name", container, TEST_IMAGE,
                            "sh", "-c", TRAPPING)
    wait_until_running(engine, container)

    code, stderr = signal_and_wait(running, signal_number)

    assert code == 130, stderr
    assert f"stopping {container} ({cause})" in stderr
    assert "Traceback" not in stderr
    if remove:
        assert not exists(engine, container)
    else:
        assert engine.client("inspect", "--format", "{{.State.Status}}", container).stdout.strip() == "exited"


def test_run_image_second_interrupt_kills(engine: Engine, project: Crank, container: str) -> None:
    # This container ignores SIGTERM, so only the kill ends it before the ten seconds of `stop`.
    running = project.start("run", "--rm", "-T", "--name", container, TEST_IMAGE,
                            "sh", "-c", "trap '' TERM; while true; do sleep 1; done")
    wait_until_running(engine, container)
    started = time.monotonic()
    running.send_signal(signal.SIGINT)
    time.sleep(1)

    code, stderr = signal_and_wait(running)

    assert code == 130, stderr
    assert f"killing {container} (interrupted again)" in stderr
    assert time.monotonic() - started < 9
    assert not exists(engine, container)
