"""`up --wait` readiness of a container without a healthcheck, against scripted engine states."""

from __future__ import annotations

import pytest

from crank_cli.errors import NotReadyError
from crank_cli.operations import wait
from crank_cli.runtime.models import ContainerState

NAME = "hwaitfix-job-1"


class RecordedEvents:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def emit(self, subject: str, status: str) -> None:
        self.lines.append((subject, status))


def state(status: str, started_at: str = "2026-12-05T10:00:00Z", exit_code: int = 0) -> ContainerState:
    return ContainerState(id="id", name=NAME, image="image", state=status, health=None, labels={}, ports=(),
                          exit_code=exit_code, started_at=started_at)


class ScriptedEngine:
    """An engine whose containers go through `states`, one per poll; the last one stays."""

    schedules_healthchecks = True

    def __init__(self, states: list[ContainerState]) -> None:
        self.states = states
        self.polls = 0

    def inspect_containers(self, names: list[str]) -> list[ContainerState]:
        current = self.states[min(self.polls, len(self.states) - 1)]
        self.polls += 1
        return [current]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run_wait(states: list[ContainerState], timeout: float | None = None) -> ScriptedEngine:
    engine = ScriptedEngine(states)
    clock = Clock()
    target = wait.Target(NAME, "job", wait.READY)
    wait.wait_for(engine, [target], timeout, RecordedEvents(), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]
    return engine


def test_ready_task_exiting_after_first_poll_fails() -> None:
    with pytest.raises(NotReadyError, match="exited with code 0 instead of running"):
        run_wait([state("running"), state("exited")])


def test_ready_task_exited_at_first_poll_fails() -> None:
    with pytest.raises(NotReadyError, match="exited with code 0 instead of running"):
        run_wait([state("exited")])


def test_ready_after_running_settle_time() -> None:
    engine = run_wait([state("running")])

    # Polls every 0.25 s see it running from 0 s to 1 s.
    assert engine.polls == int(wait.SETTLE_SECONDS / wait.POLL_SECONDS) + 1


def test_ready_restart_begins_count_again() -> None:
    restarted = "2026-12-05T10:00:01Z"
    engine = run_wait([state("running"), state("running"), state("restarting"), state("running", restarted)])

    # Not ready at 0.25 s, because the third poll finds it restarting. The count begins at the fourth (0.75 s).
    assert engine.polls == 3 + int(wait.SETTLE_SECONDS / wait.POLL_SECONDS) + 1


def test_ready_new_start_time_begins_count_again() -> None:
    restarted = "2026-12-05T10:00:01Z"
    engine = run_wait([state("running"), state("running", restarted)])

    assert engine.polls == 1 + int(wait.SETTLE_SECONDS / wait.POLL_SECONDS) + 1


def test_ready_timeout_names_settle_time() -> None:
    with pytest.raises(NotReadyError, match=r"is running, expected running for 1 s"):
        run_wait([state("running")], timeout=0.5)


def dependency_events(states: list[ContainerState]) -> list[tuple[str, str]]:
    engine = ScriptedEngine(states)
    clock = Clock()
    events = RecordedEvents()
    target = wait.Target(NAME, "job", wait.STARTED)
    wait.wait_for(engine, [target], None, events, clock=clock, sleep=clock.sleep, waiter="web")  # type: ignore[arg-type]
    return events.lines


def test_dependency_met_at_first_look_is_silent() -> None:
    assert dependency_events([state("running")]) == []


def test_dependency_wait_names_waiting_service() -> None:
    assert dependency_events([state("created"), state("running")]) == [
        (NAME, "waiting to start, for service web"), (NAME, "started, for service web")]
