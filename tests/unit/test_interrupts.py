"""Ctrl-C lets an engine command or request that has begun end before it takes effect."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli import process, threads
from crank_cli.runtime.docker_socket import DockerSocket
from tests.unit.test_docker_socket import FakeDaemon


@pytest.fixture
def interrupt_soon() -> Iterator[None]:
    """Send SIGINT to this process 0.1 s after the test starts, as Ctrl-C on a terminal does.

    Python's own handler is installed for the test, because a shell starts background jobs
    with SIGINT ignored, and Python keeps it ignored.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("interrupt_soon")
def test_run_lets_command_finish(tmp_path: Path) -> None:
    marker = tmp_path / "finished"

    with pytest.raises(KeyboardInterrupt):
        process.run(["sh", "-c", f"sleep 0.5; echo done > {marker}"])

    assert marker.read_text() == "done\n"


@pytest.mark.usefixtures("interrupt_soon")
def test_socket_waits_for_response(tmp_path: Path) -> None:
    daemon = FakeDaemon(tmp_path / "docker.sock", {"/containers/x/stop": (204, None)}, delay=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            DockerSocket(str(tmp_path / "docker.sock")).send("POST", "/containers/x/stop")
    finally:
        daemon.close()

    assert time.monotonic() - started >= 0.5
    assert daemon.requests == ["/containers/x/stop"]


@pytest.mark.usefixtures("interrupt_soon")
def test_run_all_starts_no_more_tasks() -> None:
    finished: list[int] = []

    def task(number: int) -> None:
        # The first task ends last: on Python 3.11, Ctrl-C during `Thread.join` marks a running
        # thread as ended, and a wait built on `join` then returned before task 0 had ended.
        time.sleep(0.6 if number == 0 else 0.3)
        finished.append(number)

    with pytest.raises(KeyboardInterrupt):
        threads.run_all(task, range(6), limit=2)

    assert sorted(finished) == [0, 1]


@pytest.mark.usefixtures("interrupt_soon")
def test_start_waits_for_call_after_interrupt() -> None:
    finished: list[bool] = []

    def call() -> None:
        time.sleep(0.5)
        finished.append(True)

    result = threads.start(call)
    with pytest.raises(KeyboardInterrupt):
        result()

    assert finished == [True]


def test_third_interrupt_kills_command(capsys: pytest.CaptureFixture[str]) -> None:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers = [threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT)) for delay in (0.1, 0.4, 0.7)]
    for timer in timers:
        timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            process.run(["sleep", "30"])
    finally:
        for timer in timers:
            timer.cancel()
        signal.signal(signal.SIGINT, previous)

    assert time.monotonic() - started < 10
    assert "press Ctrl-C again to kill it" in capsys.readouterr().err


def test_replica_specs_stop_at_interrupt(tmp_path: Path) -> None:
    from crank_cli.compose import LoadOptions, load_project
    from crank_cli.operations.cancel import CancelledError, cancel_on_interrupt
    from crank_cli.operations.up import replica_specs

    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with cancel_on_interrupt():
            # The handler runs before the next line, so the request is pending from the first spec.
            os.kill(os.getpid(), signal.SIGINT)
            with pytest.raises(CancelledError):
                # A loop that ignores the request returns all 50,000 specs, so `raises` fails.
                replica_specs(project, "web", 50_000)
    except CancelledError:
        # `cancel_on_interrupt` raises again on leaving, for the request still pending.
        pass
    finally:
        signal.signal(signal.SIGINT, previous)


def test_interrupt_during_last_command_says_done() -> None:
    from crank_cli.operations.cancel import CancelledError, cancel_on_interrupt

    with pytest.raises(CancelledError) as raised, cancel_on_interrupt():
        os.kill(os.getpid(), signal.SIGINT)
        # The signal handler runs between bytecodes; the block's last step then ends normally.
        time.sleep(0.05)

    assert "no step was left undone" in raised.value.message
    assert "run the command again" not in raised.value.message
    assert raised.value.exit_code == 130


def test_stop_or_kill_returns_after_stop() -> None:
    calls: list[str] = []

    threads.stop_or_kill(lambda: calls.append("stop"), lambda: calls.append("kill"))

    assert calls == ["stop"]


def test_stop_or_kill_raises_stop_failure() -> None:
    def stop() -> None:
        raise ValueError("stop failed")

    with pytest.raises(ValueError, match="stop failed"):
        threads.stop_or_kill(stop, lambda: None)


@pytest.mark.usefixtures("interrupt_soon")
def test_stop_or_kill_kills_on_interrupt() -> None:
    stop_may_end = threading.Event()
    killed: list[float] = []
    started = time.monotonic()

    try:
        with pytest.raises(KeyboardInterrupt):
            threads.stop_or_kill(lambda: stop_may_end.wait(30), lambda: killed.append(time.monotonic() - started))
    finally:
        stop_may_end.set()

    assert len(killed) == 1
    # The interrupt comes 0.1 s in, and the kill does not wait for the stop, which would take 30 s.
    assert killed[0] < 10
    assert time.monotonic() - started < 10
