"""`crank down`: stop and remove what `up` created."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP, run_action


def register(app: typer.Typer) -> None:
    app.command("down")(down)


def down(
    ctx: typer.Context,
    volumes: Annotated[bool, typer.Option("--volumes", "-v", help="Also remove the project's named volumes and their data.")] = False,
    timeout: Annotated[Optional[int], typer.Option("--timeout", "-t", min=0, help="Seconds to wait for each container to stop before killing it; default: the engine's (10).")] = None,  # noqa: UP045
    rmi: Annotated[Optional[str], typer.Option("--rmi", metavar="all|local", help="Also remove images: all the services use, or local: only those built without an image name.")] = None,  # noqa: UP045
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="Also remove containers of services no longer in the compose files.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Remove a project that docker compose or podman-compose started.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Stop containers in reverse dependency order, then remove them and the networks.

    With -v the named volumes go too, and their data with them.
    """
    run_action("down", locals())
