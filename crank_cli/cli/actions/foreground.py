"""The foreground part of `crank up`: follow the logs, stop the project on Ctrl-C or SIGTERM, and abort on an exit."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from crank_cli.cli.context import CommandContext
    from crank_cli.compose import Project
    from crank_cli.operations.watch_rules import WatchRule


def follow(backend, containers: list[str], timeout: int | None, abort: AbortPolicy | None,  # type: ignore[no-untyped-def]
            followed: list[str] | None = None, since: float | None = None, *, view: LogView | None = None) -> None:
    """Follow the logs of `followed` (default: all `containers`) until Ctrl-C or SIGTERM, which stop `containers`.

    SIGTERM is what a service manager or a CI job's timeout sends, so it stops the project
    as Ctrl-C does instead of ending crank and leaving the containers running. With `abort`,
    the first followed container that stops (with `abort.only_failure`, that exits with a
    non-zero code) also stops the others, and crank exits with the code that `abort` selects
    once every followed container has stopped, so the lines they print while they stop are
    shown. With nothing to follow, crank waits for Ctrl-C or SIGTERM without printing logs.
    docker compose 2.40.3 follows every service when --no-attach leaves none.
    """
    import threading

    from crank_cli.operations.follow import follow_logs

    followed = containers if followed is None else followed
    reporter = ExitReporter(backend, since)
    aborting = _AbortingStop(backend, containers, followed, timeout, abort, reporter) if abort is not None else None
    with sigterm_as_interrupt() as received:
        try:
            if followed:
                view = view or LogView()
                follow_logs(backend, followed, _printer(followed, view).write, since=_time_stamp(since),
                            timestamps=view.timestamps,
                            ended=aborting.on_exit if aborting else lambda name: _on_exit(reporter, name, None),
                            cancel=aborting.failed if aborting else None)
                if aborting is not None and aborting.exited is not None:
                    aborting.finish()
            else:
                threading.Event().wait()
        except KeyboardInterrupt:
            if aborting is not None and aborting.exited is not None:
                aborting.kill()
            else:
                _stop(backend, containers, timeout, received[0] if received else "Ctrl-C")
            raise


def watch_and_follow(ctx: CommandContext, project: Project, engine, watched: tuple[list[WatchRule], list[str]],  # type: ignore[no-untyped-def]
                      containers: list[str], timeout: int | None, followed: list[str], *, since: float,
                      view: LogView) -> None:
    """Act on the develop.watch rules, as `crank watch` does, while a thread follows the logs, until Ctrl-C or SIGTERM.

    Either stops the watch and then the services, as a foreground `up` stops them. The logs of
    the containers that a rebuild recreates or a restart starts again are followed from when
    that action began. The watch stays when every followed container has stopped, as docker
    compose 2.40.3 stays.
    """
    import threading

    from crank_cli.cli.watch import start_watch
    from crank_cli.operations import labels
    from crank_cli.operations.follow import LogFeed, follow_logs

    backend = engine.backend
    reporter = ExitReporter(backend, since)
    feed = LogFeed()
    stopping = threading.Event()

    def follow_again(services: list[str], began: float) -> None:
        states = backend.list_containers(labels.container_filter(project.name))
        feed.follow([state.name for state in states if state.running and state.service in services
                     and state.name in followed], _time_stamp(began))

    def on_exit(name: str) -> bool:
        # A container that already runs again was restarted by the watch, whose feed follows it
        # again, so only a restart that the engine makes is followed from here.
        state, restarting = reporter.report(name)
        return restarting and state is not None

    logs = threading.Thread(target=lambda: follow_logs(
        backend, followed, _printer(followed, view).write, since=_time_stamp(since), timestamps=view.timestamps,
        ended=on_exit, cancel=stopping, feed=feed), name="crank-logs", daemon=True)
    with sigterm_as_interrupt() as received:
        try:
            session, poller = start_watch(ctx, project, engine, *watched, changed=follow_again)
            logs.start()
            session.run(poller=poller)
        except KeyboardInterrupt:
            stopping.set()
            _stop(backend, containers, timeout, received[0] if received else "Ctrl-C")
            raise


@contextmanager
def sigterm_as_interrupt() -> Iterator[list[str]]:
    """Make SIGTERM raise KeyboardInterrupt as Ctrl-C does; yield the list that records the signal's name."""
    import signal

    received: list[str] = []

    def interrupt(signum: int, frame: object) -> None:
        received.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def _printer(followed: list[str], view: LogView):  # type: ignore[no-untyped-def]
    """Return the printer of the followed containers' log lines, named as docker compose shows them."""
    from crank_cli import render
    from crank_cli.operations.labels import log_name

    prefixes = {name: log_name(name, view.project, view.services) for name in followed}
    return render.LogPrinter(followed, prefix=view.prefix, display_names=prefixes)


