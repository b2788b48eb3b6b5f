"""The containerd adapter, through nerdctl, containerd's docker-compatible client."""

from __future__ import annotations

from typing import Any

from crank_cli.runtime.compatible import DockerCompatibleEngine


class ContainerdEngine(DockerCompatibleEngine):
    """containerd driven by `nerdctl`; usable only when containerd responds to it.

    NOTE: no nerdctl was available to test this adapter. nerdctl's documentation lists no
    `--network-alias`, `network connect` or `--expose`, and its healthchecks need systemd
    timers; `crank config --check` reports those keys as unsupported on containerd.
    """

    name = "containerd"
    binary = "nerdctl"
    host_variable = "CONTAINERD_ADDRESS"

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        for component in server.get("Components") or ():
            if component.get("Name") == "containerd":
                return component.get("Version")
        return None
