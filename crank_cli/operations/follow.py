"""Follow the logs of several containers at once, as `up` without `-d` does."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

from crank_cli.runtime.backend import Backend


class _Again(NamedTuple):
    """A request, put on the lines' queue, to follow a container's log again from `since`."""

    since: str | None


class LogFeed:
    """Lets another thread hand `follow_logs` containers to follow again, such as those a rebuild recreated.

    While `follow_logs` has a feed, it goes on when every log has ended, until `cancel` is set
    or KeyboardInterrupt, because a container may start again.
    """

    def __init__(self) -> None:
        self.lines: queue.Queue[tuple[str, str | _Again | None]] = queue.Queue()

    def follow(self, containers: Sequence[str], since: str | None) -> None:
        """Follow the logs of `containers` again, from the RFC 3339 time stamp `since`."""
        for name in containers:
            self.lines.put((name, _Again(since)))


def follow_logs(backend: Backend, containers: Sequence[str], write: Callable[[str, str], None], *,
                follow: bool = True, tail: int | None = None, timestamps: bool = False,
                since: str | None = None, until: str | None = None,
                ended: Callable[[str], None] | None = None, cancel: threading.Event | None = None,
                feed: LogFeed | None = None) -> None:
    """Pass each log line to `write(container, line)` until every container's log ends, or `cancel` is set.

    A log ends when its container stops, and `ended(container)` is called then. KeyboardInterrupt
    reaches the caller, after the log processes are ended.
    """
    lines = feed.lines if feed is not None else queue.Queue()
    processes = []

    def start(name: str, since: str | None) -> None:
        process = backend.follow_logs(name, follow=follow, tail=tail, timestamps=timestamps, since=since, until=until)
        processes.append(process)
        threading.Thread(target=_read, args=(name, process.stdout, lines), daemon=True).start()

    try:
        for name in containers:
            start(name, since)
        open_logs = len(containers)
        while open_logs or feed is not None:
            try:
                # With `cancel`, the queue is checked five times a second, so setting it takes effect soon.
                name, line = lines.get(timeout=None if cancel is None else 0.2)
            except queue.Empty:
                if cancel is not None and cancel.is_set():
                    return
                continue
            if isinstance(line, _Again):
                start(name, line.since)
                open_logs += 1
            elif line is not None:
                write(name, line)
            else:
                open_logs -= 1
                if ended is not None:
                    ended(name)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()


def _read(name: str, stream, lines: queue.Queue) -> None:  # type: ignore[no-untyped-def]
    try:
        for line in stream:
            lines.put((name, line.rstrip("\n")))
    finally:
        # A reader that fails also reports its end, so the loop that waits for every reader ends.
        lines.put((name, None))
