"""Bounded parallel execution for engine commands that do not depend on each other."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from crank_cli import threads
from crank_cli.operations.cancel import check_cancelled

Item = TypeVar("Item")
Result = TypeVar("Result")


def parallel_limit(environ: dict[str, str] | None = None, requested: int | None = None) -> int | None:
    """Return how many engine commands may run at once, or None for the engine's default.

    `--parallel` wins over `COMPOSE_PARALLEL_LIMIT`, which wins over the default of the
    engine (`Backend.parallel_actions`).
    """
    if requested:
        return max(1, requested)
    value = (environ if environ is not None else os.environ).get("COMPOSE_PARALLEL_LIMIT", "")
    return max(1, int(value)) if value.isdigit() else None


def run_all(task: Callable[[Item], Result], items: Iterable[Item], limit: int) -> list[Result]:
    """Run `task` on every item, at most `limit` at a time, and return results in order.

    Every task runs to its end even when another fails. The first failure is raised after
    that, so no engine command is left running behind crank's back. A task that has not
    started when Ctrl-C is pressed does not start.
    """

    def checked(item: Item) -> Result:
        check_cancelled()
        return task(item)

    return threads.run_all(checked, items, limit)
