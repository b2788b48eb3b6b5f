"""Engine queries that `crank migrate` needs beyond the `Backend` interface.

Each function takes a docker-compatible engine and builds its command with
`engine.command(...)`, so it goes through the same process runner as every other engine
command. Where Docker and Podman differ, the difference is handled here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crank_cli.errors import EngineError
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import parse_json

UNPRIVILEGED_PORT_START = Path("/proc/sys/net/ipv4/ip_unprivileged_port_start")


def inspect_containers(engine: DockerCompatibleEngine, names: Sequence[str]) -> list[dict[str, Any]]:
    """Return the raw `container inspect` records of the containers named."""
    if not names:
        return []
    argv = ["container", "inspect", *names]
    return list(parse_json(argv, engine.run(*argv)))


def image_size(engine: DockerCompatibleEngine, image: str) -> int:
    """Return an image's size in bytes as the engine reports it."""
    output = engine.run("image", "inspect", "--format", "{{.Size}}", image)
    return int(output.strip() or 0)


def tag_image(engine: DockerCompatibleEngine, image: str, reference: str) -> None:
    engine.run("tag", image, reference)


def remove_image(engine: DockerCompatibleEngine, image: str) -> None:
    """Remove an image and its tags; an image that a container still uses stays."""
    engine.run("image", "rm", "--force", image)


def volume_labels(engine: DockerCompatibleEngine, name: str) -> dict[str, str] | None:
    """Return a volume's labels, or None when the engine has no volume of that name."""
    argv = ["volume", "inspect", name]
    try:
        output = engine.run(*argv)
    except EngineError:
        return None
    records = parse_json(argv, output)
    return dict((records[0] if records else {}).get("Labels") or {})


def container_names(engine: DockerCompatibleEngine) -> set[str]:
    """Return the names of every container on the engine, running or not."""
    return set(engine.run("ps", "--all", "--format", "{{.Names}}").split())


def is_rootless(engine: DockerCompatibleEngine) -> bool:
    """Tell whether the engine runs containers without root on the host."""
    document = parse_json(["info"], engine.run("info", "--format", "json"))
    podman_security = (document.get("host") or {}).get("security") or {}
    if "rootless" in podman_security:
        return bool(podman_security["rootless"])
    return any("rootless" in option for option in document.get("SecurityOptions") or ())


def unprivileged_port_start() -> int | None:
    """Return the lowest port a user without privileges may bind on this machine, if readable."""
    try:
        return int(UNPRIVILEGED_PORT_START.read_text().strip())
    except (OSError, ValueError):
        return None
