"""`crank status` (also `crank ps`): the state of each container, with its engine and host."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.actions.status import STATES
from crank_cli.cli.context import run_action


def register(app: typer.Typer) -> None:
    from crank_cli.cli.switch_values import with_switch_values

    # docker compose spells --no-orphans as --orphans=false.
    command = with_switch_values({"--orphans": ("--orphans", "--no-orphans")})
    app.command("status", cls=command)(status)
    app.command("ps", cls=command, help="Same as status.")(status)


def status(
    ctx: typer.Context,
    services: Annotated[list[str] | None, typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services.", show_default=False)] = None,
    output_format: Annotated[str, typer.Option("--format", metavar="table|json|TEMPLATE", help="table for people, json for scripts, or a template such as '{{.Name}} {{.State}}' (fields: ID, Name, Project, Service, State, Health, Image, Ports, Runtime, Host).")] = "table",
    runtimes: Annotated[bool, typer.Option("--runtimes", help="List the engines instead, as crank doctor does.")] = False,
    include_stopped: Annotated[bool, typer.Option("--all", "-a", help="Show stopped containers too, not only running ones.")] = False,
    all_projects: Annotated[bool, typer.Option("--all-projects", help="Show every project on every engine, not only the one in this folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the full container IDs, one per line.")] = False,
    list_services: Annotated[bool, typer.Option("--services", help="Print only the service names, one per line.")] = False,
    states: Annotated[list[str] | None, typer.Option("--status", metavar="STATE", help=f"Show only containers in this state, one of {', '.join(STATES)}; repeatable. Implies --all.", show_default=False)] = None,
    filter_value: Annotated[str | None, typer.Option("--filter", metavar="KEY=VALUE", help="Filter containers by a property; the only key is status, which adds its value to --status. Given twice, the last one counts.", show_default=False)] = None,
    no_trunc: Annotated[bool, typer.Option("--no-trunc", help="On a terminal, show every column and whole values even when the table is wider than the terminal.")] = False,
    orphans: Annotated[bool, typer.Option("--orphans/--no-orphans", help="Show containers of services that the compose files no longer declare; --no-orphans or --orphans=false hides them.")] = True,
) -> None:
    """Show one row per running container: service, name, runtime, host, state, health, ports, image.

    As with docker compose ps, stopped containers show only with --all or --status. With no
    compose file in reach, or with --all-projects, every project is shown, including those
    docker compose or podman-compose started. With runtime auto, every engine that responds
    is searched.
    """
    run_action("status", locals())
