"""The labels crank puts on everything it creates, and the filters that find them again.

crank keeps no state file: a project's containers, networks and volumes are found by these
labels with one list call, from any crank process on any machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from crank_cli import __version__
from crank_cli.durations import parse_duration
from crank_cli.errors import InvalidProjectError
from crank_cli.operations.graph import start_levels

if TYPE_CHECKING:
    from crank_cli.runtime.models import ContainerState

# The start of every label crank sets; `run -l` may not set one.
CRANK_PREFIX = "io.crank."
PROJECT = "io.crank.project"
SERVICE = "io.crank.service"
REPLICA = "io.crank.replica"
CONFIG_HASH = "io.crank.config-hash"
VERSION = "io.crank.version"
WORKING_DIR = "io.crank.working-dir"
CONFIG_FILES = "io.crank.config-files"
# The image reference the service names, which Docker's container list stops showing once
# the tag moves to another image.
IMAGE = "io.crank.image"
ONE_OFF = "io.crank.oneoff"
# The service's `depends_on`, so that verbs without the compose file keep the dependency order.
# Entries are comma-separated, each SERVICE:CONDITION:RESTART:REQUIRED, such as
# `db:service_healthy:true:true`. This is docker compose's `com.docker.compose.depends_on` form
# (v2.40.3) with REQUIRED added. A service without dependencies gets an empty value, and
# containers that older crank versions made have no such label.
DEPENDS_ON = "io.crank.depends-on"
# The service's healthcheck interval as a compose duration, such as `1m30s`. Where the engine
# runs no healthchecks (Podman without systemd), crank runs them while `start` waits, and
# without the compose file this label gives their interval. Only services whose healthcheck
# sets an interval get the label.
HEALTHCHECK_INTERVAL = "io.crank.healthcheck-interval"
NETWORK = "io.crank.network"
VOLUME = "io.crank.volume"

# Labels by which other tools mark the projects they start, mapped to the tool's name.
# podman-compose sets docker compose's project label as well as its own, so its label comes
# first: a container found by it is podman-compose's, whatever else it carries.
FOREIGN_PROJECT_LABELS = {
    "io.podman.compose.project": "podman-compose",
    "com.docker.compose.project": "docker compose",
}
# docker compose's project label, which podman-compose sets on its containers too.
COMPOSE_PROJECT = "com.docker.compose.project"
FOREIGN_SERVICE_LABELS = {
    "com.docker.compose.project": "com.docker.compose.service",
    "io.podman.compose.project": "com.docker.compose.service",
}


def project_filter(project: str) -> dict[str, str | None]:
    """Return the labels that select a project's networks and volumes."""
    return {PROJECT: project}


def container_filter(project: str) -> dict[str, str | None]:
    """Return the labels that select a project's containers.

    An image crank builds carries the project label, and a container inherits its image's
    labels, so a container that `docker run` started from such an image has the project
    label too. Only the containers crank creates also have a service label.
    """
    return {PROJECT: project, SERVICE: None}


def foreign_tool(states: Iterable[ContainerState]) -> str | None:
    """Return the other tool that started these containers of one project, by their labels, or None."""
    tools = {tool for state in states for label, tool in FOREIGN_PROJECT_LABELS.items() if label in state.labels}
    return next((tool for tool in FOREIGN_PROJECT_LABELS.values() if tool in tools), None)


def is_one_off(state: ContainerState) -> bool:
    """Return whether `crank run SERVICE` made the container, rather than `up`."""
    return state.labels.get(ONE_OFF) == "True"


def log_name(container: str, project: str, services: Iterable[str]) -> str:
    """Return the name that prefixes a container's log lines, as docker compose shows it.

    A container with the default name `PROJECT-SERVICE-N` is shown as `SERVICE-N`; one with
    a `container_name` or a one-off's name is shown whole.
    """
    head = f"{project}-"
    if container.startswith(head):
        service, _, number = container[len(head):].rpartition("-")
        if number.isdigit() and service in services:
            return container[len(head):]
    return container


def state_log_name(state: ContainerState) -> str:
    """Return `log_name` of a container from its own labels."""
    return log_name(state.name, state.labels.get(PROJECT, ""), [state.service])


def service_filter(project: str, service: str) -> dict[str, str | None]:
    return {PROJECT: project, SERVICE: service}


def resource_labels(project: str, **extra: str) -> dict[str, str]:
    """Return the labels of a network or volume that belongs to a project."""
    return {PROJECT: project, VERSION: __version__, **extra}


def depends_on_value(depends_on: Mapping[str, Mapping[str, Any] | None] | None) -> str:
    """Return the `DEPENDS_ON` label value of a service's canonical `depends_on`."""
    entries = []
    for service, options in (depends_on or {}).items():
        options = options or {}
        condition = options.get("condition") or "service_started"
        restart = "true" if options.get("restart") else "false"
        required = "true" if options.get("required", True) else "false"
        entries.append(f"{service}:{condition}:{restart}:{required}")
    return ",".join(entries)


def parse_depends_on(value: str) -> dict[str, dict[str, Any]]:
    """Read a `DEPENDS_ON` label value back into the canonical `depends_on` form.

    A missing field takes the compose default, so docker compose's three-field form reads too.
    """
    depends_on: dict[str, dict[str, Any]] = {}
    for entry in value.split(","):
        fields = entry.strip().split(":")
        if not fields[0]:
            continue
        condition = fields[1] if len(fields) > 1 and fields[1] else "service_started"
        restart = len(fields) > 2 and fields[2] == "true"
        required = len(fields) <= 3 or fields[3] != "false"
        depends_on[fields[0]] = {"condition": condition, "restart": restart, "required": required}
    return depends_on


def healthcheck_interval_value(healthcheck: Mapping[str, Any] | None) -> str | None:
    """Return the `HEALTHCHECK_INTERVAL` label value of a service's canonical `healthcheck`.

    Returns None when the healthcheck is missing or disabled, or sets no interval.
    """
    if not healthcheck or healthcheck.get("disable") or healthcheck.get("interval") is None:
        return None
    return str(healthcheck["interval"])


def recorded_services(states: Iterable[ContainerState]) -> dict[str, dict[str, Any]]:
    """Return the services of these containers with what their labels record.

    The result has the shape of the canonical model's `services`, with `depends_on` in each
    service and, where a container records it, a `healthcheck` that holds only the `interval`.
    So the dependency graph functions and the waits take it as they take a loaded project. A
    service whose containers lack the `DEPENDS_ON` label gets no dependencies: its order
    relative to the other services is then unknown. When the labels record a dependency cycle,
    which containers made from different versions of the compose file can do, every service
    gets no dependencies, so that the verbs act on all of them together instead of failing.
    """
    services: dict[str, dict[str, Any]] = {}
    for state in states:
        service = services.setdefault(state.service, {"depends_on": {}})
        recorded = state.labels.get(DEPENDS_ON)
        if recorded:
            for dependency, options in parse_depends_on(recorded).items():
                service["depends_on"].setdefault(dependency, options)
        interval = state.labels.get(HEALTHCHECK_INTERVAL)
        if "healthcheck" not in service and interval and _is_duration(interval):
            service["healthcheck"] = {"interval": interval}
    try:
        start_levels(services)
    except InvalidProjectError:
        return {name: {**service, "depends_on": {}} for name, service in services.items()}
    return services


def _is_duration(value: str) -> bool:
    # A label that another tool or a person set may hold anything; such a value is ignored.
    try:
        parse_duration(value, HEALTHCHECK_INTERVAL)
    except InvalidProjectError:
        return False
    return True
