"""`crank scale`: set how many containers services run, as `up -d --scale` does for those services."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli.context import DRY_RUN_HELP


def register(app: typer.Typer) -> None:
    app.command("scale")(scale)


def scale(
    ctx: typer.Context,
    counts: Annotated[list[str], typer.Argument(metavar="SERVICE=N...", help="Services and how many containers each runs; N may be 0.", show_default=False)],
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Do not start the services' dependencies.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Create or remove containers until each service named runs N of them, then start them.

    As with docker compose scale, this is an up -d of those services with the new counts:
    their dependencies start too, and a container whose definition changed is recreated.
    """
    from crank_cli.cli.actions.up import run

    replicas = parse_counts(counts)
    run(ctx, services=list(replicas), detach=True, wait=False, wait_timeout=None, build=False, no_build=False,
        pull=None, force_recreate=False, no_recreate=False, no_deps=no_deps, no_start=False, remove_orphans=False,
        scale=[f"{service}={count}" for service, count in replicas.items()], timeout=None, parallel=None,
        abort_on_container_exit=False, exit_code_from=None, dry_run=dry_run, strict=False)


def parse_counts(words: list[str]) -> dict[str, int]:
    """Read SERVICE=N words into counts by service; a service named twice takes its last count."""
    from crank_cli.errors import UsageError

    counts: dict[str, int] = {}
    for word in words:
        service, equals, count = word.partition("=")
        if not equals or not service or not count.isdigit():
            raise UsageError(f"invalid scale value {word!r}: expected SERVICE=N with N a whole number, such as web=3")
        counts[service] = int(count)
    return counts
