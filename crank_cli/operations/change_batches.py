"""Group bursts of file changes into batches, as docker compose's watch does.

An editor that saves, a formatter or a `git checkout` changes many files within moments.
docker compose (v2.40.3) waits until no change has come for half a second and then acts on
all of them at once, each path once. crank does the same, and also hands over a batch that
has been growing for `longest` seconds, so that a file written without pause (a log in the
watched folder) cannot hold back every other change for ever.
"""

from __future__ import annotations

from collections.abc import Iterable

QUIET_SECONDS = 0.5
LONGEST_SECONDS = 10.0


class ChangeBatcher:
    """The changed paths not yet acted on, and when they came; the caller passes the time."""

    def __init__(self, quiet: float = QUIET_SECONDS, longest: float = LONGEST_SECONDS) -> None:
        self.quiet = quiet
        self.longest = longest
        self.pending: dict[str, None] = {}
        self.first: float | None = None
        self.last: float | None = None

    def add(self, paths: Iterable[str], now: float) -> None:
        """Add the paths that changed at `now`; an empty poll leaves the batch's times alone."""
        added = False
        for path in paths:
            self.pending[path] = None
            added = True
        if not added:
            return
        if self.first is None:
            self.first = now
        self.last = now

    def ready(self, now: float) -> bool:
        """Tell whether the batch is due: changes are pending and quiet for `quiet` seconds, or open for `longest`."""
        if not self.pending or self.first is None or self.last is None:
            return False
        return now - self.last >= self.quiet or now - self.first >= self.longest

    def take(self) -> list[str]:
        """Return the pending paths, sorted and each once, and start a new batch."""
        batch = sorted(self.pending)
        self.pending = {}
        self.first = self.last = None
        return batch