class ExitReporter:
    """Says how followed containers ended, as docker compose 2.40.3 does, each time a log ends.

    An exit that the engine follows with a restart ends with "(restarting)". `since` is the
    Unix time from which the containers' exits count.
    """

    def __init__(self, backend, since: float | None = None) -> None:  # type: ignore[no-untyped-def]
        import time

        self.backend = backend
        self.since = time.time() if since is None else since
        # The Unix time of the last exit reported of each container, after which exits count.
        self._reported: dict[str, float] = {}

    def report(self, name: str):  # type: ignore[no-untyped-def]
        """Say how the container's run ended; return its state, or None if it is gone, and whether it restarts.

        The state's exit code is that of the run that ended, also when the container already runs again.
        """
        import time

        from crank_cli import render
        from crank_cli.operations.labels import state_log_name
        from crank_cli.operations.restarts import restart_pending

        ended_at = time.time()
        for state in self.backend.inspect_containers([name]):
            restarting = restart_pending(state, reports_pending=self.backend.reports_pending_restarts)
            if state.running and self.backend.reports_pending_restarts:
                # Docker shows the run that ended as running for a moment, so the log that follows decides.
                return None, restarting
            passed = self._passed_exits(state)
            # Unless the container runs again, the last exit in the events is the one that its state shows.
            for event in passed if state.running else passed[:-1]:
                render.info(f"{state_log_name(state)} exited with code {event.exit_code} (restarting)")
            if state.running:
                if not passed:
                    return None, restarting
                self._reported[name] = passed[-1].time.timestamp() + 1e-6
                return state._replace(exit_code=int(passed[-1].exit_code or 0)), restarting
            suffix = " (restarting)" if restarting else ""
            render.info(f"{state_log_name(state)} exited with code {state.exit_code}{suffix}")
            self._reported[name] = ended_at
            return state, restarting
        return None, False

    def _passed_exits(self, state):  # type: ignore[no-untyped-def]
        """Return the exits since the last one reported, on an engine whose log stream can pass over a restart.

        Only a container with a restart policy and a restart has any, so other exits cost no event query.
        """
        from crank_cli.operations.restarts import passed_exits

        if self.backend.reports_pending_restarts or state.restart_policy in ("", "no") or not state.restart_count:
            return []
        return passed_exits(self.backend, state, self._reported.get(state.name, self.since))


class LogView(NamedTuple):
    """The log format of a foreground `up`: the project, which shortens container names, and the log options."""

    project: str = ""
    services: Collection[str] = ()
    prefix: bool = True
    timestamps: bool = False


class AbortPolicy(NamedTuple):
    """The response of a foreground `up` to a stopped container: stop the others and exit.

    crank exits with the exit code of `exit_code_from`'s container, or without it, with the
    exit code of the first container that stopped. With `only_failure`, a container that
    exits with code 0 stops nothing.
    """

    exit_code_from: str | None = None
    only_failure: bool = False


class ContainerExited(Exception):
    """The log of a stopped container ended while `up --abort-on-container-exit` followed it."""

    def __init__(self, name: str, service: str, exit_code: int | None, *, restarting: bool = False) -> None:
        super().__init__(name, service, exit_code)
        self.name = name
        self.service = service
        self.exit_code = exit_code
        # Whether the engine restarts the container, or already has.
        self.restarting = restarting


def _time_stamp(seconds: float | None) -> str | None:
    """Return a Unix time as the UTC RFC 3339 time stamp that `logs --since` of both engines reads."""
    if seconds is None:
        return None
    from crank_cli.operations.log_times import engine_time

    return engine_time(f"{seconds:.6f}", "--since")


def _on_exit(reporter: ExitReporter, name: str, abort: AbortPolicy | None) -> bool:
    """Say how a followed container ended and return whether the engine restarts it.

    Raise `ContainerExited` if the exit makes `abort` apply, also when the engine would restart
    the container, as docker compose 2.40.3 aborts on the first exit.
    """
    state, restarting = reporter.report(name)
    if state is None or abort is None or (abort.only_failure and state.exit_code == 0):
        return restarting
    raise ContainerExited(name, state.service, state.exit_code, restarting=restarting)


