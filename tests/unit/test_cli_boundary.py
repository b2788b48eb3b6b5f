"""The one error boundary of `crank`: interrupts, a closed stdout and errors, on both command-line paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from crank_cli.cli import quick, run_cli
from crank_cli.cli.app import _verb
from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import EngineError, UsageError
from crank_cli.operations.build import build_services
from crank_cli.operations.cancel import CancelledError, cancel_on_interrupt, interrupted_as_cancelled
from crank_cli.operations.events import NoEvents
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

# `status` as the quick path reads it, and a spelling of it that only Typer reads.
QUICK = ["status"]
TYPER_ONLY = ["status", "--"]


@pytest.fixture
def status_raises(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make the status action raise the exception that the test sets."""
    raised: list[BaseException] = []

    def run(ctx, **arguments):  # type: ignore[no-untyped-def]
        raise raised[0]

    monkeypatch.setattr("crank_cli.cli.actions.status.run", run)
    return raised


@pytest.mark.parametrize("argv", [QUICK, TYPER_ONLY], ids=["quick", "typer"])
def test_interrupt_exits_130_with_message(argv: list[str], status_raises: list[BaseException],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert (quick.parse(argv) is None) == (argv is TYPER_ONLY)
    status_raises.append(KeyboardInterrupt())
    assert run_cli(argv) == 130
    assert capsys.readouterr().err == "crank: error: interrupted\n"


@pytest.mark.parametrize("argv", [QUICK, TYPER_ONLY], ids=["quick", "typer"])
def test_interrupt_is_json_under_progress_json(argv: list[str], status_raises: list[BaseException],
                                               capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crank_cli.render._talk", "text")
    status_raises.append(KeyboardInterrupt())
    assert run_cli(["--progress", "json", *argv]) == 130
    record = json.loads(capsys.readouterr().err)
    assert record["error"] == "interrupted"
    assert record["level"] == "error"


@pytest.mark.parametrize("argv", [QUICK, TYPER_ONLY], ids=["quick", "typer"])
def test_closed_stdout_exits_141(argv: list[str], status_raises: list[BaseException]) -> None:
    status_raises.append(BrokenPipeError())
    # run_cli points stdout at /dev/null for Python's last flush, so it gets a copy of the real one.
    saved = os.dup(1)
    try:
        assert run_cli(argv) == 141
    finally:
        os.dup2(saved, 1)
        os.close(saved)


# A child process that registers an exit handler and then calls `main`, which ends the process itself.
_MAIN_WITH_HANDLER = (
    "import atexit, sys\n"
    "from crank_cli.cli import main\n"
    "atexit.register(lambda: print('handler ran', file=sys.stderr))\n"
    "main(['--version'])\n"
    "print('not reached')\n"
)


def test_main_flushes_and_runs_handlers() -> None:
    result = subprocess.run([sys.executable, "-c", _MAIN_WITH_HANDLER], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    assert result.stdout.startswith("crank ")
    assert "not reached" not in result.stdout
    assert result.stderr == "handler ran\n"


def test_main_closed_pipe_exits_141() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    with os.fdopen(writer, "w") as closed_pipe:
        result = subprocess.run([sys.executable, "-c", _MAIN_WITH_HANDLER], stdout=closed_pipe, stderr=subprocess.PIPE,
                                text=True, timeout=60)

    assert result.returncode == 141
    assert result.stderr == "handler ran\n"


def test_no_arguments_show_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([]) == 0
    output = capsys.readouterr()
    assert output.out.startswith("Usage: crank [OPTIONS] COMMAND [ARGS]...")
    assert output.err == ""


@pytest.mark.parametrize(("argv", "verb"), [
    (["-vp", "logs", "ps"], "ps"),
    (["-v", "-p", "logs", "ps"], "ps"),
    (["-plogs", "ps"], "ps"),
    (["-vvf", "a.yaml", "down"], "down"),
    (["--file", "a.yaml", "--file=b.yaml", "up"], "up"),
])
def test_verb_found_after_options(argv: list[str], verb: str) -> None:
    assert _verb(argv) == verb


def test_interrupt_during_last_command_cancels() -> None:
    with pytest.raises(CancelledError), cancel_on_interrupt():
        os.kill(os.getpid(), signal.SIGINT)


def test_build_failed_by_interrupt_is_cancelled() -> None:
    with pytest.raises(CancelledError), cancel_on_interrupt(), interrupted_as_cancelled():
        os.kill(os.getpid(), signal.SIGINT)
        raise EngineError(["docker", "build"], 1, "context canceled")


def test_build_failure_without_interrupt_stays() -> None:
    with pytest.raises(EngineError), cancel_on_interrupt(), interrupted_as_cancelled():
        raise EngineError(["docker", "build"], 1, "no space left on device")


def test_build_of_unknown_service_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    runner = FakeRunner()
    with pytest.raises(UsageError, match=r"no such service: nosuch \(the project has web\)"):
        build_services(project, PodmanEngine(runner=runner), ["nosuch"], NoEvents())
    assert runner.calls == []


def test_progress_after_verb_error_is_text(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crank_cli.render._talk", "text")

    assert run_cli(["up", "--progress", "json"]) == 2

    assert capsys.readouterr().err == "crank: error: no such option '--progress'; see 'crank up --help'\n"


@pytest.mark.parametrize("argv", [["--progress", "json", "nosuchverb"], ["--progress=json"], ["--progress", "json", "up", "--nosuch"]],
                         ids=["verb", "no verb", "option"])
def test_usage_error_is_json_under_progress_json(argv: list[str], capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The mode is module state in render; the patch puts it back after the test.
    monkeypatch.setattr("crank_cli.render._talk", "text")
    assert run_cli(argv) == 2
    record = json.loads(capsys.readouterr().err)
    assert record["error"] == "usage"
