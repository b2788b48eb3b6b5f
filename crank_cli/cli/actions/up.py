"""The action of `crank up`, shared by the Typer command and the quick path."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.cli.context import (
    CommandContext,
    global_options,
    handle_sigint,
    is_dry_run,
    load_and_resolve,
    load_project,
    load_settings,
    progress,
)

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.operations.watch_rules import WatchRule


def run(ctx: CommandContext, services: list[str] | None, detach: bool, wait: bool, wait_timeout: float | None,
        build: bool, no_build: bool, pull: str | None, force_recreate: bool, no_recreate: bool, no_deps: bool,
        no_start: bool, remove_orphans: bool, scale: list[str] | None, timeout: int | None, parallel: int | None,
        abort_on_container_exit: bool, exit_code_from: str | None, dry_run: bool, strict: bool,
        abort_on_container_failure: bool = False, attach: list[str] | None = None,
        no_attach: list[str] | None = None, attach_dependencies: bool = False, no_log_prefix: bool = False,
        timestamps: bool = False, no_color: bool = False, quiet_pull: bool = False, yes: bool = False,
        develop_builds: bool = False, watch: bool = False, always_recreate_deps: bool = False,
        renew_anon_volumes: bool = False, quiet_build: bool = False) -> None:
    # The options after `strict` have defaults, so `create` and `scale`, which return at once, need not pass them.
    # --no-color, --quiet-pull and --yes change nothing, because crank's logs have no colour and it never prompts.
    # `develop_builds`, for `watch`, builds the images of the services that have both build and develop, as
    # docker compose's watch does, so the containers it watches start from the files as they are now.
    # `watch` also acts on the develop.watch rules while the logs are followed, as `crank watch` does.
    from crank_cli import render
    from crank_cli.operations import graph
    from crank_cli.operations.cancel import CancelledError, cancel_on_interrupt
    from crank_cli.operations.parallel import parallel_limit
    from crank_cli.operations.resources import ImagePolicy
    from crank_cli.operations.up import UpOptions, require_services
    from crank_cli.operations.up import up as run_up
    from crank_cli.threads import start

    # A foreground `up` shows the output written from now on, as docker compose does, not
    # what a container that this `up` starts again wrote before.
    # NOTE: the engine compares this with its own clock; a remote engine whose clock is
    # behind would hide the first lines.
    began = time.time()
    names = tuple(services or ())
    abort = _abort_policy(detach=detach, wait=wait, abort_on_container_exit=abort_on_container_exit,
                          abort_on_container_failure=abort_on_container_failure, exit_code_from=exit_code_from,
                          attach=bool(attach), attach_dependencies=attach_dependencies, watch=watch)
    options = UpOptions(
        services=names,
        parallel=parallel_limit(global_options(ctx).environ, parallel),
        no_deps=no_deps,
        recreate=_recreate_policy(force_recreate=force_recreate, no_recreate=no_recreate,
                                  always_recreate_deps=always_recreate_deps, renew_anon_volumes=renew_anon_volumes),
        always_recreate_dependencies=always_recreate_deps,
        renew_anonymous_volumes=renew_anon_volumes,
        start=not no_start,
        remove_orphans=remove_orphans,
        images=ImagePolicy(build=_choice("--build", build, "--no-build", no_build, "always", "never"), pull=pull_policy(pull),
                           quiet_build=quiet_build),
        scale=_scale(scale or []),
        timeout=timeout,
        wait=wait,
        wait_timeout=wait_timeout,
        dry_run=is_dry_run(ctx, dry_run),
    )
    project, engine = load_and_resolve(ctx, lambda: _named(load_project(ctx, names)), dry_run=options.dry_run)
    require_services(project, [*names, *options.scale])
    watched = None
    if watch:
        from crank_cli.operations.watch_rules import watch_rules

        # A project with nothing to watch, or a rule crank cannot act on, fails before anything starts.
        watched = watch_rules(project, names)
    if develop_builds or watch:
        build_developed_services(project)
    _require_single_named_containers(project, options.scale)
    _require_exit_code_service(project, options, exit_code_from)
    _require_attached_services(project, options, attach or [])
    foreground = not (detach or wait or no_start or options.dry_run)
    if foreground:
        handle_sigint()
    try:
        # The lock comes first, so the state read for the check is still the state `up` acts on.
        with cancel_on_interrupt(), _lock(project.name, options.dry_run):
            engine, observed = check_capabilities(ctx, project, engine, names, strict=strict)
            checked = options._replace(observed=observed)
            if not observed.containers:
                _warn_unseen_engines(ctx, project.name, engine)
                # Asking the other engines can take a client process, so it runs while `up`
                # makes the networks and volumes, which `up` removes again if it fails.
                checked = checked._replace(before_containers=start(lambda: _check_other_engines(ctx, project.name, engine)))
            with progress(ctx, dry_run=options.dry_run) as events:
                result = run_up(project, engine.backend, checked, events)
    except (CancelledError, KeyboardInterrupt):
        if foreground:
            # In the foreground, Ctrl-C stops the services, also before the logs are followed.
            _stop_project(engine.backend, project.name, timeout)
        raise
    for warning in result.warnings:
        render.warn(warning)
    if not result.changed:
        render.info(f"project {project.name} is up to date on {engine.info.name}")
    if watched is not None and options.dry_run:
        from crank_cli.cli.watch import say_dry_run

        say_dry_run(*watched, engine)
    if not foreground:
        return
    unattached = [name for name, service in project.model["services"].items() if service.get("attach") is False]
    named = graph.with_dependencies(project.model["services"], names) if attach_dependencies and names else names
    followed = _followed_containers(result.services, attach or [], no_attach or [], named=named, unattached=unattached)
    view = LogView(project.name, project.model["services"], prefix=not no_log_prefix, timestamps=timestamps)
    if watched is not None:
        _watch_and_follow(ctx, project, engine, watched, result.containers, timeout, followed, since=began, view=view)
        return
    _follow(engine.backend, result.containers, timeout, abort, followed, since=began, view=view)


def build_developed_services(project: Project) -> None:
    """Give the services with both build and develop the pull policy build, so `up` builds their images."""
    for service in project.model["services"].values():
        if service.get("build") and service.get("develop"):
            service["pull_policy"] = "build"


def check_capabilities(ctx: CommandContext, project, engine, services: tuple[str, ...], *, strict: bool):  # type: ignore[no-untyped-def]
    """Warn about keys the engine cannot honour, prefer an engine the images' labels list, and stop if strict.

    Return the engine to use and the project's state on it, read once for the check and for `up`.
    """
    from crank_cli import render
    from crank_cli.operations import graph, preflight, resources
    from crank_cli.operations.capabilities import COMPATIBLE_LABEL

    selected = graph.with_dependencies(project.model["services"], services or project.model["services"])
    observed = resources.observe(project, engine.backend, selected)
    found = preflight.findings(project, engine.backend, engine.info, selected, observed.image_facts)
    if any(COMPATIBLE_LABEL in finding.key for finding in found) and load_settings(ctx).runtime.value == "auto":
        better = preflight.labelled_engine(project, engine, selected, observed.image_facts)
        if better is not None:
            render.info(f"using {better.info.name}: the images' {COMPATIBLE_LABEL} label does not list {engine.info.name}")
            engine = better
            observed = resources.observe(project, engine.backend, selected)
            found = preflight.findings(project, engine.backend, engine.info, selected, observed.image_facts)
    for finding in found:
        render.warn(preflight.describe(finding))
    preflight.reject_if_strict(found, engine.info.name, strict=strict)
    return engine, observed


def _check_other_engines(ctx: CommandContext, project: str, engine) -> None:  # type: ignore[no-untyped-def]
    """Raise if the project may already have containers on another engine.

    Only a fresh `up` runs this check, before its first container: a project with containers
    on the chosen engine is already there.
    """
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.placement import check_new_project_engine

    check_new_project_engine(project, container_filter(project), load_settings(ctx), engine)


def _warn_unseen_engines(ctx: CommandContext, project: str, engine) -> None:  # type: ignore[no-untyped-def]
    from crank_cli.cli.absent import warn_unseen_engines

    warn_unseen_engines(load_settings(ctx), engine,
                        f"if project {project} runs there, this creates a second copy on {engine.info.name}, "
                        "with new, empty volumes")


def _named(project):  # type: ignore[no-untyped-def]
    return project, project.name


def _lock(project: str, dry_run: bool):  # type: ignore[no-untyped-def]
    """Return the project lock; a dry run changes nothing, so it takes none."""
    from contextlib import nullcontext

    from crank_cli import render
    from crank_cli.operations.lock import project_lock

    if dry_run:
        return nullcontext()
    return project_lock(project, render.info)


def _follow(backend, containers: list[str], timeout: int | None, abort: AbortPolicy | None,  # type: ignore[no-untyped-def]
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
    with _sigterm_as_interrupt() as received:
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


def _watch_and_follow(ctx: CommandContext, project: Project, engine, watched: tuple[list[WatchRule], list[str]],  # type: ignore[no-untyped-def]
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
    with _sigterm_as_interrupt() as received:
        try:
            session, poller = start_watch(ctx, project, engine, *watched, changed=follow_again)
            logs.start()
            session.run(poller=poller)
        except KeyboardInterrupt:
            stopping.set()
            _stop(backend, containers, timeout, received[0] if received else "Ctrl-C")
            raise


@contextmanager
def _sigterm_as_interrupt() -> Iterator[list[str]]:
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


def _abort_policy(*, detach: bool, wait: bool, abort_on_container_exit: bool, abort_on_container_failure: bool,
                  exit_code_from: str | None, attach: bool, attach_dependencies: bool = False,
                  watch: bool = False) -> AbortPolicy | None:
    """Return what to do when a container stops, or None to follow the logs until Ctrl-C.

    As with docker compose, --exit-code-from implies --abort-on-container-exit unless
    --abort-on-container-failure is given, the two abort options exclude each other, and none
    of them, --attach, --attach-dependencies or --watch can be used with --detach or --wait,
    which return while the containers run. crank's --watch, which docker compose 2.40.3
    combines with the abort options, goes with neither.
    """
    from crank_cli.errors import UsageError

    if abort_on_container_exit and abort_on_container_failure:
        raise UsageError("--abort-on-container-exit and --abort-on-container-failure cannot be used together")
    if attach and attach_dependencies:
        raise UsageError("--attach and --attach-dependencies cannot be used together: --attach names the services to follow")
    flags = (("--abort-on-container-exit", abort_on_container_exit),
             ("--abort-on-container-failure", abort_on_container_failure),
             ("--exit-code-from", exit_code_from is not None), ("--attach", attach),
             ("--attach-dependencies", attach_dependencies), ("--watch", watch))
    foreground_flags = [flag for flag, value in flags if value]
    for flag, value in (("--detach", detach), ("--wait", wait)):
        if value and foreground_flags:
            raise UsageError(f"{flag} cannot be used with {' or '.join(foreground_flags)}")
    if not (abort_on_container_exit or abort_on_container_failure or exit_code_from is not None):
        return None
    if watch:
        aborting = [flag for flag, value in flags[:3] if value]
        raise UsageError(f"--watch cannot be used with {' or '.join(aborting)}: the watch runs until Ctrl-C")
    return AbortPolicy(exit_code_from, only_failure=abort_on_container_failure)


def _require_single_named_containers(project: Project, scale: dict[str, int]) -> None:
    """Raise `UsageError` when --scale requests more than one container of a service with `container_name`."""
    from crank_cli.errors import UsageError

    for service, count in sorted(scale.items()):
        name = project.model["services"][service].get("container_name")
        if name and count > 1:
            raise UsageError(f"--scale {service}={count}: service {service} sets container_name {name!r}, which names "
                             f"one container, so it cannot run {count}; scale it to 1 or remove container_name from "
                             "the compose file")


def _require_exit_code_service(project, options, service: str | None) -> None:  # type: ignore[no-untyped-def]
    """Raise `UsageError` if --exit-code-from names a service that this `up` does not start."""
    from crank_cli.errors import UsageError
    from crank_cli.operations.up import require_services

    if service is None:
        return
    require_services(project, [service])
    selected = _started_services(project, options)
    if service not in selected:
        raise UsageError(f"invalid --exit-code-from {service!r}: this up starts only {', '.join(sorted(selected))}")


def _require_attached_services(project, options, services: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Raise `UsageError` if --attach names a service that this `up` does not start."""
    from crank_cli.errors import UsageError
    from crank_cli.operations.up import require_services

    require_services(project, services)
    selected = _started_services(project, options)
    for service in services:
        if service not in selected:
            raise UsageError(f"invalid --attach {service!r}: this up starts only {', '.join(sorted(selected))}")