class _AbortingStop:
    """Stop the other containers on a thread once `abort` applies, while the main thread still follows the logs.

    The logs end as the containers stop, so what the containers print while they stop (a
    stop signal's trap, say) is shown, as docker compose 2.40.3 shows it. The containers are
    stopped, not removed, as docker compose leaves them.
    """

    def __init__(self, backend, containers: list[str], followed: list[str], timeout: int | None,  # type: ignore[no-untyped-def]
                 abort: AbortPolicy, reporter: ExitReporter) -> None:
        import threading

        self.backend = backend
        self.reporter = reporter
        self.containers = containers
        self.followed = followed
        self.timeout = timeout
        self.abort = abort
        self.exited: ContainerExited | None = None
        # Set when the stop fails, so that `follow_logs` stops waiting for logs that may never end.
        self.failed = threading.Event()
        self._failures: list[Exception] = []
        self._running: list[str] = []
        # The containers to stop whose logs had ended when the stop began: the one that exited,
        # if the engine restarts it, and any other that the engine would restart. `finish`
        # reports how they ended.
        self._unfollowed: list[str] = []
        self._thread: threading.Thread | None = None

    def on_exit(self, name: str) -> bool:
        """Report how a followed container ended and, the first time `abort` applies, start stopping the others.

        Return whether to follow the container's log again after a restart, which stops once `abort` applies.
        """
        import threading

        from crank_cli import render
        from crank_cli.operations.restarts import restart_pending

        if self.exited is not None:
            self.reporter.report(name)
            return False
        restarting = False
        try:
            restarting = _on_exit(self.reporter, name, self.abort)
        except ContainerExited as exited:
            self.exited = exited
            restarting = exited.restarting
        if self.exited is None:
            return restarting
        states = self.backend.inspect_containers(self.containers)
        # A container that the engine restarts is stopped too, so that it does not run on after crank exits.
        self._unfollowed = [state.name for state in states if state.name == name and restarting or not state.running
                            and restart_pending(state, reports_pending=self.backend.reports_pending_restarts)]
        self._running = [state.name for state in states if state.running or state.name in self._unfollowed]
        if not self._running:
            return False
        render.info(f"stopping the project ({name} exited); press Ctrl-C to kill it")
        self._thread = threading.Thread(target=self._stop, name="crank-abort-stop")
        self._thread.start()
        return False

    def _stop(self) -> None:
        try:
            _stop_in_order(self.backend, self._running, self.timeout)
        except Exception as error:  # noqa: BLE001 - raised again by `finish`, on the main thread
            self._failures.append(error)
            self.failed.set()

    def kill(self) -> None:
        """Kill the containers that the stop still waits for, after Ctrl-C or SIGTERM."""
        from crank_cli import render

        if self._running:
            render.info("killing the project (interrupted again)")
            # A stop with no grace time kills at once, also a container that the first stop still waits for.
            self.backend.stop_containers(self._running, 0)

    def finish(self) -> None:
        """Wait for the stop, report how the containers that were not followed ended, and exit with `abort`'s code."""
        from crank_cli import render
        from crank_cli.errors import Exit, ExitCode
        from crank_cli.operations.labels import state_log_name

        exited = self.exited
        assert exited is not None
        if self._thread is not None:
            self._thread.join()
        if self._failures:
            raise self._failures[0]
        states = self.backend.inspect_containers(self.containers)
        for state in states:
            # A followed container's exit was reported when its log ended, unless it was to restart.
            if state.name in self._unfollowed or (state.name in self._running and state.name not in self.followed):
                render.info(f"{state_log_name(state)} exited with code {state.exit_code}")
        code = exited.exit_code
        if self.abort.exit_code_from is not None and exited.service != self.abort.exit_code_from:
            # The service's container was stopped with the others, so its exit code is the one it stopped with.
            code = next((state.exit_code for state in states if state.service == self.abort.exit_code_from), code)
        raise Exit(ExitCode.ENGINE_FAILED if code is None else code)


def stop_project(backend, project: str, timeout: int | None) -> None:  # type: ignore[no-untyped-def]
    """Stop the project's running containers after an interrupted foreground `up`."""
    from crank_cli.operations import labels

    running = [state.name for state in backend.list_containers(labels.container_filter(project)) if state.running]
    if running:
        _stop(backend, running, timeout, "interrupted")


def _stop(backend, containers: list[str], timeout: int | None, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Stop the containers, or kill them if Ctrl-C (or SIGTERM while logs were followed) comes again.

    As with docker compose, a second interrupt does not wait for the stop timeout of a
    container that ignores its stop signal.
    """
    from crank_cli import render
    from crank_cli.threads import stop_or_kill

    render.info(f"stopping the project ({reason}); press Ctrl-C again to kill it")

    def kill() -> None:
        render.info("killing the project (interrupted again)")
        # A stop with no grace time kills at once, also a container that the first stop still waits for.
        backend.stop_containers(containers, 0)

    stop_or_kill(lambda: _stop_in_order(backend, containers, timeout), kill)


def _stop_in_order(backend, containers: list[str], timeout: int | None) -> None:  # type: ignore[no-untyped-def]
    """Stop dependents before their dependencies, as docker compose does, in the order that the depends_on labels record."""
    from crank_cli.operations import labels
    from crank_cli.operations.down import container_stop_levels

    states = backend.inspect_containers(containers)
    for level in container_stop_levels(labels.recorded_services(states), states):
        backend.stop_containers(level, timeout)
