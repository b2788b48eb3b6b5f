"""The Docker engine adapter."""

from __future__ import annotations

from typing import Any

from crank_cli.runtime.compatible import DockerCompatibleEngine


class DockerEngine(DockerCompatibleEngine):
    """Docker through its `docker` client.

    A client that prints its own version is not enough: the engine counts as usable only
    when the daemon responds too, which `docker version` shows in its `Server` part.
    """

    name = "docker"
    binary = "docker"
    host_variable = "DOCKER_HOST"

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        return server.get("Version")
