"""Tests of the per-project lock, with real `flock` calls on files in a temporary folder."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from crank_cli.operations.lock import ProjectLockedError, project_lock


def ignore(message: str) -> None:
    del message


def test_lock_file_removed_on_release(tmp_path: Path) -> None:
    with project_lock("migfix", ignore, folder=tmp_path):
        assert (tmp_path / "migfix.lock").exists()
    assert list(tmp_path.iterdir()) == []


def test_second_holder_excludes_third(tmp_path: Path) -> None:
    """A waiter that opened the file before the holder deleted it locks the file now at the path."""
    waiting = threading.Event()
    released = threading.Event()
    third_outcome: list[str] = []

    def notify_waiting(message: str) -> None:
        waiting.set()

    def second_holder() -> None:
        with project_lock("migfix", notify_waiting, wait_seconds=30, folder=tmp_path):
            released.set()
            try:
                with project_lock("migfix", ignore, wait_seconds=0, folder=tmp_path):
                    third_outcome.append("locked")
            except ProjectLockedError:
                third_outcome.append("rejected")

    with project_lock("migfix", ignore, folder=tmp_path):
        thread = threading.Thread(target=second_holder)
        thread.start()
        assert waiting.wait(timeout=10)
    thread.join(timeout=30)

    assert released.is_set()
    assert third_outcome == ["rejected"]
    assert list(tmp_path.iterdir()) == []


def test_waiter_times_out_with_holder(tmp_path: Path) -> None:
    messages: list[str] = []
    with project_lock("migfix", ignore, folder=tmp_path):
        with pytest.raises(ProjectLockedError, match="still locked by crank process"):
            with project_lock("migfix", messages.append, wait_seconds=0, folder=tmp_path):
                pass
    assert len(messages) == 1
    assert "waiting for it to finish" in messages[0]
