"""The labels crank puts on everything it creates, and the filters that find them again.

crank keeps no state file: a project's containers, networks and volumes are found by these
labels with one list call, from any crank process on any machine.
"""

from __future__ import annotations

from crank_cli import __version__

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
NETWORK = "io.crank.network"
VOLUME = "io.crank.volume"

# Labels by which other tools mark the projects they start, mapped to the tool's name.
FOREIGN_PROJECT_LABELS = {
    "com.docker.compose.project": "docker compose",
    "io.podman.compose.project": "podman-compose",
}
FOREIGN_SERVICE_LABELS = {
    "com.docker.compose.project": "com.docker.compose.service",
    "io.podman.compose.project": "com.docker.compose.service",
}


def project_filter(project: str) -> dict[str, str | None]:
    return {PROJECT: project}


def service_filter(project: str, service: str) -> dict[str, str | None]:
    return {PROJECT: project, SERVICE: service}


def resource_labels(project: str, **extra: str) -> dict[str, str]:
    """Return the labels of a network or volume that belongs to a project."""
    return {PROJECT: project, VERSION: __version__, **extra}
