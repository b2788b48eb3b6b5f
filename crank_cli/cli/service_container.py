"""Find the one running container of a service that `port`, `commit` and `export` act on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.absent import reject_if_absent
from crank_cli.cli.context import CommandContext, load_project_or_containers

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.runtime.models import ContainerState
    from crank_cli.runtime.resolve import Resolution


def running_service_container(ctx: CommandContext, service: str, index: int | None, *, verb: str,
                              dry_run: bool = False) -> tuple[Project, Resolution, ContainerState]:
    """Load the project, choose its engine and return them with the container of `service` that `verb` acts on.

    `index` picks a replica by number, and None the lowest number running (see
    `crank_cli.operations.running.chosen_container`). An unknown service raises `UsageError`,
    and so does a project that another tool started or another engine runs.
    """
    from crank_cli.operations import labels
    from crank_cli.operations.running import chosen_container
    from crank_cli.operations.up import require_services

    project, engine = load_project_or_containers(ctx, (service,), verb=verb, dry_run=dry_run)
    require_services(project, [service])
    states = engine.backend.list_containers(labels.service_filter(project.name, service))
    if not states:
        reject_if_absent(ctx, project.name, engine, verb)
    return project, engine, chosen_container(states, service, index)
