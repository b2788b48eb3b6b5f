"""Find the engine that has a service's containers after `crank migrate --to ENGINE SERVICE`.

Runtime auto picks one engine for a project, but a migration of some services leaves the
project on two engines. `logs` and `exec` then act on the engine that has the service's
containers, and `up` leaves a service where its containers are. Only a project folder with migration records queries the other engines, so a
project that never migrated costs no extra engine command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crank_cli.cli.context import CommandContext, log_engine

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

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


def services_left_elsewhere(services: dict[str, dict[str, Any]], selected: Collection[str], present: Collection[str],
                            elsewhere: dict[str, str]) -> dict[str, str]:
    """Return, with its engine, each service in `selected` that `up` leaves on another engine.

    `present` are the services with containers on the chosen engine, not counting copies that
    `migrate --keep-source` kept, and `elsewhere` maps a service to another engine with its
    containers. Raises `UsageError` when a service that `up` acts on depends on one left.
    """
    from crank_cli.errors import UsageError

    left = {service: elsewhere[service] for service in sorted(selected) if service not in present and service in elsewhere}
    for service in sorted(set(selected) - set(left)):
        for dependency in services[service].get("depends_on") or {}:
            if dependency in left:
                other = left[dependency]
                message = (f"service {service} depends on {dependency}, which runs on {other}, and `up` cannot "
                           f"connect services on two engines: run `crank --runtime {other} up {service}`, or "
                           f"`crank migrate --to {other} {service}`")
                raise UsageError(message)
    return left


def leave_moved_services(ctx: CommandContext, project: Project, engine: Resolution, services: Sequence[str], *,
                         no_deps: bool) -> Project:
    """Return `project` without the services whose containers run on another engine after a migration.

    Under runtime auto, the engine chosen for the project need not be the one that a
    migrated service runs on, and `up` there would create a second copy with the source's old
    volumes. The services left out are listed as disabled, so `up` does not call their
    containers orphans, and one info line names the engine of each.
    """
    from crank_cli import render
    from crank_cli.cli.elsewhere import engines_with_services, skipped_engines
    from crank_cli.cli.kept_copies import kept_services
    from crank_cli.operations import graph
    from crank_cli.operations.labels import container_filter

    if not migrated_under_auto(ctx, project):
        return project
    definitions = project.model["services"]
    selected = set(services) if no_deps else graph.with_dependencies(definitions, services or definitions)
    holders = engines_with_services(project.name, skipped_engines(engine), sorted(selected))
    if not holders:
        return project
    kept_by_engine = kept_services(project.working_dir, project.name,
                                   {engine.info.name, *(holder.info.name for holder, _ in holders)})
    found = engine.backend.list_containers(container_filter(project.name))
    present = {state.service for state in found} - kept_by_engine.get(engine.info.name, set())
    elsewhere = {service: holder.info.name for holder, found_there in reversed(holders) for service in found_there
                 if service not in kept_by_engine.get(holder.info.name, set())}
    left = services_left_elsewhere(definitions, selected, present, elsewhere)
    if not left:
        return project
    for service, other in left.items():
        render.info(f"service {service} of project {project.name} runs on {other}, so `up` leaves it there")
    model = {**project.model, "services": {name: value for name, value in definitions.items() if name not in left}}
    return project._replace(model=model, disabled_services=(*project.disabled_services, *left))
