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
    aborting = _AbortingStop(backend, containers, followed, timeout, abort) if abort is not None else None
    with sigterm_as_interrupt() as received:
        try:
            if followed:
                view = view or LogView()
                follow_logs(backend, followed, _printer(followed, view).write, since=_time_stamp(since),
                            timestamps=view.timestamps,
                            ended=aborting.on_exit if aborting else lambda name: _on_exit(backend, name, None),
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
    feed = LogFeed()
    stopping = threading.Event()

    def follow_again(services: list[str], began: float) -> None:
        states = backend.list_containers(labels.container_filter(project.name))
        feed.follow([state.name for state in states if state.running and state.service in services
                     and state.name in followed], _time_stamp(began))

    logs = threading.Thread(target=lambda: follow_logs(
        backend, followed, _printer(followed, view).write, since=_time_stamp(since), timestamps=view.timestamps,
        ended=lambda name: _on_exit(backend, name, None), cancel=stopping, feed=feed), name="crank-logs", daemon=True)
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


def _say_exit(backend, name: str):  # type: ignore[no-untyped-def]
    """Say how a followed container ended, as docker compose does, once its log ends.

    Return the container's state if it has stopped, else None.
    """
    from crank_cli import render
    from crank_cli.operations.labels import state_log_name

    for state in backend.inspect_containers([name]):
        if not state.running:
            render.info(f"{state_log_name(state)} exited with code {state.exit_code}")
            return state
    return None


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

    def __init__(self, name: str, service: str, exit_code: int | None) -> None:
        super().__init__(name, service, exit_code)
        self.name = name
        self.service = service
        self.exit_code = exit_code


def _time_stamp(seconds: float | None) -> str | None:
    """Return a Unix time as the UTC RFC 3339 time stamp that `logs --since` of both engines reads."""
    if seconds is None:
        return None
    from crank_cli.operations.log_times import engine_time

    return engine_time(f"{seconds:.6f}", "--since")


def _on_exit(backend, name: str, abort: AbortPolicy | None) -> None:  # type: ignore[no-untyped-def]
    """Say how a followed container ended and, if that makes `abort` apply, raise `ContainerExited`."""
    state = _say_exit(backend, name)
    if state is None or abort is None or (abort.only_failure and state.exit_code == 0):
        return
    raise ContainerExited(name, state.service, state.exit_code)


class _AbortingStop:
    """Stop the other containers on a thread once `abort` applies, while the main thread still follows the logs.

    The logs end as the containers stop, so what the containers print while they stop (a
    stop signal's trap, say) is shown, as docker compose 2.40.3 shows it. The containers are
    stopped, not removed, as docker compose leaves them.
    """

    def __init__(self, backend, containers: list[str], followed: list[str], timeout: int | None,  # type: ignore[no-untyped-def]
                 abort: AbortPolicy) -> None:
        import threading

        self.backend = backend
        self.containers = containers
        self.followed = followed
        self.timeout = timeout
        self.abort = abort
        self.exited: ContainerExited | None = None
        # Set when the stop fails, so that `follow_logs` stops waiting for logs that may never end.
        self.failed = threading.Event()
        self._failures: list[Exception] = []
        self._running: list[str] = []
        self._thread: threading.Thread | None = None

    def on_exit(self, name: str) -> None:
        """Report how a followed container ended and, the first time `abort` applies, start stopping the others."""
        import threading

        from crank_cli import render

        if self.exited is not None:
            _say_exit(self.backend, name)
            return
        try:
            _on_exit(self.backend, name, self.abort)
        except ContainerExited as exited:
            self.exited = exited
        if self.exited is None:
            return
        self._running = [state.name for state in self.backend.inspect_containers(self.containers) if state.running]
        if not self._running:
            return
        render.info(f"stopping the project ({name} exited); press Ctrl-C to kill it")
        self._thread = threading.Thread(target=self._stop, name="crank-abort-stop")
        self._thread.start()

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
            # A followed container's exit was reported when its log ended.
            if state.name in self._running and state.name not in self.followed:
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
