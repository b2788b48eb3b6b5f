"""`crank attach`: the engine client's arguments, with the client faked at the process boundary."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from crank_cli import process
from crank_cli.cli import run_cli
from crank_cli.cli.attach import check_detach_keys
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import PODMAN_UP, FakeRunner, enter_project, podman_script_on_path


@pytest.mark.parametrize(("engine_type", "options", "flags", "idle_stdin"), [
    (DockerEngine, {"stdin": True, "sig_proxy": True, "detach_keys": None}, [], False),
    (DockerEngine, {"stdin": False, "sig_proxy": False, "detach_keys": "ctrl-x"}, ["--no-stdin", "--sig-proxy=false", "--detach-keys=ctrl-x"], False),
    (PodmanEngine, {"stdin": True, "sig_proxy": False, "detach_keys": "ctrl-x"}, ["--sig-proxy=false", "--detach-keys=ctrl-x"], False),
    # Podman's --no-stdin would close the container's input: an open, empty one stands for it.
    (PodmanEngine, {"stdin": False, "sig_proxy": False, "detach_keys": "ctrl-x"}, ["--sig-proxy=false"], True),
], ids=["docker-defaults", "docker-every-option", "podman-with-stdin", "podman-no-stdin"])
def test_attach_arguments(engine_type: type[DockerEngine | PodmanEngine], options: dict[str, object],
                          flags: list[str], idle_stdin: bool) -> None:
    started: list[tuple[list[str], bool]] = []

    def attached(argv: Sequence[str], *, idle_stdin: bool = False, **_: object) -> int:
        started.append((list(argv), idle_stdin))
        return 7

    engine = engine_type(runner=FakeRunner(), attached_runner=attached)

    assert engine.attach("shop-web-1", **options) == 7  # type: ignore[arg-type]
    assert started == [([engine.binary_path, "attach", *flags, "shop-web-1"], idle_stdin)]


def test_idle_stdin_stays_open_and_empty() -> None:
    # Exits with 3 when nothing can be read for a second, with 1 at the end of the input, with 2 on data.
    script = ("import select, sys\n"
              "ready, _, _ = select.select([sys.stdin], [], [], 1)\n"
              "sys.exit(3 if not ready else 1 if sys.stdin.read() == '' else 2)\n")
    assert process.run_attached([sys.executable, "-c", script], idle_stdin=True) == 3


def test_sigterm_reaches_attached_command() -> None:
    # The command reports SIGTERM with exit code 7; without the forwarding, SIGTERM would end the test process.
    script = "trap 'exit 7' TERM; sleep 10 & wait"
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        code = process.run_attached(["sh", "-c", script], sigterm_as=signal.SIGTERM)
    finally:
        timer.cancel()

    assert code == 7
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


# A podman client that logs each command line, so a test can tell that none ran.
LOGGING_CLIENT = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in version) echo '{version}' ;; esac
exit 0
"""


@pytest.mark.parametrize("keys", ["ctrl-p,ctrl-q", "ctrl-@", "ctrl-\\", "ctrl-[,ctrl-],ctrl-^,ctrl-_", "a", "x,y,DEL", " "])
def test_detach_keys_that_docker_accepts(keys: str) -> None:
    check_detach_keys(keys)


@pytest.mark.parametrize(("keys", "bad"), [
    ("ctrlx", "unknown key 'ctrlx'"),
    ("ctrl-P", "unknown key 'ctrl-P'"),
    ("ctrl-p,ctrl-1", "unknown key 'ctrl-1'"),
    ("ab", "unknown key 'ab'"),
    ("é", "unknown key 'é'"),
    ("ctrl-p,", "an empty key"),
])
def test_bad_detach_keys_are_a_usage_error_before_any_engine_command(
        keys: str, bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "calls.log"
    podman_script_on_path(tmp_path, monkeypatch, LOGGING_CLIENT.format(log=log, version=PODMAN_UP))
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  web:\n    image: busybox\n")

    code = run_cli(["--runtime", "podman", "attach", "--detach-keys", keys, "web"])

    assert code == 2
    error = capsys.readouterr().err
    assert f"invalid --detach-keys value {keys!r}: {bad};" in error
    assert "such as ctrl-p,ctrl-q" in error
    assert not log.exists()
