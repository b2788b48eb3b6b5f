"""The Docker engine adapter."""

from __future__ import annotations

from typing import Any

from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import version_numbers
from crank_cli.runtime.models import EngineInfo


class DockerEngine(DockerCompatibleEngine):
    """Docker through its `docker` client.

    A client that prints its own version is not enough: the engine counts as usable only
    when the daemon responds too, which `docker version` shows in its `Server` part.
    """

    name = "docker"
    binary = "docker"
    host_variable = "DOCKER_HOST"
    engine_version: str | None = None

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        return server.get("Version")

    def probe(self) -> EngineInfo:
        info = super().probe()
        self.engine_version = info.version
        return info

    def start_interval_flags(self, seconds: float) -> list[str]:
        # Docker Engine 25.0 (API 1.44) added --health-start-interval; older engines reject it.
        if version_numbers(self.engine_version or "") < (25,):
            return []
        return ["--health-start-interval", f"{seconds:g}s"]