def _started_services(project, options) -> set[str]:  # type: ignore[no-untyped-def]
    """Return the services that this `up` starts: those named, with their dependencies unless --no-deps."""
    from crank_cli.operations import graph

    services = project.model["services"]
    return set(options.services) if options.no_deps else set(graph.with_dependencies(services, options.services or services))


def _followed_containers(services: dict[str, list[str]], attach: list[str], no_attach: list[str], *,
                         named: Sequence[str] = (), unattached: Collection[str] = ()) -> list[str]:
    """Return the containers whose logs a foreground `up` follows, as docker compose 2.40.3 chooses them.

    With --attach, the services it names. Otherwise the services named on the command line,
    without their dependencies, or with none named every service but the `unattached` ones
    (`attach: false`). The --no-attach services are then left out.
    """
    if attach:
        wanted = set(attach)
    elif named:
        wanted = set(named)
    else:
        wanted = {service for service in services if service not in unattached}
    chosen = [service for service in services if service in wanted and service not in no_attach]
    return [name for service in chosen for name in services[service]]


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


def _stop_project(backend, project: str, timeout: int | None) -> None:  # type: ignore[no-untyped-def]
    """Stop the project's running containers after an interrupted foreground `up`."""
    from crank_cli.operations import labels

    running = [state.name for state in backend.list_containers(labels.container_filter(project)) if state.running]
    if running:
        _stop(backend, running, timeout, "interrupted")


