"""Wait for containers to be running, healthy or finished, on every engine alike.

crank polls the engine itself instead of trusting it to enforce `depends_on` conditions.
Where the engine does not schedule healthchecks (Podman without systemd), crank runs each
check at the healthcheck's own interval while it waits, so `service_healthy` means the same
on every engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import CrankError, NotReadyError
from crank_cli.operations.cancel import check_cancelled
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import CheckResult, ContainerState, HealthCheck

if TYPE_CHECKING:
    from crank_cli.compose import Project

STARTED = "service_started"
HEALTHY = "service_healthy"
COMPLETED = "service_completed_successfully"
# `up --wait`: healthy where a healthcheck exists, running otherwise.
READY = "ready"

POLL_SECONDS = 0.25
# Docker's and Podman's defaults for a healthcheck that sets none.
DEFAULT_HEALTH_INTERVAL = 30.0
DEFAULT_HEALTH_RETRIES = 3
# `up --wait` counts a container without a healthcheck as ready once polls have seen it running,
# with the same start time, for this long. A task that exits at once then fails the wait every
# time, not only when no poll happened to fall within its run. docker compose 2.40.3 first looks
# 0.5 s after its wait begins and fails on a container that has exited by then.
SETTLE_SECONDS = 1.0


class Target(NamedTuple):
    """A container to wait for, the condition it must meet and its healthcheck interval."""

    container: str
    service: str
    condition: str
    health_interval: float | None = None


def wait_for(
    backend: Backend,
    targets: list[Target],
    timeout: float | None,
    events: Events,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    *,
    waiter: str | None = None,
) -> None:
    """Return once every target meets its condition; raise `NotReadyError` naming the first that cannot.

    With `waiter`, the service whose start waits, a target that meets its condition at the
    first look gets no event, and the others' events name the waiter. Several services often
    wait on one dependency that is already running, and each would repeat its lines.
    """
    pending = {target.container: target for target in targets}
    deadline = None if timeout is None else clock() + timeout
    next_check = {target.container: clock() + (target.health_interval or DEFAULT_HEALTH_INTERVAL) for target in targets}
    running_since: dict[str, tuple[str | None, float]] = {}
    failures: dict[str, int] = {}
    suffix = "" if waiter is None else f", for service {waiter}"
    announced = waiter is None
    if announced:
        for target in targets:
            events.emit(target.container, _waiting_status(target.condition))
    while pending:
        check_cancelled()
        states = {state.name: state for state in backend.inspect_containers(list(pending))}
        now = clock()
        for name, target in list(pending.items()):
            state = states.get(name)
            verdict = evaluate(target, state, _running_for(running_since, name, state, now))
            if verdict is True:
                if announced:
                    events.emit(name, _done_status(target.condition, state) + suffix)
                del pending[name]
            elif isinstance(verdict, str):
                raise NotReadyError(verdict)
        if not pending:
            return
        if not announced:
            for name, target in pending.items():
                events.emit(name, _waiting_status(target.condition) + suffix)
            announced = True
        if deadline is not None and clock() >= deadline:
            raise NotReadyError(_timeout_message(pending, states, timeout))
        _drive_healthchecks(backend, pending, states, next_check, failures, clock())
        sleep(POLL_SECONDS)


def wait_for_dependencies(
    project: Project,
    backend: Backend,
    service: str,
    containers: Mapping[str, Sequence[str]],
    timeout: float | None,
    events: Events,
) -> None:
    """Wait until each dependency of `service` meets its `depends_on` condition.

    `containers` maps each dependency to the containers to wait for, and a dependency missing
    from it is not waited for. A dependency with `required: false` that fails its condition
    is reported as an event, and any other failure is raised.
    """
    # Imported here: `up` imports this module.
    from crank_cli.operations.up import health_interval

    services = project.model["services"]
    for dependency, options in (services[service].get("depends_on") or {}).items():
        if dependency not in services:
            continue
        options = options or {}
        condition = options.get("condition") or STARTED
        interval = health_interval(project, dependency)
        targets = [Target(container, dependency, condition, interval) for container in containers.get(dependency, ())]
        try:
            wait_for(backend, targets, timeout, events, waiter=service)
        except CrankError as error:
            if options.get("required", True):
                raise
            events.emit(f"service {service}", f"optional dependency {dependency} not ready: {error.message}")


def evaluate(target: Target, state: ContainerState | None, running_for: float = 0.0) -> bool | str:
    """Return True when the condition holds, False while it may still hold, or why it never will.

    `running_for` is how long polls have seen the container running since its latest start,
    in seconds. It decides READY for a container without a healthcheck.
    """
    service = f"service {target.service} ({target.container})"
    if state is None:
        return f"{service} no longer exists"
    if target.condition == COMPLETED:
        if state.state in {"exited", "stopped"}:
            return True if state.exit_code == 0 else f"{service} exited with code {state.exit_code}"
        return False
    if state.state in {"exited", "dead", "stopped"}:
        return f"{service} exited with code {state.exit_code} instead of running"
    if target.condition == STARTED:
        return state.running
    if target.condition == READY and not state.has_healthcheck:
        # A restarting container (restart policy) is not ready yet, as in docker compose 2.40.3.
        return state.running and running_for >= SETTLE_SECONDS
    if not state.has_healthcheck:
        return f"{service} has no healthcheck, so the condition service_healthy can never hold"
    if state.health == "unhealthy":
        return _unhealthy_message(target)
    return state.running and state.health == "healthy"


def _running_for(seen: dict[str, tuple[str | None, float]], name: str, state: ContainerState | None,
                 now: float) -> float:
    """Return how long polls have seen the container running since its latest start, recording it in `seen`.

    A new start time means the engine restarted the container between two polls (a restart
    policy), so the count begins again.
    """
    if state is None or not state.running:
        seen.pop(name, None)
        return 0.0
    started_at, since = seen.get(name, (state.started_at, now))
    if started_at != state.started_at:
        started_at, since = state.started_at, now
    seen[name] = (started_at, since)
    return now - since


def _drive_healthchecks(
    backend: Backend,
    pending: Mapping[str, Target],
    states: Mapping[str, ContainerState],
    next_check: dict[str, float],
    failures: dict[str, int],
    now: float,
) -> None:
    """Run the healthchecks that are due; raise `NotReadyError` once a check has failed its retries in a row."""
    if backend.schedules_healthchecks:
        return
    for name, target in pending.items():
        state = states.get(name)
        if state is None or not state.running or not state.has_healthcheck or now < next_check[name]:
            continue
        check = state.healthcheck or HealthCheck(test=())
        began = time.time()
        result = backend.run_healthcheck(name, check.timeout)
        next_check[name] = now + (target.health_interval or DEFAULT_HEALTH_INTERVAL)
        failures[name] = count_failures(failures.get(name, 0), result, check, state.started_at, began)
        if failures[name] >= (check.retries or DEFAULT_HEALTH_RETRIES):
            raise NotReadyError(_unhealthy_message(target))


def count_failures(failures: int, result: CheckResult, check: HealthCheck, started_at: str | None, began: float) -> int:
    """Return the count of failed checks in a row after one more check that began at Unix time `began`.

    crank keeps this count because Podman records no result for a check that crank ended
    for running past its timeout. As in Docker, a pass resets the count, and a failure
    within the start period after the container's start does not count.
    """
    if result.passed:
        return 0
    if check.start_period and started_at and began < _unix_time(started_at) + check.start_period:
        return failures
    return failures + 1


def _unix_time(timestamp: str) -> float:
    from datetime import datetime

    # From Python 3.11 on, fromisoformat reads the engines' RFC 3339 times, cutting nanoseconds to microseconds.
    try:
        return datetime.fromisoformat(timestamp).timestamp()
    except ValueError:
        return 0.0


def _unhealthy_message(target: Target) -> str:
    return f"service {target.service} ({target.container}) is unhealthy"


def _timeout_message(pending: Mapping[str, Target], states: Mapping[str, ContainerState], timeout: float | None) -> str:
    details = []
    for name, target in pending.items():
        state = states.get(name)
        condition = "healthy" if target.condition in (HEALTHY, READY) else target.condition
        if target.condition == READY and state is not None and not state.has_healthcheck:
            condition = f"running for {SETTLE_SECONDS:g} s"
        seen = "missing" if state is None else state.health or state.state
        details.append(f"service {target.service} ({name}) is {seen}, expected {condition}")
    return f"timed out after {timeout:g} s: " + "; ".join(details)


def _waiting_status(condition: str) -> str:
    # READY (up --wait) is health for a container with a healthcheck, else running: not known yet.
    statuses = {COMPLETED: "waiting to complete", STARTED: "waiting to start", READY: "waiting until ready"}
    return statuses.get(condition, "waiting for health")


def _done_status(condition: str, state: ContainerState | None) -> str:
    if condition == COMPLETED:
        return "exited 0"
    if condition == STARTED:
        return "started"
    if state is not None and state.health == "healthy":
        return "healthy"
    return "running"
