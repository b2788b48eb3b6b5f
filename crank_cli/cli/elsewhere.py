"""Find the containers that a project has on engines other than the chosen one.

`crank migrate --to ENGINE SERVICE` moves some services and leaves the others, and
`--keep-source` leaves stopped copies on the source, so one project can have containers on
two engines. Under runtime auto the verbs that stop or remove a project's containers act
on every engine that has them. With an engine named by --runtime, the environment or .env,
they act on that engine alone and exit with code 2 while another engine still has them, so
a cleanup step in CI does not pass while the project runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli import rerun
from crank_cli.cli.context import CommandContext, load_settings, log_engine

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from crank_cli.runtime.compatible import DockerCompatibleEngine
    from crank_cli.runtime.resolve import Resolution


def is_auto(ctx: CommandContext) -> bool:
    """Tell whether the settings leave the engine to runtime auto."""
    return load_settings(ctx).runtime.value == "auto"


def other_engines(ctx: CommandContext, project: str, engine: Resolution, *, running: bool = False,
                  dry_run: bool = False) -> list[Resolution]:
    """Return the other usable engines that have containers of `project`, running ones with `running`.

    The engines that resolution rejected are not asked again. With `dry_run`, each backend
    prints its changing commands instead of running them, as the chosen engine's does.
    """
    from crank_cli import render
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.resolve import dry_run_backend, engines_holding

    holders = engines_holding(container_filter(project), skip=skipped_engines(engine), running=running)
    if dry_run:
        holders = [holder._replace(backend=dry_run_backend(holder, render.print_command)) for holder in holders]
    for holder in holders:
        log_engine(holder.backend, holder.info, holder.reason)
    return holders


def skipped_engines(engine: Resolution) -> set[str]:
    """Return the names of the chosen engine and of the engines that resolution rejected, which need no second look."""
    return {engine.info.name, *(info.name for info in engine.rejected)}


def engines_with_services(project: str, skip: set[str], services: Sequence[str], *,
                          running: bool = False) -> list[tuple[Resolution, list[str]]]:
    """Return the usable engines outside `skip` with containers of `services` of `project`, each with the services found there.

    With `running`, only running containers count. The engines are probed at once, and
    each is asked about every service at once, one `ps` per service.
    """
    from crank_cli.operations.labels import service_filter
    from crank_cli.runtime import ENGINES
    from crank_cli.runtime.resolve import Resolution, make_backend
    from crank_cli.threads import run_all

    backends = [make_backend(name) for name in ENGINES if name not in skip]
    reason = "an engine where the services named run" if running else "an engine where the services named have containers"

    def holder(backend: DockerCompatibleEngine) -> tuple[Resolution, list[str]] | None:
        info = backend.probe()
        if not info.usable:
            return None
        present = run_all(lambda service: backend.has_containers(service_filter(project, service), running=running),
                          services, limit=len(services))
        found = [service for service, here in zip(services, present, strict=True) if here]
        return (Resolution(backend, info, reason), found) if found else None

    holders = run_all(holder, backends, limit=max(len(backends), 1))
    return [holder for holder in holders if holder is not None]


def reject_left_elsewhere(ctx: CommandContext, project: str, engine: Resolution, holders: list[Resolution],
                          verb: str, *, kind: str = "containers", services: Sequence[str] = ()) -> None:
    """Raise `UsageError` (exit code 2) because `holders` still have `kind` of the project after `verb` on `engine`.

    `services` are the services named on the command line that have those containers; the
    message then names them, and so do the commands it suggests.
    """
    from crank_cli.errors import UsageError

    runtime = load_settings(ctx).runtime
    chosen = engine.info.name
    chosen_by = f"that {runtime.source} chose" if chosen == runtime.value else f"crank fell back to from {runtime.value}"
    names = ", ".join(holder.info.name for holder in holders)
    first = holders[0].info.name
    command = " ".join((verb, *services))
    of_services = f" of {', '.join(services)}" if services else ""
    message = (f"project {project} still has {kind}{of_services} on {names}: `crank {command}` acted only on {chosen}, "
               f"the engine {chosen_by}. Run `{rerun.on_engine(first, verb, command)}` to act on them there, "
               f"or `{rerun.on_engine('auto', verb, command)}` to act on every engine that has them")
    raise UsageError(message)


def reject_services_elsewhere(ctx: CommandContext, project: str, engine: Resolution, services: Sequence[str],
                              verb: str, *, running: bool = True) -> None:
    """Raise `UsageError` when another engine has containers of `services` that `verb` on `engine` did not reach.

    With `running`, only running containers count, as for `stop` and `kill`.
    """
    holders = engines_with_services(project, skipped_engines(engine), services, running=running)
    if not holders:
        return
    found = {service for _, present in holders for service in present}
    kind = "running containers" if running else "containers"
    reject_left_elsewhere(ctx, project, engine, [holder for holder, _ in holders], verb, kind=kind,
                          services=[service for service in services if service in found])


def act_on_running_elsewhere(ctx: CommandContext, project: str, engine: Resolution, services: Sequence[str],
                             verb: str, act: Callable[[DockerCompatibleEngine], list[str]], *, dry_run: bool) -> list[str]:
    """Call `act` on each other engine that runs containers of the project, and return what it reports.

    This is how `stop` and `kill` reach a split project. Under runtime auto, `act` runs on
    each such engine. With a named engine, `UsageError` is raised while another engine still
    runs containers of `services`, or with none named, of the project, and `act` never runs.
    """
    from crank_cli.operations.labels import container_filter

    if services and not is_auto(ctx):
        reject_services_elsewhere(ctx, project, engine, services, verb)
        return []
    others = other_engines(ctx, project, engine, running=True, dry_run=dry_run)
    if not others:
        return []
    if not is_auto(ctx):
        # A chosen engine without any of the project's containers has its own error, from `reject_if_absent`.
        if engine.backend.has_containers(container_filter(project)):
            reject_left_elsewhere(ctx, project, engine, others, verb, kind="running containers")
        return []
    reported: list[str] = []
    for other in others:
        reported += act(other.backend)
    return reported
