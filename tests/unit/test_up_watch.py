"""`up --watch` and `watch --dry-run`, with Podman's client faked on PATH, and the log feed that follows recreated containers."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from crank_cli.operations.follow import LogFeed, follow_logs
from tests.unit.fakes import PODMAN_UP, enter_podman_project, run_verb
from tests.unit.test_dry_run_files import CLIENT as DRY_RUN_CLIENT
from tests.unit.test_up_abort import FakeLog

# The dry-run tests' podman client (no containers, the image present), which also writes each command to `calls`.
CLIENT = DRY_RUN_CLIENT.replace("#!/bin/sh\n", '#!/bin/sh\necho "$*" >> "{calls}"\n', 1)

COMPOSE = """\
services:
  web:
    image: busybox
    develop:
      watch:
        - path: ./app
          action: sync
          target: /app
  plain:
    image: busybox
"""

WITHOUT_RULES = "services:\n  plain:\n    image: busybox\n"

# The commands that change something on the engine, which a dry run must not run.
CHANGING = ("run", "create", "start", "restart", "stop", "rm", "build", "pull", "cp", "exec", "network create",
            "volume create")


def enter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compose: str = COMPOSE) -> Path:
    """Enter project demo with the fake client; return the file that lists the client's commands."""
    calls = tmp_path / "calls"
    enter_podman_project(tmp_path, monkeypatch, CLIENT.format(calls=calls, version=PODMAN_UP), compose)
    (tmp_path / "app").mkdir()
    return calls


def changing_commands(calls: Path) -> list[str]:
    """Return the commands given to the fake client that would change something."""
    lines = calls.read_text().splitlines() if calls.exists() else []
    return [line for line in lines if line.startswith(CHANGING)]


@pytest.mark.parametrize("argv", [
    ["watch", "--dry-run"],
    ["--dry-run", "watch"],
    ["up", "--watch", "--dry-run"],
    ["--dry-run", "up", "-w"],
], ids=["watch-flag", "watch-global", "up-flag", "up-global"])
def test_dry_run_prints_up_and_watch_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], argv: list[str]) -> None:
    calls = enter(tmp_path, monkeypatch)

    code, out, err = run_verb(capfd, *argv)

    assert code == 0, err
    assert "podman run --detach --name demo-web-1" in out
    assert "podman run --detach --name demo-plain-1" in out
    assert "would watch 1 path for service web on podman (dry run: nothing is watched)" in err
    assert "watching" not in out
    assert changing_commands(calls) == []


def test_watch_dry_run_without_up_prints_no_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    enter(tmp_path, monkeypatch)

    code, out, err = run_verb(capfd, "watch", "--dry-run", "--no-up")

    assert code == 0, err
    assert out == ""
    assert "would watch 1 path for service web on podman" in err


@pytest.mark.parametrize("argv", [["watch", "--dry-run"], ["up", "--watch", "--dry-run"], ["up", "--watch"]])
def test_no_rules_fail_before_anything_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], argv: list[str]) -> None:
    calls = enter(tmp_path, monkeypatch, WITHOUT_RULES)

    code, out, err = run_verb(capfd, *argv)

    assert code == 1
    assert "nothing to watch: no service of the project has develop.watch rules" in err
    assert out == ""
    assert changing_commands(calls) == []


@pytest.mark.parametrize(("flags", "message"), [
    (["-d"], "--detach cannot be used with --watch"),
    (["--wait"], "--wait cannot be used with --watch"),
    (["--abort-on-container-exit"], "--watch cannot be used with --abort-on-container-exit"),
    (["--exit-code-from", "web"], "--watch cannot be used with --exit-code-from"),
    (["--abort-on-container-failure"], "--watch cannot be used with --abort-on-container-failure"),
])
def test_up_watch_rejects_what_ends_or_detaches_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], flags: list[str],
        message: str) -> None:
    calls = enter(tmp_path, monkeypatch)

    code, out, err = run_verb(capfd, "up", "--watch", *flags)

    assert code == 2
    assert message in err
    assert changing_commands(calls) == []


class FeedBackend:
    """Hands out the `logs --follow` processes in order and records the `since` each was asked for."""

    def __init__(self, logs: list[FakeLog]) -> None:
        self.logs = logs
        self.since: list[str | None] = []

    def follow_logs(self, name: str, **options: object) -> FakeLog:
        self.since.append(options["since"])  # type: ignore[arg-type]
        return self.logs.pop(0)


def test_feed_follows_container_after_logs_end() -> None:
    backend = FeedBackend([FakeLog(["before"], ends=True), FakeLog(["after"], ends=False)])
    feed = LogFeed()
    cancel = threading.Event()
    written: list[str] = []

    def write(name: str, line: str) -> None:
        written.append(f"{name}: {line}")
        if line == "after":
            cancel.set()

    # The only log ends. The feed then follows the recreated container, which a rebuild started.
    follow_logs(backend, ["web-1"], write, since="2025-01-01T00:00:00Z", cancel=cancel, feed=feed,  # type: ignore[arg-type]
                ended=lambda name: feed.follow([name], "2025-01-01T00:01:00Z"))

    assert written == ["web-1: before", "web-1: after"]
    assert backend.since == ["2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z"]


def test_without_feed_following_ends_with_the_last_log() -> None:
    backend = FeedBackend([FakeLog(["only"], ends=True)])
    ended: list[str] = []

    follow_logs(backend, ["web-1"], lambda name, line: None, ended=ended.append)  # type: ignore[arg-type]

    assert ended == ["web-1"]
