"""Progress of engine work on stderr, in the form that `--progress` selects.

- tty: a live table of each container, network, volume or image with its state and the
  seconds since its first event (Rich, on a terminal);
- plain: one time-stamped line per event;
- json: one JSON object per line, `{"schema", "time", "subject", "status"}`;
- quiet: nothing (errors are still printed by the error boundary).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from crank_cli.operations.events import Events

SCHEMA_VERSION = 1
# Statuses after which a subject's clock stops in the live view.
_FINAL = ("created", "recreated", "started", "running", "healthy", "built", "pulled", "removed",
          "stopped", "restarted", "exited 0", "completed", "copied", "pushed", "failed")


# Added to each status in a dry run, where the events describe the plan, not what happened.
DRY_RUN_MARK = " (dry run)"

# The live view on screen, if any, so engine output can be printed above it.
_active: LiveProgress | None = None


@contextmanager
def progress(mode: str, stream: TextIO | None = None, *, dry_run: bool = False) -> Iterator[Events]:
    """Yield an `Events` receiver for `mode`; a live view is closed when the block ends."""
    out = stream or sys.stderr
    chosen = _auto(out) if mode == "auto" else mode
    if chosen == "quiet":
        yield QuietProgress()
    elif chosen == "tty":
        global _active
        live = LiveProgress(out)
        _active = live
        try:
            yield _marked(live, dry_run)
        finally:
            _active = None
            live.close()
    else:
        yield _marked(JsonProgress(out) if chosen == "json" else PlainProgress(out), dry_run)


def print_above_live(line: str) -> bool:
    """Print a line of engine output above the live view and return True, or return False when none is on screen."""
    live = _active
    if live is None:
        return False
    live.live.console.print(line, soft_wrap=True)
    return True


def _marked(events: Events, dry_run: bool) -> Events:
    return DryRunProgress(events) if dry_run else events


def json_time() -> str:
    """Return the current time as JSON lines carry it: UTC, ISO 8601, in milliseconds."""
    from datetime import datetime, timezone  # imported when used: plain output needs no datetime

    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class DryRunProgress:
    """Passes events on with each status marked as part of a dry run."""

    def __init__(self, events: Events) -> None:
        self.events = events

    def emit(self, subject: str, status: str) -> None:
        self.events.emit(subject, status + DRY_RUN_MARK)


def _auto(stream: TextIO) -> str:
    if stream.isatty() and os.environ.get("TERM") != "dumb":
        return "tty"
    return "plain"


class QuietProgress:
    def emit(self, subject: str, status: str) -> None:
        return None


class PlainProgress:
    """One line per event: `HH:MM:SS subject: status`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def emit(self, subject: str, status: str) -> None:
        with self.lock:
            self.stream.write(f"{time.strftime('%H:%M:%S')} {subject}: {status}\n")
            self.stream.flush()


class JsonProgress:
    """One JSON object per event and line, for tools that follow crank's progress."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def emit(self, subject: str, status: str) -> None:
        record = {
            "schema": SCHEMA_VERSION,
            "time": json_time(),
            "subject": subject,
            "status": status,
        }
        with self.lock:
            self.stream.write(json.dumps(record) + "\n")
            self.stream.flush()


class LiveProgress:
    """A Rich live table: one row per subject with its latest state and elapsed time."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.live import Live

        self.rows: dict[str, tuple[str, float, float | None]] = {}
        self.lock = threading.Lock()
        console = Console(file=stream, markup=False, highlight=False)
        self.live = Live(get_renderable=self._table, console=console, refresh_per_second=8, transient=False)
        self.live.start()

    def emit(self, subject: str, status: str) -> None:
        now = time.monotonic()
        with self.lock:
            _, first, _ = self.rows.get(subject, (status, now, None))
            plain = status.removesuffix(DRY_RUN_MARK)
            done = now if plain in _FINAL or plain.startswith(("exited", "skipped")) else None
            self.rows[subject] = (status, first, done)

    def close(self) -> None:
        self.live.refresh()
        self.live.stop()
        if not self.live.console.is_terminal:
            # Off a terminal, Rich leaves the last row without a line break.
            self.live.console.line()

    def _table(self):  # type: ignore[no-untyped-def]
        from rich.table import Table

        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column("subject")
        table.add_column("status")
        table.add_column("elapsed", justify="right")
        now = time.monotonic()
        with self.lock:
            rows = list(self.rows.items())
        for subject, (status, first, done) in rows:
            marker = "✔"
            if done is None:
                marker = "…"
            elif status.startswith("failed"):
                marker = "✖"
            table.add_row(f"{marker} {subject}", status, f"{(done or now) - first:.1f}s")
        return table
