"""`crank exec` options, with Podman's client faked as a script on PATH."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import PODMAN_UP, enter_project, podman_script_on_path

# A podman client that logs each command line to a file, lists one running `web` container
# and exits with code 7 from `exec` unless the exec is detached.
CLIENT = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in
  version) echo '{version}' ;;
  ps) echo '{listing}' ;;
  exec) case "$2" in --detach) exit 0 ;; *) exit 7 ;; esac ;;
esac
exit 0
"""

LISTING = json.dumps([
    {"Id": "id1", "Names": ["shop-web-1"], "State": "running",
     "Labels": {"io.crank.project": "shop", "io.crank.service": "web", "io.crank.replica": "1"}},
])


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman and enter a project folder `shop`; return the client's log."""
    log = tmp_path / "calls.log"
    podman_script_on_path(tmp_path, monkeypatch, CLIENT.format(log=log, version=PODMAN_UP, listing=LISTING))
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  web:\n    image: busybox\n")
    return log


def exec_calls(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("exec")]


def test_detach_runs_in_background(shop: Path) -> None:
    code = run_cli(["--runtime", "podman", "exec", "-d", "web", "sleep", "5"])

    assert code == 0
    assert exec_calls(shop) == ["exec --detach shop-web-1 sleep 5"]


def test_privileged_and_user(shop: Path) -> None:
    code = run_cli(["--runtime", "podman", "exec", "--privileged", "-u", "0", "-T", "web", "id"])

    # The command's own exit code, which the fake client sets to 7.
    assert code == 7
    assert exec_calls(shop) == ["exec --interactive --privileged --user 0 shop-web-1 id"]


@pytest.mark.parametrize("words", [["--no-tty"], ["--no-TTY"], ["-T"], ["-i"], ["--interactive"], ["-t"], ["-i", "-t", "-T"]])
def test_docker_compose_spellings_accepted(shop: Path, words: list[str]) -> None:
    code = run_cli(["--runtime", "podman", "exec", *words, "web", "true"])

    assert code == 7
    assert exec_calls(shop) == ["exec --interactive shop-web-1 true"]


def test_options_after_command_go_to_command(shop: Path) -> None:
    code = run_cli(["--runtime", "podman", "exec", "web", "ls", "-d", "--privileged"])

    assert code == 7
    assert exec_calls(shop) == ["exec --interactive shop-web-1 ls -d --privileged"]


STOPPED_LISTING = json.dumps([
    {"Id": "id2", "Names": ["shop-idle-1"], "State": "exited",
     "Labels": {"io.crank.project": "shop", "io.crank.service": "idle", "io.crank.replica": "1"}},
])


@pytest.mark.parametrize(("words", "listing", "message"), [
    (["--index", "2", "web"], LISTING, "service web has no running container number 2: start it with crank up"),
    (["idle"], STOPPED_LISTING, "service idle has no running container number 1: start it with crank up"),
], ids=["index-beyond-replicas", "stopped-service"])
def test_no_running_container_exits_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                      words: list[str], listing: str, message: str) -> None:
    podman_script_on_path(tmp_path, monkeypatch, CLIENT.format(log=tmp_path / "calls.log", version=PODMAN_UP,
                                                               listing=listing))
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  web:\n    image: busybox\n  idle:\n    image: busybox\n")

    code = run_cli(["--runtime", "podman", "exec", "-T", *words, "true"])

    # docker compose 2.40.3 exits with 1 here too.
    assert code == 1
    assert capsys.readouterr().err == f"crank: error: {message}\n"
