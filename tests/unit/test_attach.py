"""`crank attach`: the engine client's arguments, with the client faked at the process boundary."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence

import pytest

from crank_cli import process
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner


@pytest.mark.parametrize(("options", "flags"), [
    ({"stdin": True, "sig_proxy": True, "detach_keys": None}, []),
    ({"stdin": False, "sig_proxy": False, "detach_keys": "ctrl-x"}, ["--no-stdin", "--sig-proxy=false", "--detach-keys=ctrl-x"]),
], ids=["defaults", "every-option"])
@pytest.mark.parametrize("engine_type", [DockerEngine, PodmanEngine])
def test_attach_arguments(engine_type: type[DockerEngine | PodmanEngine], options: dict[str, object],
                          flags: list[str]) -> None:
    started: list[list[str]] = []

    def attached(argv: Sequence[str], **_: object) -> int:
        started.append(list(argv))
        return 7

    engine = engine_type(runner=FakeRunner(), attached_runner=attached)

    assert engine.attach("shop-web-1", **options) == 7  # type: ignore[arg-type]
    assert started == [[engine.binary_path, "attach", *flags, "shop-web-1"]]


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
