"""Help text of every verb: present, and printed without markup escapes."""

from __future__ import annotations

import subprocess
import sys

import pytest

VERBS = ["up", "create", "scale", "down", "rm", "status", "ps", "ls", "stop", "start", "restart", "kill", "pause",
         "unpause", "wait", "logs", "exec", "attach", "top", "stats", "events", "port", "images", "volumes", "cp", "export", "commit", "run", "build", "pull", "push", "watch", "config", "migrate",
         "doctor", "version"]


def crank_help(*args: str) -> str:
    command = [sys.executable, "-m", "crank_cli", *args, "--help"]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout


def test_root_help_lists_every_verb() -> None:
    text = crank_help()
    for verb in VERBS:
        assert f"  {verb} " in text, f"{verb} missing from crank --help"


@pytest.mark.parametrize("verb", VERBS)
def test_verb_help_has_no_escapes(verb: str) -> None:
    text = crank_help(verb)
    assert text.startswith(f"Usage: crank {verb} ")
    assert "\\[" not in text
