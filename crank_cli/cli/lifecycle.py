"""`crank stop`, `start` and `restart`: change the state of existing containers, without removing them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.absent import reject_absent_project, reject_if_absent
from crank_cli.cli.context import (
    DRY_RUN_HELP,
    is_dry_run,
    load_project_or_containers,
    load_settings,
    log_engine,
    progress,
    resolve_engine,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from crank_cli.compose import Project
    from crank_cli.operations.events import Events
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.resolve import Resolution


def register(app: typer.Typer) -> None:
    app.command("stop")(stop)
    app.command("start")(start)
    app.command("restart")(restart)


def stop(
    ctx: typer.Context,
    targets: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE|CONTAINER]...", help="Services of the project, or containers by name; default: the whole project.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait before killing; default: the engine's (10).")] = None,  # noqa: UP045
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Stop the project's containers (dependents first), or the services or containers named.

    Outside a project, and with no -p or COMPOSE_PROJECT_NAME to name one, the names are containers.
    """
    from crank_cli import render
    from crank_cli.errors import ProjectNotFoundError
    from crank_cli.operations.down import stop as run_stop
    from crank_cli.operations.down import stop_named_containers

    names = tuple(targets or ())
    dry = is_dry_run(ctx, dry_run)
    try:
        # The names may be containers too, so they are not checked as services here.
        project, engine = load_project_or_containers(ctx, names, verb="stop", dry_run=dry, check_services=False)
    except ProjectNotFoundError:
        if not names:
            raise
        engine = resolve_engine(ctx, dry_run=dry)
        with progress(ctx, dry_run=dry_run) as events:
            _stop_anywhere(ctx, engine, names, lambda rest: stop_named_containers(engine.backend, rest, timeout, events),
                           lambda backend, found: stop_named_containers(backend, found, timeout, events), dry=dry)
        return
    with progress(ctx, dry_run=dry_run) as events:
        stopped = _stop_anywhere(
            ctx, engine, names, lambda rest: run_stop(project, project.name, engine.backend, rest, timeout, events),
            lambda backend, found: stop_named_containers(backend, found, timeout, events), dry=dry)
        stopped += _stop_on_other_engines(ctx, project, engine, names, timeout, events, dry=dry)
    if not stopped:
        reject_if_absent(ctx, project.name, engine, "stop")
        render.info(f"nothing to stop in project {project.name} on {engine.info.name}")


def _stop_anywhere(ctx: typer.Context, engine: Resolution, names: tuple[str, ...],
                   stop_here: Callable[[tuple[str, ...]], list[str]],
                   stop_there: Callable[[Backend, list[str]], list[str]], *, dry: bool) -> list[str]:
    """Stop the targets on the chosen engine, and under runtime auto the containers it lacks on the engines that have them.

    With a named runtime, a container missing on its engine raises an error that names the
    engine and the --runtime option that chooses another.
    """
    from crank_cli import render
    from crank_cli.errors import NoSuchContainerError, UsageError
    from crank_cli.runtime.placement import engines_with_named_containers
    from crank_cli.runtime.resolve import dry_run_backend

    try:
        return stop_here(names)
    except NoSuchContainerError as error:
        runtime = load_settings(ctx).runtime
        if runtime.value != "auto":
            message = (f"{error.message}. crank looked only on {engine.info.name}, the engine that {runtime.source} "
                       "chose; for a container on another engine, choose that engine with --runtime")
            raise UsageError(message) from None
        missing = error.names
        found = engines_with_named_containers(missing, skip={engine.info.name})
        located = [name for _, found_names in found for name in found_names]
        absent = [name for name in missing if name not in located]
        if absent:
            message = (f"{error.description}: {', '.join(absent)}. "
                       "No usable engine has a container of that name (`crank doctor` lists the engines)")
            raise UsageError(message) from None
    stopped: list[str] = []
    for other, found_names in found:
        backend = dry_run_backend(other, render.print_command) if dry else other.backend
        log_engine(backend, other.info, other.reason)
        stopped += stop_there(backend, found_names)
    rest = tuple(name for name in names if name not in missing)
    if rest:
        stopped += stop_here(rest)
    return stopped


def _stop_on_other_engines(ctx: typer.Context, project: Project, engine: Resolution, names: tuple[str, ...],
                           timeout: int | None, events: Events, *, dry: bool) -> list[str]:
    """Stop the project's containers that run on other engines, as `stop` on the chosen engine did.

    Under runtime auto, the services named (or the whole project) stop on each engine where
    they run; container names were handled on the chosen engine. With a named engine,
    `UsageError` is raised while another engine still runs containers of the services named,
    or with none named, of the project.
    """
    from crank_cli.cli.elsewhere import act_on_running_elsewhere
    from crank_cli.operations.down import stop as run_stop

    services = tuple(name for name in names if name in project.model["services"])
    if names and not services:
        return []
    return act_on_running_elsewhere(
        ctx, project.name, engine, services, "stop",
        lambda backend: run_stop(project, project.name, backend, services, timeout, events),
        dry_run=dry)


