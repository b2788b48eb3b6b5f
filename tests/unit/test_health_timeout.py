"""Healthchecks that crank runs itself (Podman without systemd): timeouts, failure counts, leftover commands."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from crank_cli.errors import EngineError, EngineTimeoutError, NotReadyError
from crank_cli.operations import wait
from crank_cli.process import Completed
from crank_cli.runtime import podman
from crank_cli.runtime.inspect import container_state
from crank_cli.runtime.models import CheckResult, ContainerState, HealthCheck
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.test_wait_ready import Clock

NAME = "hhealth-s-1"
STARTED_AT = "2026-12-06T02:00:00Z"
STARTED_AT_UNIX = 1796522400.0


class CheckRunner:
    """A runner that fails `healthcheck run` with `error` and returns `inspect_output` for `inspect`."""

    def __init__(self, error: EngineError | None, inspect_output: str = "[]") -> None:
        self.error = error
        self.inspect_output = inspect_output
        self.calls: list[tuple[list[str], float | None]] = []

    def __call__(self, argv: Sequence[str], *, input_text: str | None = None, timeout: float | None = None,
                 env: Mapping[str, str] | None = None) -> Completed:
        self.calls.append((list(argv), timeout))
        if argv[1:3] == ["healthcheck", "run"] and self.error is not None:
            raise self.error
        stdout = self.inspect_output if argv[1:3] == ["container", "inspect"] else ""
        return Completed(tuple(argv), stdout, "")


def test_podman_check_ended_after_timeout() -> None:
    argv = ["podman", "healthcheck", "run", NAME]
    runner = CheckRunner(EngineTimeoutError(argv, 3.0))

    result = PodmanEngine(runner=runner).run_healthcheck(NAME, 2.0)

    assert result == CheckResult(passed=False, recorded=False)
    assert runner.calls[0] == (argv, 2.0 + podman.HEALTHCHECK_GRACE_SECONDS)
    assert runner.calls[1][0] == ["podman", "container", "inspect", NAME]


def test_podman_check_default_timeout() -> None:
    runner = CheckRunner(None)

    result = PodmanEngine(runner=runner).run_healthcheck(NAME)

    assert result == CheckResult(passed=True)
    assert runner.calls == [(["podman", "healthcheck", "run", NAME],
                             podman.DEFAULT_HEALTH_TIMEOUT + podman.HEALTHCHECK_GRACE_SECONDS)]


@pytest.mark.parametrize(("code", "stderr"), [
    (1, "unhealthy"),
    (125, "Error: healthcheck command exceeded timeout of 1s"),
])
def test_podman_check_failure_recorded(code: int, stderr: str) -> None:
    runner = CheckRunner(EngineError(["podman", "healthcheck", "run", NAME], code, stderr))

    result = PodmanEngine(runner=runner).run_healthcheck(NAME, 1.0)

    assert result == CheckResult(passed=False)


def test_podman_check_engine_error_raised() -> None:
    error = EngineError(["podman", "healthcheck", "run", NAME], 125, f"Error: no container with name or ID {NAME!r}")
    runner = CheckRunner(error)

    with pytest.raises(EngineError):
        PodmanEngine(runner=runner).run_healthcheck(NAME, 1.0)


@pytest.mark.parametrize(("test", "command"), [
    (["CMD-SHELL", "sleep 5"], ["/bin/sh", "-c", "sleep 5"]),
    (["CMD", "sleep", "5"], ["sleep", "5"]),
])
def test_check_command(test: list[str], command: list[str]) -> None:
    assert podman.check_command(test) == command


def exec_session(static_dir: Path, session: str, args: list[str], pid: int, *, ended: bool = False) -> None:
    """Write the files Podman 4.3 keeps for an exec session."""
    folder = static_dir / session
    (folder / "exit").mkdir(parents=True)
    (folder / "exec-process-123").write_text(json.dumps({"args": args}))
    (folder / "exec_pid").write_text(f"{pid}\n")
    if ended:
        (folder / "exit" / session).write_text("0")


def test_end_check_commands_kills_running_check(tmp_path: Path) -> None:
    check = subprocess.Popen(["sleep", "30"])
    other = subprocess.Popen(["sleep", "30"])
    ended = subprocess.Popen(["sleep", "30"])
    try:
        exec_session(tmp_path, "check", ["/bin/sh", "-c", "sleep 60"], check.pid)
        exec_session(tmp_path, "other", ["sh"], other.pid)
        exec_session(tmp_path, "ended", ["/bin/sh", "-c", "sleep 60"], ended.pid, ended=True)
        record = {"StaticDir": str(tmp_path), "ExecIDs": ["check", "other", "ended", "missing"],
                  "Config": {"Healthcheck": {"Test": ["CMD-SHELL", "sleep 60"]}}}

        killed = podman.end_check_commands(record)

        assert killed == [check.pid]
        assert check.wait(timeout=5) == -9
        assert other.poll() is None
        assert ended.poll() is None
    finally:
        for child in (check, other, ended):
            child.kill()
            child.wait()


def test_inspect_reads_healthcheck_settings() -> None:
    record = {"Config": {"Healthcheck": {"Test": ["CMD-SHELL", "true"], "Timeout": 2_000_000_000, "Retries": 4,
                                         "StartPeriod": 500_000_000}}}

    check = container_state(record).healthcheck

    assert check == HealthCheck(test=("CMD-SHELL", "true"), timeout=2.0, retries=4, start_period=0.5)


def test_inspect_without_healthcheck() -> None:
    assert container_state({"Config": {"Healthcheck": {"Test": ["NONE"]}}}).healthcheck is None


FAILED = CheckResult(passed=False)
ENDED = CheckResult(passed=False, recorded=False)
PASSED = CheckResult(passed=True)


@pytest.mark.parametrize(("result", "expected"), [(FAILED, 3), (ENDED, 3), (PASSED, 0)])
def test_count_failures(result: CheckResult, expected: int) -> None:
    assert wait.count_failures(2, result, HealthCheck(test=()), STARTED_AT, STARTED_AT_UNIX + 10) == expected


def test_count_failures_start_period() -> None:
    check = HealthCheck(test=(), start_period=5.0)

    assert wait.count_failures(0, ENDED, check, STARTED_AT, STARTED_AT_UNIX + 4) == 0
    assert wait.count_failures(0, ENDED, check, STARTED_AT, STARTED_AT_UNIX + 6) == 1


class CheckingEngine:
    """An engine that does not schedule checks, whose one container is running and whose checks give `results`."""

    schedules_healthchecks = False

    def __init__(self, results: list[CheckResult], retries: int) -> None:
        self.results = results
        self.checks: list[tuple[str, float | None]] = []
        self.state = ContainerState(id="id", name=NAME, image="image", state="running", health="starting",
                                    labels={}, ports=(), started_at=STARTED_AT, has_healthcheck=True,
                                    healthcheck=HealthCheck(test=("CMD-SHELL", "sleep 60"), timeout=1.0,
                                                            retries=retries))

    def inspect_containers(self, names: list[str]) -> list[ContainerState]:
        return [self.state]

    def run_healthcheck(self, name: str, timeout: float | None = None) -> CheckResult:
        self.checks.append((name, timeout))
        return self.results.pop(0)


class NoEvents:
    def emit(self, subject: str, status: str) -> None:
        pass


def run_wait(engine: CheckingEngine) -> None:
    clock = Clock()
    target = wait.Target(NAME, "s", wait.HEALTHY, health_interval=1.0)
    wait.wait_for(engine, [target], 60, NoEvents(), clock=clock, sleep=clock.sleep)  # type: ignore[arg-type]


def test_wait_unhealthy_after_ended_checks() -> None:
    engine = CheckingEngine([ENDED, FAILED, ENDED], retries=3)

    with pytest.raises(NotReadyError, match=rf"^service s \({NAME}\) is unhealthy$"):
        run_wait(engine)

    assert engine.checks == [(NAME, 1.0)] * 3


def test_wait_pass_resets_failures() -> None:
    engine = CheckingEngine([ENDED, PASSED, ENDED, ENDED], retries=2)

    with pytest.raises(NotReadyError, match="is unhealthy"):
        run_wait(engine)

    assert len(engine.checks) == 4
