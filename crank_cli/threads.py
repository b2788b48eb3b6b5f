"""Run calls on threads and collect their results in order.

crank's threads wait for engine requests and processes, so a few plain threads suffice.
`concurrent.futures` would do the same, but importing it also imports `logging` and
`traceback`, several milliseconds that every `up` and `down` would pay.

Waiting never uses `Thread.join`: on Python 3.11, Ctrl-C during a join marks the thread as
ended while it still runs (see `Thread._wait_for_tstate_lock`), so a second join returns at
once. The workers report their end through a condition instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_all(task: Callable[[Item], Result], items: Iterable[Item], limit: int) -> list[Result]:
    """Run `task` on every item, at most `limit` at a time, and return the results in order.

    Every task runs to its end even when another fails. Then the first failure, in the order
    of the items, is raised. One item, or a limit of 1, runs on the calling thread. Ctrl-C
    starts no further task and is raised once the running ones have ended.
    """
    item_list = list(items)
    if len(item_list) <= 1 or limit <= 1:
        return [task(item) for item in item_list]
    results: list[Any] = [None] * len(item_list)
    errors: list[BaseException | None] = [None] * len(item_list)
    positions = iter(range(len(item_list)))
    changed = threading.Condition(threading.Lock())
    interrupted = threading.Event()
    running = 0
    ended = 0

    def work() -> None:
        nonlocal running, ended
        while True:
            with changed:
                position = None if interrupted.is_set() else next(positions, None)
                if position is None:
                    return
                running += 1
            try:
                results[position] = task(item_list[position])
            except BaseException as error:  # noqa: BLE001 - raised again on the calling thread
                errors[position] = error
            finally:
                with changed:
                    running -= 1
                    ended += 1
                    changed.notify_all()

    def settled() -> bool:
        return ended == len(item_list) or (interrupted.is_set() and running == 0)

    workers = [threading.Thread(target=work, name=f"crank-worker-{number}") for number in range(min(limit, len(item_list)))]
    try:
        for worker in workers:
            worker.start()
    except KeyboardInterrupt:
        # Thread.start waits for the thread to begin, so Ctrl-C can come there too. A worker
        # that began before this line has its task counted in `running`; one that begins
        # after it finds `interrupted` set and takes no task.
        interrupted.set()
    while _wait(changed, settled):
        interrupted.set()
    if interrupted.is_set():
        raise KeyboardInterrupt
    first_error = next((error for error in errors if error is not None), None)
    if first_error is not None:
        raise first_error
    return results


def _wait(changed: threading.Condition, predicate: Callable[[], bool]) -> bool:
    """Wait until `predicate()` is true, and return whether Ctrl-C ended the wait first."""
    try:
        with changed:
            changed.wait_for(predicate)
    except KeyboardInterrupt:
        return True
    return False


def call_all(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Make every call at once and return their results in order, or raise the first failure."""
    return run_all(lambda call: call(), calls, limit=len(calls))


def start(call: Callable[[], Result]) -> Callable[[], Result]:
    """Begin `call` on a thread of its own and return a function that waits for its result.

    The returned function raises what the call raised. Ctrl-C during that wait is raised
    once the call has ended, as with `run_all`.
    """
    outcome: list[Any] = []
    changed = threading.Condition(threading.Lock())

    def work() -> None:
        try:
            value = (True, call())
        except BaseException as error:  # noqa: BLE001 - raised again by the waiting thread
            value = (False, error)
        with changed:
            outcome.append(value)
            changed.notify_all()

    worker = threading.Thread(target=work, name="crank-background", daemon=True)
    worker.start()

    def result() -> Result:
        interrupted = False
        while _wait(changed, lambda: bool(outcome)):
            interrupted = True
        if interrupted:
            raise KeyboardInterrupt
        succeeded, value = outcome[0]
        if not succeeded:
            raise value
        return value

    return result


def stop_or_kill(stop: Callable[[], None], kill: Callable[[], None]) -> None:
    """Call `stop` on a thread and wait for it to end, or, if Ctrl-C comes first, call `kill` and raise KeyboardInterrupt.

    This serves a stop that waits out the containers' grace time, which a second Ctrl-C cuts
    short. `stop` runs on a thread of its own because crank lets an engine command finish
    before Ctrl-C takes effect on the thread that runs it. What `stop` raises is raised here.
    After `kill`, crank does not wait for `stop`: the thread is a daemon, so crank can exit
    while that engine command still returns.
    """
    outcome: list[BaseException | None] = []
    changed = threading.Condition(threading.Lock())

    def work() -> None:
        failure = None
        try:
            stop()
        except BaseException as error:  # noqa: BLE001 - raised again by the waiting thread
            failure = error
        with changed:
            outcome.append(failure)
            changed.notify_all()

    threading.Thread(target=work, name="crank-stop", daemon=True).start()
    if _wait(changed, lambda: bool(outcome)):
        kill()
        raise KeyboardInterrupt
    if outcome[0] is not None:
        raise outcome[0]
