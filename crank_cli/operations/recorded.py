"""A project read back from its containers' labels, for verbs run without a compose file.

With only `-p NAME` (or COMPOSE_PROJECT_NAME), `logs`, `stop`, `start`, `restart` and `exec`
act on the containers that carry the project's labels, as docker compose does. The project
they get has one service per service label, with the `depends_on` and the healthcheck interval
that the containers record. So the dependency order, the `depends_on` conditions and the pace
at which crank runs healthchecks where the engine does not (Podman without systemd) are those
of the compose file that made the containers, except for containers from crank versions that
did not record them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crank_cli.errors import UsageError
from crank_cli.operations import labels
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project


def recorded_project(name: str, states: Sequence[ContainerState]) -> Project:
    """Return the project `name` as its containers' labels record it.

    The model has only `services`, each with its `depends_on` and, when its containers record
    one, a `healthcheck` with only the `interval`. `files` is empty. So the project suits the
    verbs that act on existing containers, not `up` or `config`. A service
    without the interval label, from an older crank or with no interval set, has its checks
    run at the default interval of 30 s while `start` waits on an engine that does not run them.
    """
    from crank_cli.compose import Project

    directories = [state.labels[labels.WORKING_DIR] for state in states if state.labels.get(labels.WORKING_DIR)]
    working_dir = Path(directories[0]) if directories else Path.cwd()
    model = {"name": name, "services": labels.recorded_services(states)}
    return Project(name=name, working_dir=working_dir, files=(), model=model)


def require_recorded_services(project: Project, names: Sequence[str], engine: str) -> None:
    """Raise `UsageError` for a name that no container of the recorded project has as its service."""
    unknown = [name for name in names if name not in project.model["services"]]
    if not unknown:
        return
    known = sorted(project.model["services"])
    if known:
        found = f"project {project.name} has containers of {', '.join(known)} on {engine}"
        hint = "without a compose file, only these services can be named"
    else:
        found = f"project {project.name} has no containers on {engine}"
        hint = "check the project name, or run crank in the project's folder"
    raise UsageError(f"no such service: {', '.join(unknown)} ({found}; {hint})")
