"""`crank commit`: make an image from a service container's changes."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, progress
from crank_cli.cli.switch_values import with_switch_values

# docker compose's `--pause=false` and `-p=false` turn pausing off.
_PAUSE = ("--pause", "--no-pause")


def register(app: typer.Typer) -> None:
    app.command("commit", cls=with_switch_values({"--pause": _PAUSE, "-p": _PAUSE}))(commit)


def commit(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(autocompletion=complete.services, help="Service whose container to make the image from.")],
    reference: Annotated[Optional[str], typer.Argument(metavar="[REPOSITORY[:TAG]]", help="Name of the new image; default: none.", show_default=False)] = None,  # noqa: UP045
    author: Annotated[Optional[str], typer.Option("--author", "-a", help="Author of the image, such as \"Jane Doe <jane@example.com>\".")] = None,  # noqa: UP045
    changes: Annotated[Optional[list[str]], typer.Option("--change", "-c", metavar="INSTRUCTION", help="Dockerfile instruction to apply to the image, such as 'ENV A=1'; repeatable.")] = None,  # noqa: UP045
    message: Annotated[Optional[str], typer.Option("--message", "-m", help="Commit message.")] = None,  # noqa: UP045
    pause: Annotated[bool, typer.Option("--pause/--no-pause", "-p", help="Pause the container while the image is made; --no-pause, or docker compose's --pause=false, lets it run.")] = True,
    index: Annotated[int, typer.Option("--index", min=0, help="Which replica of the service, from 1; 0 takes the lowest number running.")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Create an image from a running service container's changes.

    The container is the one with the lowest number unless --index picks one; paused and
    restarting containers count as running. The progress shows the new image's ID. Exits
    with code 1 when the service has no running container.
    """
    from crank_cli.cli.service_container import running_service_container
    from crank_cli.operations.commit import commit as run_commit
    from crank_cli.runtime.models import CommitOptions

    options = CommitOptions(reference or None, author, message, tuple(changes or ()), pause)
    dry = is_dry_run(ctx, dry_run)
    _, engine, container = running_service_container(ctx, service, index or None, verb="commit", dry_run=dry)
    with progress(ctx, dry_run=dry) as events:
        run_commit(engine.backend, container, options, events, dry_run=dry)
