"""`crank pull`: pull the images of the project's services."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import load_project, progress, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("pull")(pull)


def pull(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(help="Services whose images to pull; default: all.")] = None,  # noqa: UP045
    ignore_buildable: Annotated[bool, typer.Option("--ignore-buildable", help="Skip services that have a build section.")] = False,
) -> None:
    """Pull the images of the services from their registries."""
    from crank_cli.operations import specs
    from crank_cli.operations.up import require_services

    project = load_project(ctx, tuple(services or ()))
    names = list(services or project.model["services"])
    require_services(project, names)
    engine = resolve_engine(ctx)
    definitions = project.model["services"]
    chosen = [name for name in names if not (ignore_buildable and definitions[name].get("build"))]
    references = sorted({specs.image_name(project, name) for name in chosen if definitions[name].get("image")})
    with progress(ctx) as events:
        for reference in references:
            events.emit(f"image {reference}", "pulling")
            engine.backend.pull_image(reference)
            events.emit(f"image {reference}", "pulled")
