"""`up --attach`, `--no-attach` and `--abort-on-container-failure`, with the engine faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.cli.actions import foreground
from crank_cli.cli.actions.foreground import AbortPolicy, ContainerExited, ExitReporter, LogView, _on_exit, _stop
from crank_cli.cli.actions.up import _followed_containers, _require_attached_services
from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import UsageError
from crank_cli.operations.up import UpOptions
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner
from tests.unit.test_up_abort import DB, TESTS, FakeEngine, FakeLog, follow

SERVICES = {"db": ["demo-db-1"], "web": ["demo-web-1", "demo-web-2"], "tests": ["demo-tests-1"]}


@pytest.mark.parametrize(("attach", "no_attach", "expected"), [
    ([], [], ["demo-db-1", "demo-web-1", "demo-web-2", "demo-tests-1"]),
    (["web"], [], ["demo-web-1", "demo-web-2"]),
    (["web", "tests"], ["tests"], ["demo-web-1", "demo-web-2"]),
    ([], ["web", "nosuch"], ["demo-db-1", "demo-tests-1"]),
    ([], ["db", "web", "tests"], []),
])
def test_followed_containers(attach: list[str], no_attach: list[str], expected: list[str]) -> None:
    assert _followed_containers(SERVICES, attach, no_attach) == expected


@pytest.mark.parametrize(("attach", "named", "unattached", "expected"), [
    ([], ["tests"], [], ["demo-tests-1"]),
    ([], [], ["db"], ["demo-web-1", "demo-web-2", "demo-tests-1"]),
    ([], ["db"], ["db"], ["demo-db-1"]),
    (["db"], ["tests"], ["db"], ["demo-db-1"]),
], ids=["named-without-dependencies", "attach-false-left-out", "named-despite-attach-false", "attach-wins"])
def test_followed_by_default(attach: list[str], named: list[str], unattached: list[str], expected: list[str]) -> None:
    assert _followed_containers(SERVICES, attach, [], named=named, unattached=unattached) == expected


def test_attach_service_not_started(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: busybox\n  tests:\n    image: busybox\n    depends_on: [db]\n"
    )
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))

    _require_attached_services(project, UpOptions(services=("tests",)), ["db", "tests"])
    with pytest.raises(UsageError, match=r"invalid --attach 'tests': this up starts only db"):
        _require_attached_services(project, UpOptions(services=("db",)), ["tests"])
    with pytest.raises(UsageError, match=r"invalid --attach 'db': this up starts only tests"):
        _require_attached_services(project, UpOptions(services=("tests",), no_deps=True), ["db"])
    with pytest.raises(UsageError, match=r"no such service: nosuch"):
        _require_attached_services(project, UpOptions(), ["nosuch"])


def test_failure_abort_exits_with_failed_code(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(tests_exit_code=3)

    assert follow(monkeypatch, engine, AbortPolicy(only_failure=True)) == 3

    assert ["podman", "stop", DB] in engine.runner.calls
    assert engine.states[DB] == ("exited", 137)


@pytest.mark.parametrize(("policy", "exit_code", "aborts"), [
    (AbortPolicy(only_failure=True), 0, False),
    (AbortPolicy(only_failure=True), 3, True),
    (AbortPolicy(), 0, True),
    (None, 3, False),
])
def test_exit_aborts_by_policy(policy: AbortPolicy | None, exit_code: int, aborts: bool,
                               capsys: pytest.CaptureFixture[str]) -> None:
    reporter = ExitReporter(make_backend("podman", FakeEngine(tests_exit_code=exit_code).runner))

    if aborts:
        with pytest.raises(ContainerExited) as exited:
            _on_exit(reporter, TESTS, policy)
        assert exited.value.exit_code == exit_code
    else:
        _on_exit(reporter, TESTS, policy)
    assert f"tests-1 exited with code {exit_code}" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["up", "--abort-on-container-exit", "--abort-on-container-failure"],
     "--abort-on-container-exit and --abort-on-container-failure cannot be used together"),
    (["up", "-d", "--abort-on-container-failure"], "--detach cannot be used with --abort-on-container-failure"),
    (["up", "-d", "--attach", "web"], "--detach cannot be used with --attach"),
    (["up", "--wait", "--attach=web", "--exit-code-from", "web"], "--wait cannot be used with --exit-code-from or --attach"),
    (["up", "-d", "--attach-dependencies", "web"], "--detach cannot be used with --attach-dependencies"),
    (["up", "--attach", "web", "--attach-dependencies"],
     "--attach and --attach-dependencies cannot be used together: --attach names the services to follow"),
], ids=["both aborts", "-d failure", "-d attach", "--wait attach", "-d attach-dependencies", "attach both"])
def test_foreground_options_with_detach(argv: list[str], message: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crank_cli.render._talk", "text")
    # No compose file is needed: the options are checked before the project is loaded.
    monkeypatch.chdir(tmp_path)

    assert run_cli(argv) == 2

    assert capsys.readouterr().err == f"crank: error: {message}\n"


def test_no_attach_with_detach_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # docker compose ignores --no-attach with -d; the missing compose file is the only error.
    monkeypatch.chdir(tmp_path)

    assert run_cli(["up", "-d", "--no-attach", "web"]) == 3


@pytest.mark.parametrize(("view", "line"), [
    (LogView("demo", ["db", "tests"]), "tests-1 | demo-tests-1 says hello"),
    (LogView("demo", ["db", "tests"], prefix=False, timestamps=True), "demo-tests-1 says hello"),
], ids=["default", "bare-time-stamped"])
def test_log_view_of_followed_containers(view: LogView, line: str, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    engine = FakeEngine(tests_exit_code=0)
    started: list[list[str]] = []

    def start_streaming(argv: list[str]) -> FakeLog:
        started.append(argv)
        return engine.start_streaming(argv)

    monkeypatch.setattr("crank_cli.process.start_streaming", start_streaming)

    foreground.follow(make_backend("podman", engine.runner), [DB, TESTS], None, None, [TESTS], view=view)

    # The lines always carry the engine's time stamps, where a restarted container's log resumes.
    assert started == [["podman", "logs", "--follow", "--timestamps", TESTS]]
    assert capsys.readouterr().out == f"{line}\n"


def test_interrupt_stops_dependents_first(capsys: pytest.CaptureFixture[str]) -> None:
    services = {"demo-db-1": ("db", ""), "demo-web-1": ("web", "db:service_started:false:true")}

    def inspect(command: list[str]) -> str:
        return json.dumps([{"Name": name, "State": {"Status": "running", "ExitCode": 0},
                            "Config": {"Labels": {"io.crank.project": "demo", "io.crank.service": services[name][0],
                                                  "io.crank.depends-on": services[name][1]}}}
                           for name in command[3:]])

    runner = FakeRunner({("podman", "container", "inspect"): inspect, ("podman", "stop"): ""})

    _stop(make_backend("podman", runner), ["demo-db-1", "demo-web-1"], None, "Ctrl-C")

    assert [call for call in runner.calls if call[1] == "stop"] == [["podman", "stop", "demo-web-1"],
                                                                   ["podman", "stop", "demo-db-1"]]
    assert "stopping the project (Ctrl-C)" in capsys.readouterr().err
