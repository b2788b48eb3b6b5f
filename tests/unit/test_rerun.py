"""The command a hint suggests to run again on another engine."""

from __future__ import annotations

import pytest

from crank_cli import rerun


@pytest.mark.parametrize(("argv", "verb", "expected"), [
    (["logs", "--tail", "2", "worker"], "logs", "crank --runtime podman logs --tail 2 worker"),
    (["--runtime", "docker", "-f", "a.yaml", "stop", "web"], "stop", "crank --runtime podman -f a.yaml stop web"),
    (["--runtime=docker", "ps", "-a"], "status", "crank --runtime podman ps -a"),
    (["exec", "web", "mysql", "-psecret"], "exec", "crank --runtime podman exec web"),
    (["up", "-d", "-e", "TOKEN=abc"], "up", "crank --runtime podman up web"),
    (["down"], "stop", "crank --runtime podman stop web"),
], ids=["options", "global options", "alias", "exec", "environment", "other verb"])
def test_hint_repeats_safe_command(argv: list[str], verb: str, expected: str) -> None:
    rerun.remember(argv)
    short = f"{verb} web" if verb in ("exec", "up", "stop") else verb

    assert rerun.on_engine("podman", verb, short) == expected


def test_hint_without_command_line_uses_short_form() -> None:
    rerun.remember([])

    assert rerun.on_engine("docker", "logs", "logs worker") == "crank --runtime docker logs worker"
