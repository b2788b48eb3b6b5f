"""`port`: the public address that a container port of a service is published on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from crank_cli.errors import CrankError
from crank_cli.operations import labels
from crank_cli.runtime.models import ContainerState


# The states of the containers `port` reads: those that Docker's container list shows without
# `--all`, which docker compose port (v2.40.3) reads.
LISTED_STATES = frozenset({"running", "paused", "restarting"})


class PortNotFoundError(CrankError):
    """The service has no running container, or its container does not publish the port: exit code 1, as with docker compose."""


class Publication(NamedTuple):
    """One published port, read from a `host_ip:host_port->target/protocol` mapping."""

    host_ip: str
    host_port: str
    target: int
    protocol: str

    @property
    def address(self) -> str:
        """Return `host_ip:host_port`, as `docker compose port` prints it."""
        return f"{self.host_ip}:{self.host_port}"


def parse_mapping(mapping: str) -> Publication:
    """Split a mapping such as `0.0.0.0:8080->80/tcp`; an IPv6 host address keeps its colons."""
    public, _, private = mapping.partition("->")
    host_ip, _, host_port = public.rpartition(":")
    target, _, protocol = private.partition("/")
    return Publication(host_ip, host_port, int(target), protocol or "tcp")


def chosen_container(states: Sequence[ContainerState], service: str, index: int | None) -> ContainerState:
    """Return the running container of `service` that `port` reads; paused and restarting ones count as running.

    With `index`, the replica of that number. Else the lowest replica number, and a one-off
    container of `crank run` only when no replica runs.
    """
    running = [state for state in states if state.state in LISTED_STATES]
    if index is not None:
        running = [state for state in running if state.replica == index and not _one_off(state)]
    if not running:
        number = "" if index is None else f" number {index}"
        raise PortNotFoundError(f"service {service} has no running container{number}: start it with crank up")
    return min(running, key=lambda state: (_one_off(state), state.replica, state.name))


def published_address(state: ContainerState, port: int, protocol: str) -> str:
    """Return the `host_ip:host_port` that the container's `port`/`protocol` is published on.

    The engine lists a port published on both IPv4 and IPv6 twice; the first is taken, as
    docker compose (v2.40.3) takes it.
    """
    publications = [parse_mapping(mapping) for mapping in state.ports]
    for publication in publications:
        if publication.target == port and publication.protocol == protocol:
            return publication.address
    published = ", ".join(dict.fromkeys(f"{item.target}/{item.protocol}" for item in publications))
    present = f"it publishes {published}" if published else "it publishes no port"
    message = (f"port {port}/{protocol} of container {state.name} is not published ({present}): "
               "add it to the service's ports and run crank up")
    raise PortNotFoundError(message)


def _one_off(state: ContainerState) -> bool:
    return state.labels.get(labels.ONE_OFF) == "True"