def _stop(backend, containers: list[str], timeout: int | None, reason: str) -> None:  # type: ignore[no-untyped-def]
    """Stop the containers, or kill them if Ctrl-C (or SIGTERM while logs were followed) comes again.

    As with docker compose, a second interrupt does not wait for the stop timeout of a
    container that ignores its stop signal. The stop runs on a thread of its own, because
    crank lets an engine command finish before an interrupt takes effect on its thread.
    """
    import threading

    from crank_cli import render

    render.info(f"stopping the project ({reason}); press Ctrl-C again to kill it")
    failures: list[Exception] = []

    def stop() -> None:
        try:
            _stop_in_order(backend, containers, timeout)
        except Exception as error:  # noqa: BLE001 - raised again below, on the main thread
            failures.append(error)

    stopping = threading.Thread(target=stop, name="crank-stop")
    stopping.start()
    try:
        stopping.join()
    except KeyboardInterrupt:
        render.info("killing the project (interrupted again)")
        # A stop with no grace time kills at once, also a container that the first stop still waits for.
        backend.stop_containers(containers, 0)
        raise
    if failures:
        raise failures[0]


def _stop_in_order(backend, containers: list[str], timeout: int | None) -> None:  # type: ignore[no-untyped-def]
    """Stop dependents before their dependencies, as docker compose does, in the order that the depends_on labels record."""
    from crank_cli.operations import labels
    from crank_cli.operations.down import container_levels

    states = backend.inspect_containers(containers)
    for level in reversed(container_levels(labels.recorded_services(states), states)):
        backend.stop_containers(level, timeout)


