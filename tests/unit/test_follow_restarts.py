"""Following a container that its engine restarts, with the engine faked at the process boundary."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from crank_cli.cli.actions.foreground import ExitReporter
from crank_cli.operations.follow import follow_logs
from crank_cli.operations.restarts import restart_pending
from crank_cli.runtime.models import ContainerState
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner
from tests.unit.test_up_abort import FakeLog

FIRST = "2026-01-02T03:04:05.000000001Z"
SECOND = "2026-01-02T03:04:07.000000002Z"


def state(status: str, *, policy: str = "", retries: int = 0, count: int = 0, exit_code: int = 1) -> ContainerState:
    return ContainerState(id="1", name="demo-web-1", image="busybox", state=status, health=None, labels={}, ports=(),
                          exit_code=exit_code, restart_policy=policy, restart_retries=retries, restart_count=count)


class RestartingBackend:
    """Hands out the `logs --follow` processes in order, records each `since`, and shows the container running."""

    reports_pending_restarts = True

    def __init__(self, logs: list[FakeLog]) -> None:
        self.logs = logs
        self.since: list[str | None] = []
        self.tails: list[int | None] = []

    def follow_logs(self, name: str, **options: object) -> FakeLog:
        self.since.append(options["since"])  # type: ignore[arg-type]
        self.tails.append(options["tail"])  # type: ignore[arg-type]
        return self.logs.pop(0)

    def inspect_containers(self, names: list[str]) -> list[ContainerState]:
        return [state("running")]


def follow_two_runs(*, timestamps: bool) -> tuple[RestartingBackend, list[str]]:
    """Follow a container whose first log ends with a restart; the second log repeats the last line shown."""
    backend = RestartingBackend([
        FakeLog([f"{FIRST} run one\n"], ends=True),
        FakeLog([f"{FIRST} run one\n", f"{SECOND} run two\n"], ends=True),
    ])
    restarts = iter([True, False])
    written: list[str] = []
    follow_logs(backend, ["demo-web-1"], lambda name, line: written.append(line), tail=5,  # type: ignore[arg-type]
                since="2026-01-01T00:00:00Z", timestamps=timestamps, ended=lambda name: next(restarts))
    return backend, written


def test_restarted_log_resumes_after_last_line() -> None:
    backend, written = follow_two_runs(timestamps=False)

    assert written == ["run one", "run two"]
    assert backend.since == ["2026-01-01T00:00:00Z", FIRST]
    assert backend.tails == [5, None]


def test_restarted_log_keeps_requested_time_stamps() -> None:
    _, written = follow_two_runs(timestamps=True)

    assert written == [f"{FIRST} run one", f"{SECOND} run two"]


def test_log_without_restart_is_followed_once() -> None:
    backend = RestartingBackend([FakeLog([f"{FIRST} only run\n"], ends=True)])
    written: list[str] = []

    follow_logs(backend, ["demo-web-1"], lambda name, line: written.append(line),  # type: ignore[arg-type]
                ended=lambda name: False)

    assert written == ["only run"]
    assert backend.since == [None]


@pytest.mark.parametrize(("container", "reports_pending", "expected"), [
    (state("restarting"), True, True),
    (state("running"), False, True),
    (state("exited", policy="always"), True, False),
    (state("exited", policy="always"), False, True),
    (state("exited", policy="unless-stopped"), False, True),
    (state("exited", policy="on-failure", retries=2, count=1), False, True),
    (state("exited", policy="on-failure", retries=2, count=2), False, False),
    (state("exited", policy="on-failure", retries=0, count=9), False, True),
    (state("exited", policy="on-failure", exit_code=0), False, False),
    (state("exited", policy="no"), False, False),
    (state("created", policy="always"), False, False),
], ids=["docker-restarting", "running-again", "docker-stopped-always", "podman-always", "podman-unless-stopped",
        "podman-on-failure-retry-left", "podman-on-failure-retries-used", "podman-on-failure-unlimited",
        "podman-on-failure-success", "podman-no-policy", "never-started"])
def test_restart_pending_by_state_and_policy(container: ContainerState, reports_pending: bool, expected: bool) -> None:
    assert restart_pending(container, reports_pending=reports_pending) is expected


def inspect_reply(status: str, exit_code: int, count: int) -> str:
    return json.dumps([{"Name": "demo-web-1", "RestartCount": count,
                        "State": {"Status": status, "ExitCode": exit_code},
                        "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 2}},
                        "Config": {"Labels": {"io.crank.project": "demo", "io.crank.service": "web"}}}])


def died_events(times: list[float], exit_code: int) -> str:
    """Return `podman events --format json` output: one `died` event per time, which leaves out an exit code of 0."""
    lines = []
    for moment in times:
        record: dict[str, object] = {"Status": "died", "Name": "demo-web-1", "ID": "1",
                                     "Time": datetime.fromtimestamp(moment, timezone.utc).isoformat(),
                                     "Attributes": {"io.crank.service": "web"}}
        if exit_code:
            record["ContainerExitCode"] = exit_code
        lines.append(json.dumps(record))
    return "\n".join(lines)


@pytest.mark.parametrize(("status", "count", "exits", "message"), [
    ("exited", 0, 0, "web-1 exited with code 3 (restarting)\n"),
    ("exited", 1, 1, "web-1 exited with code 3 (restarting)\n"),
    ("exited", 2, 2, "web-1 exited with code 3 (restarting)\nweb-1 exited with code 3\n"),
    ("running", 2, 2, "web-1 exited with code 3 (restarting)\nweb-1 exited with code 3 (restarting)\n"),
], ids=["first-exit", "retry-left", "final-after-passed-exit", "running-after-passed-exits"])
def test_reporter_reports_each_exit(status: str, count: int, exits: int, message: str,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    now = time.time()
    runner = FakeRunner({
        ("podman", "container", "inspect"): inspect_reply(status, 0 if status == "running" else 3, count),
        ("podman", "events"): died_events([now - 2 + index for index in range(exits)], exit_code=3),
    })
    reporter = ExitReporter(make_backend("podman", runner), since=now - 10)

    exited, restarting = reporter.report("demo-web-1")

    assert exited is not None
    assert exited.exit_code == 3
    assert restarting is (status == "running" or count < 2)
    assert capsys.readouterr().err == message
    # Only a container that restarted costs an event query.
    queries = [call for call in runner.calls if call[1] == "events"]
    assert len(queries) == (1 if count else 0)
    # Podman then prints the recorded events and ends, without waiting a second past now.
    assert all("--stream=false" in query for query in queries)


def test_reporter_reads_left_out_exit_code_as_zero(capsys: pytest.CaptureFixture[str]) -> None:
    now = time.time()
    runner = FakeRunner({
        ("podman", "container", "inspect"): inspect_reply("running", 0, 1),
        ("podman", "events"): died_events([now - 2], exit_code=0),
    })
    reporter = ExitReporter(make_backend("podman", runner), since=now - 10)

    exited, restarting = reporter.report("demo-web-1")

    assert exited is not None
    assert exited.exit_code == 0
    assert restarting is True
    assert capsys.readouterr().err == "web-1 exited with code 0 (restarting)\n"


class StoppedBackend(RestartingBackend):
    """Shows the container stopped for good, as after a user's stop."""

    def inspect_containers(self, names: list[str]) -> list[ContainerState]:
        return [state("exited", policy="no")]


def test_restart_that_never_comes_ends_following() -> None:
    # The second log shows the lines of a run that began and ended between two looks.
    backend = StoppedBackend([
        FakeLog([f"{FIRST} run one\n"], ends=True),
        FakeLog([f"{FIRST} run one\n", f"{SECOND} run two\n"], ends=True),
    ])
    ended: list[str] = []
    written: list[str] = []

    def on_exit(name: str) -> bool:
        ended.append(name)
        return True

    follow_logs(backend, ["demo-web-1"], lambda name, line: written.append(line),  # type: ignore[arg-type]
                ended=on_exit)

    assert written == ["run one", "run two"]
    assert ended == ["demo-web-1", "demo-web-1"]
    assert backend.since == [None, FIRST]
