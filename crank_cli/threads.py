"""Run calls on threads and collect their results in order.

crank's threads wait for engine requests and processes, so a few plain threads suffice.
`concurrent.futures` would do the same, but importing it also imports `logging` and
`traceback`, several milliseconds that every `up` and `down` would pay.
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
    take = threading.Lock()
    interrupted = threading.Event()

    def work() -> None:
        while True:
            with take:
                position = None if interrupted.is_set() else next(positions, None)
            if position is None:
                return
            try:
                results[position] = task(item_list[position])
            except BaseException as error:  # noqa: BLE001 - raised again on the calling thread
                errors[position] = error

    workers = [threading.Thread(target=work, name=f"crank-worker-{number}") for number in range(min(limit, len(item_list)))]
    try:
        for worker in workers:
            worker.start()
    except KeyboardInterrupt:
        # Thread.start waits for the thread to begin, so Ctrl-C can come there too. The workers
        # that began still run their tasks to the end; `_join_all` skips those that did not.
        interrupted.set()
    _join_all(workers, interrupted)
    if interrupted.is_set():
        raise KeyboardInterrupt
    first_error = next((error for error in errors if error is not None), None)
    if first_error is not None:
        raise first_error
    return results


def _join_all(workers: list[threading.Thread], interrupted: threading.Event) -> None:
    """Wait for every worker; a Ctrl-C meanwhile sets `interrupted` and the wait goes on."""
    for worker in workers:
        while worker.is_alive():
            try:
                worker.join()
            except KeyboardInterrupt:
                interrupted.set()


def call_all(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Make every call at once and return their results in order, or raise the first failure."""
    return run_all(lambda call: call(), calls, limit=len(calls))


def start(call: Callable[[], Result]) -> Callable[[], Result]:
    """Begin `call` on a thread of its own and return a function that waits for its result.

    The returned function raises what the call raised. Ctrl-C during that wait is raised
    once the call has ended, as with `run_all`.
    """
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:  # noqa: BLE001 - raised again by the waiting thread
            outcome.append((False, error))

    worker = threading.Thread(target=work, name="crank-background", daemon=True)
    worker.start()

    def result() -> Result:
        interrupted = threading.Event()
        _join_all([worker], interrupted)
        if interrupted.is_set():
            raise KeyboardInterrupt
        succeeded, value = outcome[0]
        if not succeeded:
            raise value
        return value

    return result
