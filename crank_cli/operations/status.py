"""`status`: one row per container of a project, or of every project, on each engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crank_cli.operations import labels
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState, EngineInfo

# The keys of a status row in `--format json`, in order.
FIELDS = ("project", "service", "container", "runtime", "host", "state", "health", "ports", "image")


@dataclass(frozen=True)
class StatusRow:
    project: str
    service: str
    container: str
    runtime: str
    host: str
    state: str
    health: str | None
    ports: tuple[str, ...]
    image: str

    def as_dict(self) -> dict[str, object]:
        row = {key: getattr(self, key) for key in FIELDS}
        row["ports"] = list(self.ports)
        return row


def status(engines: Sequence[tuple[Backend, EngineInfo]], project: str | None) -> list[StatusRow]:
    """List the containers of `project` on every engine given, or of every crank project."""
    label_filter = labels.project_filter(project) if project else labels.any_project_filter()

    def rows_on(engine: tuple[Backend, EngineInfo]) -> list[StatusRow]:
        backend, info = engine
        return [_row(state, info) for state in backend.list_containers(label_filter)]

    rows = [row for engine_rows in run_all(rows_on, engines, limit=4) for row in engine_rows]
    return sorted(rows, key=lambda row: (row.project, row.service, row.container, row.runtime))


def _row(state: ContainerState, info: EngineInfo) -> StatusRow:
    return StatusRow(
        project=state.labels.get(labels.PROJECT, ""),
        service=state.labels.get(labels.SERVICE, ""),
        container=state.name,
        runtime=info.name,
        host=info.host or "",
        state=state.state,
        health=state.health,
        ports=state.ports,
        image=state.image,
    )
