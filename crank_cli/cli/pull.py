"""`crank pull`: pull the images of the project's services."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import load_project, progress, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("pull")(pull)


def pull(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services whose images to pull; default: all.")] = None,  # noqa: UP045
    ignore_buildable: Annotated[bool, typer.Option("--ignore-buildable", help="Skip services that have a build section.")] = False,
    ignore_pull_failures: Annotated[bool, typer.Option("--ignore-pull-failures", help="Pull what can be pulled: report each image that fails as a warning and exit 0.")] = False,
    include_deps: Annotated[bool, typer.Option("--include-deps", help="Also pull the images of the services that those named depend on.")] = False,
    policy: Annotated[Optional[str], typer.Option("--policy", metavar="missing|always", help="Pull only the images the engine lacks (an image tagged latest is pulled anyway), or always; default: each service's pull_policy.")] = None,  # noqa: UP045
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Pull without printing progress; a failure still names the image and the engine's reason.")] = False,
) -> None:
    """Pull the images of the services from their registries."""
    from crank_cli import render
    from crank_cli.operations.events import NoEvents
    from crank_cli.operations.pull import PullChoices, check_policy, pull_images, pull_plan
    from crank_cli.operations.transfers import show_skipped

    names = tuple(services or ())
    choices = PullChoices(names, include_deps, ignore_buildable, check_policy(policy))
    project = load_project(ctx, names)
    engine = resolve_engine(ctx, project=project.name)
    plan = pull_plan(project, choices, lambda reference: engine.backend.image_id(reference) is not None)
    with progress(ctx) as shown:
        events = NoEvents() if quiet else shown
        show_skipped(events, plan.skipped)
        failures = pull_images(engine.backend, plan.targets, events, quiet=quiet, ignore_failures=ignore_pull_failures)
    # Reported once the progress display has closed, as docker compose reports them at the end.
    for failure in failures:
        render.warn(failure.message)
