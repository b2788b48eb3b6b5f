"""The action of `crank up`, shared by the Typer command and the quick path."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

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
    from crank_cli.cli.actions.foreground import AbortPolicy
    from crank_cli.compose import Project


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
    from crank_cli.cli.moved import leave_moved_services
    from crank_cli.errors import Exit, ExitCode
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
            project = leave_moved_services(ctx, project, engine, names, no_deps=no_deps)
            if names and not set(names) <= set(project.model["services"]):
                names = tuple(name for name in names if name in project.model["services"])
                if not names:
                    return
                options = options._replace(services=names)
            engine, observed = check_capabilities(ctx, project, engine, names, strict=strict)
            checked = options._replace(observed=observed)
            if not observed.containers:
                _warn_unseen_engines(ctx, project.name, engine)
                # Asking the other engines can take a client process, so it runs while `up`
                # makes the networks and volumes, which `up` removes again if it fails.
                checked = checked._replace(before_containers=start(
                    lambda: _check_other_engines(ctx, project, engine, observed.volumes)))
            with progress(ctx, dry_run=options.dry_run) as events:
                result = run_up(project, engine.backend, checked, events)
    except (CancelledError, KeyboardInterrupt):
        if foreground:
            from crank_cli.cli.actions.foreground import stop_project

            # In the foreground, Ctrl-C stops the services, also before the logs are followed.
            # That is what the user asked for, so no error follows the stop's lines.
            stop_project(engine.backend, project.name, timeout)
            raise Exit(ExitCode.INTERRUPTED) from None
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
    from crank_cli.cli.actions.foreground import LogView, follow, watch_and_follow

    unattached = [name for name, service in project.model["services"].items() if service.get("attach") is False]
    named = graph.with_dependencies(project.model["services"], names) if attach_dependencies and names else names
    followed = _followed_containers(result.services, attach or [], no_attach or [], named=named, unattached=unattached)
    view = LogView(project.name, project.model["services"], prefix=not no_log_prefix, timestamps=timestamps)
    try:
        if watched is not None:
            watch_and_follow(ctx, project, engine, watched, result.containers, timeout, followed, since=began, view=view)
            return
        follow(engine.backend, result.containers, timeout, abort, followed, since=began, view=view)
    except KeyboardInterrupt:
        # Both have stopped the services and printed the stop's lines.
        raise Exit(ExitCode.INTERRUPTED) from None


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


def _check_other_engines(ctx: CommandContext, project: Project, engine, existing_volumes: set[str]) -> None:  # type: ignore[no-untyped-def]
    """Raise if the project may already have containers, or newer volumes, on another engine.

    Only a fresh `up` runs this check, before its first container: a project with containers
    on the chosen engine is already there. `existing_volumes` are the project's volumes on
    the chosen engine before this `up`.
    """
    from crank_cli import render
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.placement import check_new_project_engine

    found = check_new_project_engine(project.name, container_filter(project.name), load_settings(ctx), engine,
                                     existing_volumes=existing_volumes, moved_to=_moved_to(project))
    for warning in found:
        render.warn(warning)


def _moved_to(project: Project) -> str | None:
    """Return the engine that the project's last finished migration moved it to, or None."""
    # The folder is `record.RECORD_FOLDER`: importing the migrate package takes about 0.1 s,
    # which a project that never migrated need not pay.
    if not (project.working_dir / ".crank" / "migrations").is_dir():
        return None
    from crank_cli.operations.migrate import record as records

    ended = [record for record in records.records(project.working_dir, project.name)
             if record.status in (records.DONE, records.REMOVED, records.ROLLED_BACK)]
    return ended[-1].plan.target if ended and ended[-1].status == records.DONE else None


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
    from crank_cli.cli.actions.foreground import AbortPolicy
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
