"""`crank status` (also `crank ps`): the state of each container, with its engine and host."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli.context import OutputFormat, run_action


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("ps", help="Same as status.")(status)


def status(
    ctx: typer.Context,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
    runtimes: Annotated[bool, typer.Option("--runtimes", help="List the engines instead, as crank doctor does.")] = False,
    all_projects: Annotated[bool, typer.Option("--all", "-a", help="Show every project, not only the one in this folder.")] = False,
) -> None:
    """Show one row per container: service, name, runtime, host, state, health, ports, image.

    With no compose file in reach, or with --all, every project is shown, including those
    docker compose or podman-compose started. With runtime auto, every engine that responds
    is searched.
    """
    run_action("status", locals())
