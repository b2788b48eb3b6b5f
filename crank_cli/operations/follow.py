"""Follow the logs of several containers at once, as `up` without `-d` does."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence

from crank_cli.runtime.backend import Backend

def follow_logs(backend: Backend, containers: Sequence[str], write: Callable[[str, str], None], *,
                follow: bool = True, tail: int | None = None, timestamps: bool = False,
                since: str | None = None, until: str | None = None,
                ended: Callable[[str], None] | None = None, cancel: threading.Event | None = None) -> None:
    """Pass each log line to `write(container, line)` until every container's log ends, or `cancel` is set.

    A log ends when its container stops, and `ended(container)` is called then. KeyboardInterrupt
    reaches the caller, after the log processes are ended.
    """
    lines: queue.Queue[tuple[str, str | None]] = queue.Queue()
    processes = [backend.follow_logs(name, follow=follow, tail=tail, timestamps=timestamps, since=since, until=until)
                 for name in containers]
    readers = [
        threading.Thread(target=_read, args=(name, process.stdout, lines), daemon=True)
        for name, process in zip(containers, processes, strict=True)
    ]
    for reader in readers:
        reader.start()
    try:
        open_logs = len(readers)
        while open_logs:
            try:
                # With `cancel`, the queue is checked five times a second, so setting it takes effect soon.
                name, line = lines.get(timeout=None if cancel is None else 0.2)
            except queue.Empty:
                if cancel is not None and cancel.is_set():
                    return
                continue
            if line is not None:
                write(name, line)
                continue
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
