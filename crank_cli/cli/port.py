"""`crank port`: print the public address that a service's container port is published on."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from crank_cli.cli import completion_values as complete


class Protocol(str, enum.Enum):
    """The protocols a port is published for."""

    tcp = "tcp"
    udp = "udp"


def register(app: typer.Typer) -> None:
    app.command("port")(port)


def port(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(autocompletion=complete.services, help="Service whose container publishes the port.")],
    private_port: Annotated[int, typer.Argument(metavar="PRIVATE_PORT", min=1, max=65535, help="Port inside the container, 1 to 65535.")],
    protocol: Annotated[Protocol, typer.Option("--protocol", case_sensitive=False, help="Protocol of the port.")] = Protocol.tcp,
    index: Annotated[int, typer.Option("--index", min=0, help="Which replica of the service, from 1; 0 takes the lowest number running.")] = 0,
) -> None:
    """Print the public address, such as 0.0.0.0:32768, that a container port is published on.

    Exits with code 1 when the service has no running container or does not publish the port.
    """
    from crank_cli import render
    from crank_cli.cli.service_container import running_service_container
    from crank_cli.operations.port import published_address

    _, _, container = running_service_container(ctx, service, index or None, verb="port")
    render.print_lines([published_address(container, private_port, protocol.value)])
