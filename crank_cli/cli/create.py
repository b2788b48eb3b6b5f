"""`crank create`: create the project's containers without starting them, as `up --no-start` does."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP


def register(app: typer.Typer) -> None:
    app.command("create")(create)


def create(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to create, with their dependencies; default: all.")] = None,  # noqa: UP045
    build: Annotated[bool, typer.Option("--build", help="Build images before creating containers, even when they exist.")] = False,
    no_build: Annotated[bool, typer.Option("--no-build", help="Never build; fail if a built image is missing.")] = False,
    pull: Annotated[Optional[str], typer.Option("--pull", autocompletion=complete.pull_policies, metavar="always|missing|never", help="Pull images: always, when missing, or never; default: each service's pull_policy.")] = None,  # noqa: UP045
    quiet_pull: Annotated[bool, typer.Option("--quiet-pull", help="Accepted for docker compose's users; crank shows a pull's output as --progress selects.")] = False,
    force_recreate: Annotated[bool, typer.Option("--force-recreate", help="Recreate containers even when their definition is unchanged.")] = False,
    no_recreate: Annotated[bool, typer.Option("--no-recreate", help="Keep existing containers even when their definition changed.")] = False,
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="Remove containers of services no longer in the compose files.")] = False,
    scale: Annotated[Optional[list[str]], typer.Option("--scale", metavar="SERVICE=N", help="Create N containers of SERVICE, overriding scale and deploy.replicas; repeatable.")] = None,  # noqa: UP045
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Accepted for docker compose's users; crank asks no questions.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Create networks, volumes, missing images and containers, and start nothing.

    Containers that already exist stay as they are, running or not, unless their definition
    changed: then they are recreated, as with up.
    """
    from crank_cli.cli.actions.up import run

    run(ctx, services=services, detach=True, wait=False, wait_timeout=None, build=build, no_build=no_build,
        pull=pull, force_recreate=force_recreate, no_recreate=no_recreate, no_deps=False, no_start=True,
        remove_orphans=remove_orphans, scale=scale, timeout=None, parallel=None, abort_on_container_exit=False,
        exit_code_from=None, dry_run=dry_run, strict=False)
