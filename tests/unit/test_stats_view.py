"""`stats` without --no-stream: the engine's live view, replaced when the project's containers change."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Sequence

import pytest

from crank_cli import process
from crank_cli.errors import EngineError
from crank_cli.operations import stats_view
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fake_podman import container
from tests.unit.fakes import FakeRunner


def python_command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_view_ends_with_its_exit_code(capfd: pytest.CaptureFixture[str]) -> None:
    command = python_command("import sys; print('frame'); sys.stderr.write('failed\\n'); sys.exit(3)")

    code = process.run_attached_until(command, until=lambda: False, interval=0.05)

    assert code == 3
    assert capfd.readouterr() == ("frame\n", "failed\n")


def test_view_killed_once_until_is_true() -> None:
    answers = iter([False, True])

    code = process.run_attached_until(python_command("import time; time.sleep(60)"), until=lambda: next(answers),
                                      interval=0.05)

    assert code is None


def test_replaced_view_drops_its_errors(capfd: pytest.CaptureFixture[str]) -> None:
    # Podman's stats fails once a container it shows is removed, often before crank lists again.
    command = python_command("import sys; sys.stderr.write('no such container\\n'); sys.exit(125)")

    code = process.run_attached_until(command, until=lambda: True, interval=0.05)

    assert code is None
    assert capfd.readouterr().err == ""


def test_sigterm_during_listing_ends_view() -> None:
    def changed_at_sigterm() -> bool:
        # SIGTERM arrives while crank lists the containers, which changed meanwhile.
        os.kill(os.getpid(), signal.SIGTERM)
        return True

    code = process.run_attached_until(python_command("import time; time.sleep(60)"), until=changed_at_sigterm,
                                      interval=0.05, sigterm_as=signal.SIGKILL)

    assert code == -signal.SIGKILL


class FakeViews:
    """Stand in for the engine's live views: each runs until `until()` has been called `polls` times."""

    def __init__(self, polls: int, last_code: int = 0) -> None:
        self.polls = polls
        self.last_code = last_code
        self.shown: list[list[str]] = []

    def __call__(self, argv: Sequence[str], *, until: Callable[[], bool], interval: float,
                 sigterm_as: int | None = None) -> int | None:
        self.shown.append(list(argv))
        for _ in range(self.polls):
            if until():
                return None
        return self.last_code


def listing(*rounds: list[dict[str, object]]) -> Callable[[list[str]], str]:
    """Reply to each `podman ps` with the next round of containers; the last round repeats."""
    replies = [json.dumps(containers) for containers in rounds]

    def reply(argv: list[str]) -> str:
        return replies.pop(0) if len(replies) > 1 else replies[0]

    return reply


def follow(runner: FakeRunner, names: list[str], *, all_containers: bool = False,
           services: Sequence[str] = ()) -> tuple[int, list[str]]:
    notes: list[str] = []
    code = stats_view.follow(PodmanEngine(runner=runner), "shop", services, names, all_containers=all_containers,
                             notify=notes.append)
    return code, notes


def test_started_container_joins_view(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=3, last_code=2)
    monkeypatch.setattr(process, "run_attached_until", views)
    web, db = container("shop", "web", 1), container("shop", "db", 1)
    runner = FakeRunner({("podman", "ps"): listing([web], [web, db])})

    code, notes = follow(runner, ["shop-web-1"])

    assert code == 2
    assert views.shown == [["podman", "stats", "shop-web-1"], ["podman", "stats", "shop-db-1", "shop-web-1"]]
    assert notes == []


def test_stopped_container_leaves_view(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=2)
    monkeypatch.setattr(process, "run_attached_until", views)
    web, db = container("shop", "web", 1), container("shop", "db", 1)
    runner = FakeRunner({("podman", "ps"): listing([web, db], [web, {**db, "State": "exited"}])})

    follow(runner, ["shop-db-1", "shop-web-1"])

    assert views.shown[-1] == ["podman", "stats", "shop-web-1"]


def test_all_keeps_stopped_container(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=2)
    monkeypatch.setattr(process, "run_attached_until", views)
    web, db = container("shop", "web", 1), container("shop", "db", 1)
    runner = FakeRunner({("podman", "ps"): listing([web, db], [web, {**db, "State": "exited"}])})

    follow(runner, ["shop-db-1", "shop-web-1"], all_containers=True)

    assert views.shown == [["podman", "stats", "shop-db-1", "shop-web-1"]]


def test_other_services_stay_out(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=2)
    monkeypatch.setattr(process, "run_attached_until", views)
    web, db = container("shop", "web", 1), container("shop", "db", 1)
    runner = FakeRunner({("podman", "ps"): listing([web], [web, db])})

    follow(runner, ["shop-web-1"], services=["web"])

    assert views.shown == [["podman", "stats", "shop-web-1"]]


def test_empty_project_waits_for_container(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=0, last_code=0)
    monkeypatch.setattr(process, "run_attached_until", views)
    monkeypatch.setattr(stats_view.time, "sleep", lambda seconds: None)
    web = container("shop", "web", 1)
    runner = FakeRunner({("podman", "ps"): listing([], [], [web])})

    code, notes = follow(runner, [])

    assert code == 0
    assert views.shown == [["podman", "stats", "shop-web-1"]]
    assert notes == ["no running containers in project shop; waiting for one to start"]
    assert len([call for call in runner.calls if call[1] == "ps"]) == 3


def test_failed_listing_keeps_view(monkeypatch: pytest.MonkeyPatch) -> None:
    views = FakeViews(polls=3)
    monkeypatch.setattr(process, "run_attached_until", views)
    web, db = container("shop", "web", 1), container("shop", "db", 1)
    replies: list[str | EngineError] = [EngineError(["podman", "ps"], 125, "Error: database is locked"),
                                        json.dumps([web, db])]

    def reply(argv: list[str]) -> str:
        answer = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(answer, EngineError):
            raise answer
        return answer

    code, _ = follow(FakeRunner({("podman", "ps"): reply}), ["shop-web-1"])

    assert code == 0
    assert views.shown == [["podman", "stats", "shop-web-1"], ["podman", "stats", "shop-db-1", "shop-web-1"]]
