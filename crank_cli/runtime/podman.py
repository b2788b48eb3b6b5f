"""The Podman adapter."""

from __future__ import annotations

from typing import Any

from crank_cli.runtime.compatible import DockerCompatibleEngine


class PodmanEngine(DockerCompatibleEngine):
    """Podman through its `podman` client.

    Podman has no daemon: a local client that responds is a usable engine. A remote client
    (`CONTAINER_HOST` set) reports the service's version in its `Server` part.
    """

    name = "podman"
    binary = "podman"
    host_variable = "CONTAINER_HOST"

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        client = document.get("Client") or {}
        return server.get("Version") or client.get("Version")
