"""`crank commit`: make an image from a service container's changes."""

from __future__ import annotations

from typing import Annotated, Optional

import click
import typer
import typer.core

from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, progress

# The values that docker compose (v2.40.3) takes in `--pause=VALUE`, as Go's strconv.ParseBool reads them.
TRUE_WORDS = frozenset({"1", "t", "T", "true", "TRUE", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "false", "FALSE", "False"})


class CommitCommand(typer.core.TyperCommand):
    """The command of `crank commit`, which also reads docker compose's `--pause=false` and `-p=false`.

    click's flags take no value, so such a word becomes `--pause` or `--no-pause` before parsing.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        return super().parse_args(ctx, [*map(_pause_flag, args[:end]), *args[end:]])


def _pause_flag(word: str) -> str:
    name, equals, value = word.partition("=")
    if not equals or name not in ("--pause", "-p"):
        return word
    if value in TRUE_WORDS:
        return "--pause"
    if value in FALSE_WORDS:
        return "--no-pause"
    raise click.BadOptionUsage(name, f"invalid {name} value {value!r}: use true or false")


def register(app: typer.Typer) -> None:
    app.command("commit", cls=CommitCommand)(commit)


def commit(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="Service whose container to make the image from.")],
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
