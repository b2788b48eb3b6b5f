"""A fake of the process boundary: records engine commands and returns canned results."""

from __future__ import annotations

import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from crank_cli.errors import EngineError, EngineNotFoundError
from crank_cli.process import Completed

Reply = str | EngineError | Callable[[list[str]], str]


class FakeRunner:
    """Reply to engine commands by the longest matching argument prefix."""

    def __init__(self, replies: Mapping[tuple[str, ...], Reply] | None = None) -> None:
        self.replies = dict(replies or {})
        self.calls: list[list[str]] = []

    def __call__(
        self,
        argv: Sequence[str],
        *,
        input_text: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        command = list(argv)
        self.calls.append(command)
        reply = self._reply_for(command)
        if isinstance(reply, EngineError):
            raise reply
        text = reply(command) if callable(reply) else reply
        return Completed(tuple(command), text, "")

    def _reply_for(self, command: list[str]) -> Reply:
        for length in range(len(command), 0, -1):
            key = tuple(command[:length])
            if key in self.replies:
                return self.replies[key]
        if command[0] not in {key[0] for key in self.replies}:
            return EngineNotFoundError(command[0])
        return ""


DOCKER_UP = '{"Client":{"Version":"28.2.2"},"Server":{"Version":"20.10.24"}}'
DOCKER_DAEMON_DOWN = EngineError(
    ["docker", "version"], 1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock."
)
PODMAN_UP = '{"Client":{"Version":"4.3.1"}}'


def podman_script_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    """Put an executable `podman` with this shell script first on PATH, and keep the real engines out.

    DOCKER_HOST points at a TCP address where nothing listens, so crank cannot reach the
    machine's Docker daemon, and CONTAINER_HOST is unset, so the script is a local client.
    """
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    client = bin_folder / "podman"
    client.write_text(script)
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)


def enter_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, compose_text: str) -> Path:
    """Write compose.yaml into a new folder `name`, make it the working folder, and return it."""
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(compose_text)
    monkeypatch.chdir(folder)
    return folder


def enter_podman_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, compose_text: str) -> None:
    """Install the fake `podman` script, choose Podman without fallback, and enter project demo's folder."""
    from crank_cli import render

    podman_script_on_path(tmp_path, monkeypatch, script)
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "podman")
    monkeypatch.setenv("CRANK_RUNTIME_FALLBACK", "disabled")
    enter_project(tmp_path, monkeypatch, "demo", compose_text)
    render.set_talk("auto")


def run_verb(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run crank with `argv`; return its exit code, output and errors."""
    from crank_cli.cli import run_cli

    code = run_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# A client that logs its arguments and reports a version. When `version` is empty, it fails
# as a client whose engine does not respond. It lists a container of the project only when
# `has_project` is filled in, and prints an ID for `run`.
ENGINE_CLIENT = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1" in
  version)
    if [ -z '{version}' ]; then echo "Cannot connect to the engine at unix:///nonexistent.sock" >&2; exit 1; fi
    echo '{version}' ;;
  ps) [ -n "{has_project}" ] && echo 4f2a ;;
  run) echo {name}-id ;;
esac
exit 0
"""


def install_engine_clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, project_on: str | None,
                           unresponsive: str | None = None) -> Path:
    """Put fake docker and podman clients first on PATH and return the file that logs their commands.

    The engine `project_on` lists a container of the project, and the client `unresponsive`
    fails its probe. Runtime auto applies, unless the test sets it.
    """
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    log = tmp_path / "calls.log"
    for name, version in (("docker", DOCKER_UP), ("podman", PODMAN_UP)):
        script = bin_folder / name
        script.write_text(ENGINE_CLIENT.format(log=log, version="" if name == unresponsive else version,
                                               has_project="yes" if name == project_on else "", name=name))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    # A TCP address keeps crank off Docker's local socket, so it uses the fake client; nothing listens there.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("CRANK_CONTAINER_RUNTIME", raising=False)
    monkeypatch.delenv("CRANK_RUNTIME_FALLBACK", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    return log
