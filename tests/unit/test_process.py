"""The subprocess choke point: errors, redaction and commands started early."""

from __future__ import annotations

import _thread
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from crank_cli import early_probe, process
from crank_cli.errors import EngineError, EngineNotFoundError, EngineTimeoutError
from crank_cli.process import HeldErrors


def test_redact_hides_environment_values() -> None:
    line = process.redact(["docker", "run", "-e", "TOKEN=s3cret", "--env=PASS=x", "--build-arg", "K=v", "-e", "BARE"])
    assert "s3cret" not in line
    assert "PASS=x" not in line
    assert "K=v" not in line
    assert line == "docker run -e 'TOKEN=***' '--env=PASS=***' --build-arg 'K=***' -e BARE"


def test_run_raises_engine_error_with_details() -> None:
    with pytest.raises(EngineError) as raised:
        process.run(["sh", "-c", "echo bad thing >&2; exit 3"])
    assert raised.value.returncode == 3
    assert raised.value.argv == ["sh", "-c", "echo bad thing >&2; exit 3"]
    assert raised.value.stderr == "bad thing"
    assert raised.value.message.endswith("failed: bad thing")


def test_run_attached_sends_merged_lines() -> None:
    lines: list[str] = []
    code = process.run_attached(["sh", "-c", "echo one; echo two >&2; exit 4"], lines=lines.append)
    assert code == 4
    assert lines == ["one", "two"]


def test_run_attached_replaces_bytes_not_utf8() -> None:
    lines: list[str] = []
    assert process.run_attached(["printf", "ok \\377\\n"], lines=lines.append) == 0
    assert lines == ["ok \ufffd"]


def test_missing_binary_named() -> None:
    with pytest.raises(EngineNotFoundError, match="no-such-engine not found on PATH"):
        process.run(["no-such-engine", "version"])


def test_run_collects_early_command(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    argv = ["sh", "-c", f"echo run >> {runs}; echo output"]

    process.start_early(argv, exit_timeout=5)
    completed = process.run(argv)

    assert completed.stdout == "output\n"
    assert runs.read_text() == "run\n"


def test_run_starts_other_command_anew(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    process.start_early(["sh", "-c", f"echo early >> {runs}"], exit_timeout=5)

    process.run(["sh", "-c", f"echo late >> {runs}"])
    process.run(["sh", "-c", f"echo early >> {runs}"])

    assert sorted(runs.read_text().split()) == ["early", "late"]


def test_early_failure_raises_on_collection() -> None:
    argv = ["sh", "-c", "echo no engine >&2; exit 125"]
    process.start_early(argv, exit_timeout=5)

    with pytest.raises(EngineError) as raised:
        process.run(argv)

    assert raised.value.returncode == 125
    assert raised.value.stderr == "no engine"


def test_uncollected_command_awaited_at_exit(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    script = f"from crank_cli import process; process.start_early(['sh', '-c', 'sleep 0.3; echo done > {marker}'], exit_timeout=30)"

    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)

    assert marker.read_text() == "done\n"


def test_uncollected_hanging_command_killed_at_exit() -> None:
    # A verb that fails before it needs the engine, such as on an invalid option value, must
    # not wait at exit for an engine whose probe hangs.
    script = ("from crank_cli import process; process.start_early(['sleep', '60'], exit_timeout=0.5); "
              "print(process._started_early[('sleep', '60')][0].pid)")

    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               timeout=30)
    elapsed = time.monotonic() - started

    assert elapsed < 10
    assert not Path(f"/proc/{completed.stdout.strip()}").exists()


@pytest.mark.parametrize(
    ("flag", "environ", "expected"),
    [
        ("podman", {}, [["podman", "version", "--format", "json"]]),
        (None, {"CRANK_CONTAINER_RUNTIME": " Podman "}, [["podman", "version", "--format", "json"]]),
        ("containerd", {}, [["nerdctl", "version", "--format", "json"]]),
        ("docker", {"CRANK_CONTAINER_RUNTIME": "podman"}, []),
        ("auto", {}, []),
        (None, {}, []),
    ],
)
def test_probe_starts_only_for_clients(monkeypatch: pytest.MonkeyPatch, flag: str | None,
                                       environ: dict[str, str], expected: list[list[str]]) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(process, "start_early", lambda argv, exit_timeout: started.append(argv))

    early_probe.start(flag, environ)

    assert started == expected


def test_run_passes_no_input_through() -> None:
    # In a process group of its own, a command that read crank's terminal would be stopped.
    # crank's own input is a pipe here, which a command would inherit without the fix.
    script = "from crank_cli import process; print(process.run(['readlink', '/proc/self/fd/0']).stdout)"

    completed = subprocess.run([sys.executable, "-c", script], input="", capture_output=True, text=True,
                               check=True, timeout=30)

    assert completed.stdout.strip() == "/dev/null"


def test_timeout_kills_command_children() -> None:
    # `sh -c` with two commands keeps `sleep` as its own child, which keeps the output pipes
    # open. Killing only the shell would leave crank waiting for `sleep` to end.
    started = time.monotonic()

    with pytest.raises(EngineTimeoutError):
        process.run(["sh", "-c", "sleep 30; echo never"], timeout=0.5)

    assert time.monotonic() - started < 10


def test_held_errors_stay_out_until_released(capfd: pytest.CaptureFixture[str]) -> None:
    held = HeldErrors(lambda: False)

    code = process.run_attached(["sh", "-c", "echo engine error >&2; exit 125"], held_errors=held)

    assert code == 125
    assert capfd.readouterr().err == ""
    assert held.text() == "engine error\n"
    held.release()
    assert capfd.readouterr().err == "engine error\n"


def test_released_errors_pass_through(capfd: pytest.CaptureFixture[str]) -> None:
    held = HeldErrors(lambda: True)

    code = process.run_attached(["sh", "-c", "echo from the container >&2"], held_errors=held)

    assert code == 0
    assert capfd.readouterr().err == "from the container\n"
    assert held.text() == ""


def test_interrupt_waits_for_command(tmp_path: Path) -> None:
    finished = tmp_path / "finished"
    calls: list[str] = []
    # Ctrl-C reaches crank's main thread while the command still runs.
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()

    with pytest.raises(KeyboardInterrupt):
        process.run_attached(["sh", "-c", f"sleep 1; touch {finished}"], on_interrupt=lambda: calls.append("stop"))

    timer.join()
    assert calls == ["stop"]
    # The command was not killed: it ran to its end before the interrupt went on.
    assert finished.exists()


def test_held_errors_survive_failed_check(capfd: pytest.CaptureFixture[str]) -> None:
    def is_released() -> bool:
        raise EngineError(["podman", "container", "inspect"], 125, "Error: no such container")

    held = HeldErrors(is_released)

    code = process.run_attached(["sh", "-c", "echo one >&2; sleep 0.2; echo two >&2"], held_errors=held)

    assert code == 0
    assert capfd.readouterr().err == ""
    # The relay kept reading after the failed checks, so the command never blocked on a full pipe.
    assert held.text() == "one\ntwo\n"
