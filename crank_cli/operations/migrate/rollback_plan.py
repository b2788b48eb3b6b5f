"""The plan of `crank migrate --rollback`, read from the migration record and the engines.

`--rollback --dry-run` prints this plan and changes nothing, because building it only lists containers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from crank_cli.operations import labels
from crank_cli.operations.migrate.migration import Engines
from crank_cli.operations.migrate.record import MigrationRecord
from crank_cli.operations.migrate.states import ACTIVE_STATES
from crank_cli.runtime import queries


@dataclass(frozen=True)
class RollbackPlan:
    """The steps of a rollback. `runs_on` is the engine the project runs on now, `returns_to` its source."""

    migration: str
    project: str
    runs_on: str
    returns_to: str
    services: tuple[str, ...]
    stop: list[str]
    volumes: list[str]
    # "start" when the migration kept the source containers, "create" when `up` makes them again.
    # `start` lists the containers of the services that run or are paused on `runs_on`.
    source_containers: str
    start: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rollback_plan(record: MigrationRecord, engines: Engines) -> RollbackPlan:
    """Return what rolling back `record` would do, reading the engines without changing them."""
    plan = record.plan
    moved = set(plan.services)
    states = [state for state in engines.target.list_containers(labels.container_filter(plan.project))
              if state.labels.get(labels.SERVICE) in moved and state.state in ACTIVE_STATES]
    stop = sorted(state.name for state in states)
    active_services = {state.labels.get(labels.SERVICE) for state in states}
    present = queries.container_names(engines.source)
    source_kept = bool(record.document.get("source_kept")) and set(plan.running_before) <= present
    # `up` makes no one-off containers again, so only kept ones start.
    start = [container.name for container in plan.moved_containers
             if container.service in active_services and (source_kept or not container.one_off)]
    return RollbackPlan(
        migration=str(record.document["id"]), project=plan.project, runs_on=plan.target, returns_to=plan.source,
        services=plan.services, stop=stop, volumes=[volume.name for volume in plan.volumes],
        source_containers="start" if source_kept else "create", start=start,
    )


def rollback_lines(preview: RollbackPlan) -> list[str]:
    """Return the rollback plan as text, one step a line."""
    action = "start the kept containers" if preview.source_containers == "start" else "create and start the containers again"
    return [
        f"roll back migration {preview.migration} of project {preview.project} from {preview.runs_on} to {preview.returns_to}",
        f"services: {', '.join(preview.services)}",
        f"stop on {preview.runs_on}: {', '.join(preview.stop) or 'nothing'}",
        f"copy volumes back to {preview.returns_to}: {', '.join(preview.volumes) or 'none'}",
        f"on {preview.returns_to}: {action}: {', '.join(preview.start) or 'none'}",
        f"then remove from {preview.runs_on}: its containers, the volumes, networks and image names the migration "
        "added, and the images it copied that nothing else uses",
    ]


__all__ = ["RollbackPlan", "rollback_lines", "rollback_plan"]
