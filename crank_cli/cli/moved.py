"""Find the engine that has a service's containers after `crank migrate --to ENGINE SERVICE`.

Runtime auto picks one engine for a project, but a migration of some services leaves the
project on two engines. `logs` and `exec` then act on the engine that has the service's
containers. Only a project folder with migration records queries the other engines, so a
project that never migrated costs no extra engine command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.context import CommandContext, log_engine

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.runtime.models import ContainerState
    from crank_cli.runtime.resolve import Resolution


def migrated_under_auto(ctx: CommandContext, project: Project) -> bool:
    """Tell whether runtime auto chose the engine and the project folder has migration records."""
    from crank_cli.cli.elsewhere import is_auto

    # The folder is `record.RECORD_FOLDER`: importing the migrate package takes about 0.1 s.
    return (project.working_dir / ".crank" / "migrations").is_dir() and is_auto(ctx)


def engine_running_service(ctx: CommandContext, project: Project, engine: Resolution, service: str) -> Resolution:
    """Return `engine`, or under runtime auto after a migration, the engine that runs containers of `service`.

    The chosen engine stays when it runs a container of `service` or no other engine does.
    """
    from crank_cli.cli.elsewhere import engines_with_services, skipped_engines
    from crank_cli.operations.labels import service_filter

    if not migrated_under_auto(ctx, project):
        return engine
    if engine.backend.has_containers(service_filter(project.name, service), running=True):
        return engine
    holders = engines_with_services(project.name, skipped_engines(engine), [service], running=True)
    if not holders:
        return engine
    holder, _ = holders[0]
    log_engine(holder.backend, holder.info, holder.reason)
    return holder


def containers_by_engine(ctx: CommandContext, project: Project, engine: Resolution,
                         found: list[ContainerState]) -> list[tuple[Resolution, list[ContainerState]]]:
    """Return each engine with the project's containers there, starting with `engine` and the `found` on it.

    Under runtime auto after a migration, the other engines that have the project's
    containers follow, and the stopped copies that `migrate --keep-source` kept on the source
    are left out. Otherwise `engine` comes alone.
    """
    from crank_cli.cli.elsewhere import other_engines
    from crank_cli.cli.kept_copies import kept_services
    from crank_cli.operations.labels import container_filter

    if not migrated_under_auto(ctx, project):
        return [(engine, found)]
    others = other_engines(ctx, project.name, engine)
    holders = [(engine, found)] + [(other, other.backend.list_containers(container_filter(project.name)))
                                   for other in others]
    kept_by_engine = kept_services(project.working_dir, project.name, {holder.info.name for holder, _ in holders})
    return [(holder, [state for state in states if state.service not in kept_by_engine.get(holder.info.name, set())])
            for holder, states in holders]
