"""`crank push`: push the images of the project's services to their registries."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, load_project, progress, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("push")(push)


def push(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services whose images to push; default: all.")] = None,  # noqa: UP045
    ignore_push_failures: Annotated[bool, typer.Option("--ignore-push-failures", help="Push what can be pushed: report each image that fails as a warning and exit 0.")] = False,
    include_deps: Annotated[bool, typer.Option("--include-deps", help="Also push the images of the services that those named depend on.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Push without printing progress; a failure still names the image and the engine's reason.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Push the images the services build to their registries.

    As docker compose does, only a service with both build and image is pushed, to the name image gives
    and to each of its build.tags.
    """
    from crank_cli import render
    from crank_cli.operations.events import NoEvents
    from crank_cli.operations.push import push_images, push_plan
    from crank_cli.operations.transfers import show_skipped

    names = tuple(services or ())
    # A service named on the command line is pushed even when its profile is not enabled, as with docker compose.
    project = load_project(ctx, names)
    plan = push_plan(project, names, include_deps=include_deps)
    if not plan.targets:
        with progress(ctx, dry_run=dry_run) as shown:
            show_skipped(NoEvents() if quiet else shown, plan.skipped)
        if not quiet:
            render.info("no service has both a build section and an image; nothing to push")
        return
    engine = resolve_engine(ctx, dry_run=is_dry_run(ctx, dry_run), project=project.name)
    with progress(ctx, dry_run=dry_run) as shown:
        events = NoEvents() if quiet else shown
        show_skipped(events, plan.skipped)
        failures = push_images(engine.backend, plan.targets, events, quiet=quiet, ignore_failures=ignore_push_failures)
    # Reported once the progress display has closed, as docker compose reports them at the end.
    for failure in failures:
        render.warn(failure.message)
