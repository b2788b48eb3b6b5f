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


# Phrases of the engines' errors when they reject the removal of an image that something still
# uses. Docker 20.10 starts each such message with "conflict:" (a container uses the image, it
# has child images, or other names point at it). Podman 4.3 writes "image is in use by a
# container", and its image library writes "image has dependent children" for a parent image.
IMAGE_IN_USE = ("image is in use", "image has dependent children", "conflict")


def remove_image_name(engine: DockerCompatibleEngine, reference: str) -> str | None:
    """Remove one name of an image without `--force`, and return the engine's message when it keeps the image.

    The image itself goes with its last name, unless a container or a child image uses it:
    then the engine keeps both the image and the name, and this returns its message.
    """
    try:
        engine.run("image", "rm", reference)
    except EngineError as error:
        if any(phrase in error.stderr.lower() for phrase in IMAGE_IN_USE):
            return error.stderr
        raise
    return None


def remove_untagged_image(engine: DockerCompatibleEngine, image_id: str) -> str | None:
    """Remove an image that has no name, by ID and without `--force`, and return the reason when it stays.

    An image that still has a name stays, because Podman 4.3 removes an image by ID together
    with its only name. An image that is already gone counts as removed.
    """
    details = engine.inspect_images([image_id])
    if not details:
        return None
    if details[0].repo_tags:
        return f"it is still named {', '.join(details[0].repo_tags)}"
    # NOTE: on Podman, a name given to the image between the inspect and this removal goes with it.
    return remove_image_name(engine, image_id)


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
