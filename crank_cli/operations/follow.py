"""Follow the logs of several containers at once, as `up` without `-d` does."""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

from crank_cli.runtime.backend import Backend

# The RFC 3339 time stamp that `logs --timestamps` of Docker and Podman puts before each line.
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})")
# How long to wait for a restart that only the restart policy promises, because the engine
# shows a stopped container as `exited` too. An estimate with room: Podman 4.3 restarted
# containers within a second in the live tests, on a 2-core machine.
RESTART_GRACE_SECONDS = 5.0
# How often to ask the engine whether a container that will restart runs again.
RESTART_POLL_SECONDS = 0.25


class _Again(NamedTuple):
    """A request, put on the lines' queue, to follow a container's log again from `since`."""

    since: str | None


class _Line(NamedTuple):
    """A log line and the engine's time stamp of it, or None when the line came without one."""

    stamp: str | None
    text: str


class _End(NamedTuple):
    """The end of one `logs` process, and whether it failed, as when the engine cannot read the log."""

    failed: bool


class _Restarted(NamedTuple):
    """The outcome of waiting for a restart: the container runs again, or it stayed stopped."""

    running: bool


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
                ended: Callable[[str], bool | None] | None = None, cancel: threading.Event | None = None,
                feed: LogFeed | None = None) -> None:
    """Pass each log line to `write(container, line)` until every container's log ends, or `cancel` is set.

    A log ends when its container stops, and `ended(container)` is called then. When it returns
    True, the engine restarts the container: its log is followed again once it runs, from after
    the last line shown, and ends only when `ended` returns a false value. KeyboardInterrupt
    reaches the caller, after the log processes are ended.
    """
    lines = feed.lines if feed is not None else queue.Queue()
    processes = []
    # The engine's time stamp of the last line shown of each container, where a restarted container's log resumes.
    last_stamps: dict[str, str] = {}
    # Without a line shown, `logs --tail 0` resumes from when following began.
    began = _now_stamp() if follow and tail == 0 else since
    stopping = threading.Event()

    def start(name: str, since: str | None, tail: int | None = tail) -> None:
        # In follow mode the lines carry the engine's time stamps, so a restarted container's log
        # can resume after the last line shown. They are removed again unless `timestamps` requests them.
        process = backend.follow_logs(name, follow=follow, tail=tail, timestamps=timestamps or follow, since=since,
                                      until=until)
        processes.append(process)
        threading.Thread(target=_read, args=(name, process, lines, follow), daemon=True).start()

    # The containers whose log is followed a last time, for the lines of runs that ended before a look saw them.
    last_logs: set[str] = set()

    def resume(name: str) -> None:
        stamp = last_stamps.get(name)
        start(name, began if stamp is None else _since_stamp(stamp), tail=None)

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
            if isinstance(line, _Line):
                # A resumed log starts at the last line shown, because `--since` includes that instant.
                if line.stamp is not None and line.stamp == last_stamps.get(name):
                    continue
                if line.stamp is not None:
                    last_stamps[name] = line.stamp
                write(name, line.text if timestamps or line.stamp is None else line.text.partition(" ")[2])
            elif isinstance(line, _Again):
                start(name, line.since)
                open_logs += 1
            elif isinstance(line, _Restarted):
                if not line.running:
                    last_logs.add(name)
                resume(name)
            else:
                restarts = ended(name) if ended is not None else None
                if name in last_logs:
                    # NOTE: a container that a user stopped can still count as restarting here on Podman,
                    # whose stopped containers look the same as those it will restart.
                    last_logs.discard(name)
                    open_logs -= 1
                elif restarts and follow and not line.failed:
                    threading.Thread(target=_await_restart, args=(backend, name, lines, stopping), daemon=True,
                                     name="crank-restart-wait").start()
                else:
                    open_logs -= 1
    finally:
        stopping.set()
        for process in processes:
            if process.poll() is None:
                process.terminate()


def _read(name: str, process, lines: queue.Queue, stamped: bool) -> None:  # type: ignore[no-untyped-def]
    failed = False
    try:
        for line in process.stdout:
            text = line.rstrip("\n")
            stamp = _STAMP.match(text) if stamped else None
            lines.put((name, _Line(stamp.group() if stamp else None, text)))
        failed = process.wait() != 0
    finally:
        # A reader that fails also reports its end, so the loop that waits for every reader ends.
        lines.put((name, _End(failed)))


def _await_restart(backend: Backend, name: str, lines: queue.Queue, stopping: threading.Event) -> None:  # type: ignore[type-arg]
    """Put `_Restarted` on `lines` once the container runs again, or once it is clear that it will not."""
    from crank_cli.operations.restarts import restart_pending

    deadline = time.monotonic() + RESTART_GRACE_SECONDS
    first_count: int | None = None
    while not stopping.is_set():
        states = backend.inspect_containers([name])
        if not states:
            break
        state = states[0]
        first_count = state.restart_count if first_count is None else first_count
        # A run that ended between two looks shows only as a higher restart count.
        if state.running or state.restart_count != first_count:
            lines.put((name, _Restarted(running=True)))
            return
        waiting = state.state == "restarting" or time.monotonic() < deadline
        if not (waiting and restart_pending(state, reports_pending=backend.reports_pending_restarts)):
            break
        stopping.wait(RESTART_POLL_SECONDS)
    lines.put((name, _Restarted(running=False)))


def _now_stamp() -> str:
    from crank_cli.operations.log_times import engine_time

    return engine_time(f"{time.time():.6f}", "--since")


def _since_stamp(stamp: str) -> str:
    """Return an engine's log time stamp in the form that `logs --since` of both engines reads."""
    from crank_cli.operations.log_times import engine_time

    return engine_time(stamp, "--since")
