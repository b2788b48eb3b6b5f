"""How many engine actions run at once, and the threads that run them."""

from __future__ import annotations

import os
import threading
import time

import pytest

from crank_cli import threads
from crank_cli.operations.parallel import parallel_limit
from crank_cli.runtime.docker_local import PARALLEL_REQUESTS, LocalDockerEngine
from crank_cli.runtime.docker_socket import DockerSocket
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner


def test_limit_flag_beats_environment() -> None:
    assert parallel_limit({"COMPOSE_PARALLEL_LIMIT": "3"}, requested=5) == 5


def test_limit_from_environment() -> None:
    assert parallel_limit({"COMPOSE_PARALLEL_LIMIT": "3"}) == 3


@pytest.mark.parametrize("environ", [{}, {"COMPOSE_PARALLEL_LIMIT": "many"}, {"COMPOSE_PARALLEL_LIMIT": ""}])
def test_limit_defaults_to_engine(environ: dict[str, str]) -> None:
    assert parallel_limit(environ) is None


def test_engine_defaults() -> None:
    docker = LocalDockerEngine(DockerSocket("/nonexistent.sock"), runner=FakeRunner({}))
    podman = PodmanEngine(runner=FakeRunner({}))

    assert docker.parallel_actions == PARALLEL_REQUESTS
    assert podman.parallel_actions == max(4, 2 * (os.cpu_count() or 2))


def test_run_all_keeps_order() -> None:
    assert threads.run_all(lambda number: number * 2, [3, 1, 2], limit=3) == [6, 2, 4]


def test_run_all_respects_limit() -> None:
    running = 0
    max_running = 0
    lock = threading.Lock()

    def task(_: int) -> None:
        nonlocal running, max_running
        with lock:
            running += 1
            max_running = max(max_running, running)
        time.sleep(0.02)
        with lock:
            running -= 1

    threads.run_all(task, range(8), limit=3)

    assert max_running == 3


def test_run_all_finishes_every_task_before_raising() -> None:
    finished: list[int] = []

    def task(number: int) -> None:
        if number in (1, 2):
            raise ValueError(f"task {number} failed")
        time.sleep(0.01)
        finished.append(number)

    with pytest.raises(ValueError, match="task 1 failed"):
        threads.run_all(task, range(5), limit=2)
    assert sorted(finished) == [0, 3, 4]


def test_single_item_runs_on_caller() -> None:
    assert threads.run_all(lambda _: threading.current_thread(), [0], limit=4) == [threading.current_thread()]


def test_call_all_returns_each_result() -> None:
    assert threads.call_all([lambda: "a", lambda: 2]) == ["a", 2]


def test_start_returns_result_later() -> None:
    release = threading.Event()

    def call() -> str:
        release.wait(5)
        return "done"

    result = threads.start(call)
    release.set()

    assert result() == "done"


def test_start_raises_call_error() -> None:
    def call() -> None:
        raise ValueError("failed in the background")

    result = threads.start(call)

    with pytest.raises(ValueError, match="in the background"):
        result()
