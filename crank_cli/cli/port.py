"""`crank port`: print the public address that a service's container port is published on."""

from __future__ import annotations

import enum
from typing import Annotated

import typer

from crank_cli.cli.absent import reject_if_absent
from crank_cli.cli.context import load_project_or_containers


class Protocol(str, enum.Enum):
    """The protocols a port is published for."""

    tcp = "tcp"
    udp = "udp"


def register(app: typer.Typer) -> None:
    app.command("port")(port)


def port(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service whose container publishes the port.")],
    private_port: Annotated[int, typer.Argument(metavar="PRIVATE_PORT", min=1, max=65535, help="Port inside the container, 1 to 65535.")],
    protocol: Annotated[Protocol, typer.Option("--protocol", case_sensitive=False, help="Protocol of the port.")] = Protocol.tcp,
    index: Annotated[int, typer.Option("--index", min=0, help="Which replica of the service, from 1; 0 takes the lowest number running.")] = 0,
) -> None:
    """Print the public address, such as 0.0.0.0:32768, that a container port is published on.

    Exits with code 1 when the service has no running container or does not publish the port.
    """
    from crank_cli import render
    from crank_cli.operations import labels
    from crank_cli.operations.port import chosen_container, published_address
    from crank_cli.operations.up import require_services

    project, engine = load_project_or_containers(ctx, (service,), verb="port")
    require_services(project, [service])
    states = engine.backend.list_containers(labels.service_filter(project.name, service))
    if not states:
        reject_if_absent(ctx, project.name, engine, "port")
    container = chosen_container(states, service, index or None)
    render.print_lines([published_address(container, private_port, protocol.value)])
