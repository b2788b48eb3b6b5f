"""Container engines: the Backend interface, one adapter per engine, and the registry."""

from __future__ import annotations

from crank_cli.runtime.backend import Backend
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.nerdctl import ContainerdEngine
from crank_cli.runtime.podman import PodmanEngine

# The order `auto` tries engines in, and the order of every engine list crank prints.
ENGINES: dict[str, type[Backend]] = {
    "docker": DockerEngine,
    "podman": PodmanEngine,
    "containerd": ContainerdEngine,
}

__all__ = ["ENGINES", "Backend"]