def start(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to start; default: all.")] = None,  # noqa: UP045
) -> None:
    """Start the project's existing, stopped containers, dependencies first.

    Each service starts once its dependencies meet their depends_on conditions (started,
    healthy or completed successfully), as with up.
    """
    from crank_cli import render
    from crank_cli.operations.lifecycle import NoContainerToStartError, start_services

    names = tuple(services or ())
    project, engine = load_project_or_containers(ctx, names, verb="start")
    listed_elsewhere = _list_other_engines(ctx, project, engine, names)
    kept_on = _kept_copies(ctx, project, engine, listed_elsewhere)
    try:
        with progress(ctx) as events:
            started = start_services(project, engine.backend, names, events, skip=kept_on(engine.backend))
            started += _act_on_other_engines(ctx, project, engine, names, "start", listed_elsewhere(),
                                             lambda backend: _start_there(project, backend, names, events, kept_on(backend)))
    except NoContainerToStartError:
        # The project has no container on this engine: raise a clearer error if another tool or engine runs it.
        # Under runtime auto, resolution chose an engine with the project's containers, so no usable engine has them.
        reject_absent_project(ctx, project.name, engine, "start")
        raise
    if not started:
        render.info(f"nothing to start in project {project.name} on {engine.info.name}")


def _start_there(project: Project, backend: Backend, services: tuple[str, ...], events: Events,
                 skip: set[str]) -> list[str]:
    """Start the project's containers on another engine, where only one-off containers of `crank run` may be."""
    from crank_cli.operations.lifecycle import NoContainerToStartError, start_services

    try:
        return start_services(project, backend, services, events, skip=skip)
    except NoContainerToStartError:
        return []


def _kept_copies(ctx: typer.Context, project: Project, engine: Resolution,
                 listed_elsewhere: Callable[[], list[tuple[Resolution, list[str]]]]) -> Callable[[Backend], set[str]]:
    """Return a lookup of the services whose containers on an engine are copies kept by `migrate --keep-source`.

    Under runtime auto, `start` and `restart` leave those copies stopped. Only a project
    folder with migration records waits here for the other engines' listing.
    """
    from crank_cli.cli.elsewhere import is_auto

    migrations = project.working_dir / ".crank" / "migrations"
    if not (is_auto(ctx) and migrations.is_dir()):
        return lambda backend: set()
    from crank_cli.cli.kept_copies import kept_services

    holders = {engine.info.name, *(other.info.name for other, _ in listed_elsewhere())}
    by_engine = kept_services(project.working_dir, project.name, holders)
    return lambda backend: by_engine.get(backend.name, set())


def _list_other_engines(ctx: typer.Context, project: Project, engine: Resolution,
                        services: tuple[str, ...]) -> Callable[[], list[tuple[Resolution, list[str]]]]:
    """Begin asking the other usable engines for the project's containers, and return a wait for the engines that have them.

    With a named engine and services named, each engine comes with the services named that
    have containers there. The question runs on a thread while the chosen engine acts,
    because `start` and `restart` there change nothing on the other engines.
    """
    from crank_cli.cli.elsewhere import engines_with_services, is_auto, other_engines, skipped_engines
    from crank_cli.threads import start as begin

    if services and not is_auto(ctx):
        return begin(lambda: engines_with_services(project.name, skipped_engines(engine), services))
    return begin(lambda: [(other, []) for other in other_engines(ctx, project.name, engine)])


def _act_on_other_engines(ctx: typer.Context, project: Project, engine: Resolution, services: tuple[str, ...],
                          verb: str, holders: list[tuple[Resolution, list[str]]],
                          action: Callable[[Backend], list[str]]) -> list[str]:
    """Run `action` (`start` or `restart`) on the other engines that have the project's containers.

    Under runtime auto, each engine in `holders` gets the same action, one after the other,
    and the names of the containers it changed are returned. With a named engine,
    `UsageError` is raised while another engine has containers of the services named, or
    with none named, of the project, which this `verb` did not reach.
    """
    from crank_cli.cli.elsewhere import is_auto, reject_left_elsewhere
    from crank_cli.operations.labels import container_filter

    if not holders:
        return []
    others = [other for other, _ in holders]
    if not is_auto(ctx):
        if services:
            found = {service for _, present in holders for service in present}
            reject_left_elsewhere(ctx, project.name, engine, others, verb,
                                  services=[service for service in services if service in found])
        elif engine.backend.has_containers(container_filter(project.name)):
            # A chosen engine without any of the project's containers has its own error, from `reject_absent_project`.
            reject_left_elsewhere(ctx, project.name, engine, others, verb)
        return []
    changed: list[str] = []
    for other in others:
        changed += action(other.backend)
    return changed


def restart(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to restart; default: all.")] = None,  # noqa: UP045
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait before killing; default: the engine's (10).")] = None,  # noqa: UP045
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Restart only the services named, not the services that depend on them.")] = False,
) -> None:
    """Restart the project's containers, or those of the services named, dependencies first.

    The services that depend on a named one with restart: true, or share its network with
    network_mode: service:, restart after it, once it meets its depends_on condition, as with
    docker compose restart. --no-deps restarts only the services named.
    """
    from crank_cli import render
    from crank_cli.operations.lifecycle import restart_services

    names = tuple(services or ())
    project, engine = load_project_or_containers(ctx, names, verb="restart")
    listed_elsewhere = _list_other_engines(ctx, project, engine, names)
    kept_on = _kept_copies(ctx, project, engine, listed_elsewhere)
    with progress(ctx) as events:
        restarted = restart_services(project, engine.backend, names, timeout, events, no_deps=no_deps,
                                     skip=kept_on(engine.backend))
        restarted += _act_on_other_engines(
            ctx, project, engine, names, "restart", listed_elsewhere(),
            lambda backend: restart_services(project, backend, names, timeout, events, no_deps=no_deps,
                                             skip=kept_on(backend)))
    if not restarted:
        reject_if_absent(ctx, project.name, engine, "restart")
        render.info(f"nothing to restart in project {project.name} on {engine.info.name}")
