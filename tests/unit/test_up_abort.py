"""`up --abort-on-container-exit` and `--exit-code-from`, with the engine faked at the process boundary."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.cli.actions import foreground
from crank_cli.cli.actions.foreground import AbortPolicy
from crank_cli.cli.actions.up import _require_exit_code_service
from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import EngineError, Exit, UsageError
from crank_cli.operations.up import UpOptions
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

DB = "demo-db-1"
TESTS = "demo-tests-1"


class FakeLog:
    """A `logs --follow` process: prints its lines, then ends at once, when terminated, or when its container stops.

    A log whose container stops prints `stop_lines` before it ends, as a stop signal's trap would.
    """

    def __init__(self, lines: list[str], *, ends: bool, stop_lines: tuple[str, ...] = ()) -> None:
        self.ended = threading.Event()
        self.stopped = threading.Event()
        if ends:
            self.ended.set()
        self.stdout = self._read(lines, stop_lines)

    def _read(self, lines: list[str], stop_lines: tuple[str, ...]) -> Iterator[str]:
        yield from lines
        self.ended.wait(10)
        if self.stopped.is_set():
            yield from stop_lines

    def poll(self) -> int | None:
        return 0 if self.ended.is_set() else None

    def wait(self) -> int:
        return 0

    def terminate(self) -> None:
        self.ended.set()

    def stop_container(self) -> None:
        self.stopped.set()
        self.ended.set()


class FakeEngine:
    """Podman's client faked: `tests` has exited, and `db` runs until `stop`, after which it has exit code 137.

    When `db` stops, its log prints `db got-term` and ends.
    """

    def __init__(self, tests_exit_code: int) -> None:
        self.states = {
            DB: ("running", 0),
            TESTS: ("exited", tests_exit_code),
        }
        self.logs: dict[str, FakeLog] = {}
        self.runner = FakeRunner({
            ("podman", "container", "inspect"): self.inspect,
            ("podman", "stop"): self.stop,
        })

    def inspect(self, command: list[str]) -> str:
        records = []
        for name in command[3:]:
            status, code = self.states[name]
            service = name.split("-")[1]
            records.append({"Name": name, "State": {"Status": status, "ExitCode": code},
                            "Config": {"Labels": {"io.crank.project": "demo", "io.crank.service": service}}})
        return json.dumps(records)

    def stop(self, command: list[str]) -> str:
        for name in command[2:]:
            if name in self.states:
                self.states[name] = ("exited", 137)
            if name in self.logs:
                self.logs[name].stop_container()
        return ""

    def start_streaming(self, argv: list[str]) -> FakeLog:
        name = argv[-1]
        log = FakeLog([f"{name} says hello\n"], ends=self.states[name][0] == "exited", stop_lines=(f"{name} got-term\n",))
        self.logs[name] = log
        return log


def follow(monkeypatch: pytest.MonkeyPatch, engine: FakeEngine, abort: AbortPolicy) -> int:
    monkeypatch.setattr("crank_cli.process.start_streaming", engine.start_streaming)
    with pytest.raises(Exit) as stopped:
        foreground.follow(make_backend("podman", engine.runner), [DB, TESTS], None, abort)
    return stopped.value.exit_code


def test_abort_exits_with_first_exit_code(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    engine = FakeEngine(tests_exit_code=3)

    assert follow(monkeypatch, engine, AbortPolicy()) == 3

    assert ["podman", "stop", DB] in engine.runner.calls
    assert engine.states[DB] == ("exited", 137)
    talk = capsys.readouterr().err
    assert "tests-1 exited with code 3" in talk
    assert f"stopping the project ({TESTS} exited); press Ctrl-C to kill it" in talk
    assert "db-1 exited with code 137" in talk


def test_abort_prints_lines_while_stopping(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    engine = FakeEngine(tests_exit_code=3)

    assert follow(monkeypatch, engine, AbortPolicy(exit_code_from="tests")) == 3

    output = capsys.readouterr()
    assert f"{DB} got-term" in output.out
    assert output.err.count("db-1 exited with code 137") == 1


def test_abort_stop_failure_ends_following(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(tests_exit_code=3)
    engine.runner.replies[("podman", "stop")] = EngineError(["podman", "stop", DB], 125, "Error: no such container")
    monkeypatch.setattr("crank_cli.process.start_streaming", engine.start_streaming)
    began = time.monotonic()

    with pytest.raises(EngineError, match="no such container"):
        foreground.follow(make_backend("podman", engine.runner), [DB, TESTS], None, AbortPolicy())

    # db's log never ends by itself here (the fake waits 10 s), so a quick return shows that the failure ended it.
    assert time.monotonic() - began < 5


def test_abort_exits_zero_after_clean_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(tests_exit_code=0)

    assert follow(monkeypatch, engine, AbortPolicy()) == 0

    assert ["podman", "stop", DB] in engine.runner.calls


def test_abort_stops_but_never_removes(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(tests_exit_code=3)

    follow(monkeypatch, engine, AbortPolicy(exit_code_from="tests"))

    commands = [call[1] for call in engine.runner.calls]
    assert "rm" not in commands
    assert "kill" not in commands


def test_exit_code_from_exited_service(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(tests_exit_code=3)

    assert follow(monkeypatch, engine, AbortPolicy(exit_code_from="tests")) == 3


def test_exit_code_from_stopped_service(monkeypatch: pytest.MonkeyPatch) -> None:
    # db did not stop by itself: crank stopped it, so its exit code is the one it stopped with.
    engine = FakeEngine(tests_exit_code=3)

    assert follow(monkeypatch, engine, AbortPolicy(exit_code_from="db")) == 137


@pytest.mark.parametrize(("argv", "message"), [
    (["up", "-d", "--exit-code-from", "tests"], "--detach cannot be used with --exit-code-from"),
    (["up", "--detach", "--abort-on-container-exit"], "--detach cannot be used with --abort-on-container-exit"),
    (["up", "--wait", "--exit-code-from=tests"], "--wait cannot be used with --exit-code-from"),
    (["up", "-d", "--abort-on-container-exit", "--exit-code-from", "tests"],
     "--detach cannot be used with --abort-on-container-exit or --exit-code-from"),
], ids=["-d exit-code-from", "--detach abort", "--wait", "both"])
def test_abort_with_detach_is_usage_error(argv: list[str], message: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crank_cli.render._talk", "text")
    # No compose file is needed: the options are checked before the project is loaded.
    monkeypatch.chdir(tmp_path)

    assert run_cli(argv) == 2

    assert capsys.readouterr().err == f"crank: error: {message}\n"


def test_exit_code_from_service_not_started(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: busybox\n  tests:\n    image: busybox\n    depends_on: [db]\n"
    )
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))

    _require_exit_code_service(project, UpOptions(services=("tests",)), "db")
    with pytest.raises(UsageError, match=r"invalid --exit-code-from 'tests': this up starts only db"):
        _require_exit_code_service(project, UpOptions(services=("db",)), "tests")
    with pytest.raises(UsageError, match=r"no such service: nosuch"):
        _require_exit_code_service(project, UpOptions(), "nosuch")