def _recreate_policy(*, force_recreate: bool, no_recreate: bool, always_recreate_deps: bool,
                     renew_anon_volumes: bool) -> str:
    """Return `UpOptions.recreate` for the recreate flags, or raise `UsageError` for two that conflict.

    --renew-anon-volumes recreates every container, unchanged ones too, as docker compose 2.40.3 does.
    """
    from crank_cli.errors import UsageError

    for flag, given in (("--always-recreate-deps", always_recreate_deps), ("--renew-anon-volumes", renew_anon_volumes)):
        if given and no_recreate:
            raise UsageError(f"{flag} and --no-recreate cannot be used together")
    policy = _choice("--force-recreate", force_recreate, "--no-recreate", no_recreate, "force", "never")
    return "force" if renew_anon_volumes else policy


def _choice(first_flag: str, first: bool, second_flag: str, second: bool, first_value: str, second_value: str) -> str:
    from crank_cli.errors import UsageError

    if first and second:
        raise UsageError(f"{first_flag} and {second_flag} cannot be used together")
    if first:
        return first_value
    if second:
        return second_value
    return "auto"


def pull_policy(value: str | None) -> str:
    """Check a --pull value and return the `ImagePolicy.pull` it selects."""
    from crank_cli.errors import UsageError

    if value is None:
        return "policy"
    if value not in ("always", "missing", "never"):
        raise UsageError(f"invalid --pull value {value!r}: expected always, missing or never")
    return value


def _scale(values: list[str]) -> dict[str, int]:
    from crank_cli.errors import UsageError

    counts = {}
    for value in values:
        service, _, count = value.partition("=")
        if not service or not count.isdigit():
            raise UsageError(f"invalid --scale value {value!r}: expected SERVICE=N with N a whole number")
        counts[service] = int(count)
    return counts
