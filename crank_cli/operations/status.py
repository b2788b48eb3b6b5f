"""`status` and `ls`: what runs where, for one project or for every project on each engine.

Containers are found by crank's labels and by those docker compose and podman-compose put on
theirs, so projects other tools started show up too, marked with the tool's name.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from crank_cli.operations import labels
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState, EngineInfo

# The keys of a status row in `--format json`, in order.
FIELDS = ("project", "service", "container", "runtime", "host", "state", "health", "ports", "image")
CRANK = "crank"


class StatusRow(NamedTuple):
    project: str
    service: str
    container: str
    runtime: str
    host: str
    state: str
    health: str | None
    ports: tuple[str, ...]
    image: str
    tool: str = CRANK
    config_files: str = ""
    # The engine's full container ID, which `ps -q` prints; not part of the JSON schema.
    container_id: str = ""

    def as_dict(self) -> dict[str, object]:
        row = {key: getattr(self, key) for key in FIELDS}
        row["ports"] = list(self.ports)
        return row


class ProjectRow(NamedTuple):
    """One project on one engine, for `crank ls`."""

    name: str
    runtime: str
    host: str
    tool: str
    status: str
    containers: int
    config_files: str

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


def status(engines: Sequence[tuple[Backend, EngineInfo]], project: str | None) -> list[StatusRow]:
    """List the containers of `project`, or of every project, on every engine given.

    For one project, other tools' labels are searched only where crank's find nothing, which
    saves two engine calls in the usual case.
    """
    crank_query = [(CRANK, labels.PROJECT, labels.SERVICE)]
    foreign = [(tool, label, labels.FOREIGN_SERVICE_LABELS[label]) for label, tool in labels.FOREIGN_PROJECT_LABELS.items()]
    if project is None:
        return _collect(engines, project, crank_query + foreign)
    return _collect(engines, project, crank_query) or _collect(engines, project, foreign)


def _collect(engines: Sequence[tuple[Backend, EngineInfo]], project: str | None,
             queries: list[tuple[str, str, str]]) -> list[StatusRow]:
    tasks = [(engine, query) for engine in engines for query in queries]

    def rows_for(task: tuple[tuple[Backend, EngineInfo], tuple[str, str, str]]) -> list[StatusRow]:
        (backend, info), (tool, project_label, service_label) = task
        query: dict[str, str | None] = {project_label: project}
        if tool == CRANK:
            # The service label leaves out containers that only inherit crank's project label
            # from an image crank built.
            query[service_label] = None
        states = backend.list_containers(query)
        return [_row(state, info, tool, project_label, service_label) for state in states
                if tool == CRANK or _started_by(state) == tool]

    rows = [row for found in run_all(rows_for, tasks, limit=8) for row in found]
    return sorted(rows, key=lambda row: (row.project, row.service, row.container, row.runtime))


def _started_by(state: ContainerState) -> str:
    """Return the tool that made a container: podman-compose's carry docker compose's label too."""
    if labels.PROJECT in state.labels:
        return CRANK
    return labels.foreign_tool([state]) or CRANK


def select(rows: Sequence[StatusRow], *, states: Collection[str] | None,
           services: Collection[str]) -> list[StatusRow]:
    """Return the rows whose state is in `states` and whose service is in `services`.

    None for `states` keeps every state, and an empty `services` keeps every service.
    """
    return [row for row in rows
            if (states is None or row.state in states) and (not services or row.service in services)]


def projects(rows: Sequence[StatusRow]) -> list[ProjectRow]:
    """Group status rows into one row per project and engine, with a count per state."""
    grouped: dict[tuple[str, str, str], list[StatusRow]] = {}
    for row in rows:
        grouped.setdefault((row.project, row.runtime, row.tool), []).append(row)
    summary = []
    for (name, runtime, tool), members in sorted(grouped.items()):
        counts: dict[str, int] = {}
        for member in members:
            counts[member.state] = counts.get(member.state, 0) + 1
        states = ", ".join(f"{state}({count})" for state, count in sorted(counts.items()))
        summary.append(ProjectRow(name, runtime, members[0].host, tool, states, len(members), members[0].config_files))
    return summary


# States whose health and ports a status row shows: the container's processes exist.
_WITH_PROCESSES = frozenset({"running", "paused"})


def _row(state: ContainerState, info: EngineInfo, tool: str, project_label: str, service_label: str) -> StatusRow:
    return StatusRow(
        project=state.labels.get(project_label, ""),
        service=state.labels.get(service_label, ""),
        container=state.name,
        runtime=info.name,
        host=info.host or "",
        state=state.state,
        # Engines keep the last health and port records of a stopped container, and they
        # disagree about them (Docker reports no ports, Podman the old ones), so a row shows
        # both only for a running or paused container. A paused one keeps its ports.
        health=state.health if state.state in _WITH_PROCESSES else None,
        ports=state.ports if state.state in _WITH_PROCESSES else (),
        image=state.labels.get(labels.IMAGE) or state.image,
        tool=tool,
        config_files=state.labels.get(labels.CONFIG_FILES) or state.labels.get("com.docker.compose.project.config_files", ""),
        container_id=state.id,
    )
