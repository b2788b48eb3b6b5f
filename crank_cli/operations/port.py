"""`port`: the public address that a container port of a service is published on."""

from __future__ import annotations

from typing import NamedTuple

from crank_cli.errors import CrankError
from crank_cli.runtime.models import ContainerState


class PortNotFoundError(CrankError):
    """The container does not publish the port: exit code 1, as with docker compose."""


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

