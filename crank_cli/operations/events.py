"""Progress events that operations emit and the render module shows."""

from __future__ import annotations

from typing import Protocol


class Events(Protocol):
    """A receiver of progress: `subject` is a container, network, volume or image name."""

    def emit(self, subject: str, status: str) -> None: ...


class NoEvents:
    """An `Events` receiver that drops everything, for callers that show no progress."""

    def emit(self, subject: str, status: str) -> None:
        return None
