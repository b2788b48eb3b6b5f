"""Cooperative cancellation: Ctrl-C lets running engine commands finish, then stops.

An engine command killed half-way can leave a container created but not started. A
command that is allowed to finish leaves each object either done or not begun, so the
next `up` or `down` completes the project from a consistent state.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from crank_cli.errors import CrankError, EngineError, ExitCode

_cancelled = threading.Event()


class CancelledError(CrankError):
    """The user pressed Ctrl-C, and crank stopped after the commands in progress."""

    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"


def check_cancelled() -> None:
    """Raise `CancelledError` if Ctrl-C was pressed; call between engine commands."""
    if _cancelled.is_set():
        raise CancelledError("interrupted: stopped after the engine commands in progress; run the command again to finish")


@contextmanager
def interrupted_as_cancelled() -> Iterator[None]:
    """Report an engine command that failed after Ctrl-C as the cancellation it is.

    Builds and pulls run attached to the terminal, so Ctrl-C reaches the engine's client too,
    which stops the build or pull and fails.
    """
    try:
        yield
    except EngineError:
        check_cancelled()
        raise


@contextmanager
def cancel_on_interrupt() -> Iterator[None]:
    """Turn the first Ctrl-C or SIGTERM into a cancellation request; a second one interrupts crank.

    The second one still lets the engine commands in progress end (`process.run` and the
    Docker socket wait for them), so no object is left half-changed.

    SIGTERM counts as Ctrl-C because a service manager or a CI job's timeout sends it, and
    either should leave the project in a state that the next command can complete.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_cancel(signum: int, frame: FrameType | None) -> None:
        if _cancelled.is_set():
            raise KeyboardInterrupt
        _cancelled.set()

    previous = {number: signal.signal(number, request_cancel) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
        # A Ctrl-C during the last engine command still stops crank, before it goes on to
        # anything after this block, such as following the logs. Every step of the block
        # has run by then, so the message must not ask for another run.
        if _cancelled.is_set():
            raise CancelledError("interrupted after the last engine command had started; it finished, so no step "
                                 "was left undone")
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        _cancelled.clear()
