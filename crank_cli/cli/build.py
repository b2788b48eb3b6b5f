"""`crank build`: build the project's images, or one image from a Dockerfile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, load_project, progress, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    ctx: typer.Context,
    targets: Annotated[Optional[list[str]], typer.Argument(metavar="[SERVICE...|PATH]", help="Services to build (default: all with a build section), or with -t the build context folder.")] = None,  # noqa: UP045
    dockerfile: Annotated[Optional[Path], typer.Option("--file", "-f", help="Dockerfile to build, with -t; default: PATH/Dockerfile.")] = None,  # noqa: UP045
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Build one image with this name from PATH instead of the project's services.")] = None,  # noqa: UP045
    build_arg: Annotated[Optional[list[str]], typer.Option("--build-arg", help="KEY=VALUE build argument, with -t; repeatable.")] = None,  # noqa: UP045
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Build every step again instead of reusing cached layers.")] = False,
    pull: Annotated[bool, typer.Option("--pull", help="Pull a newer version of each base image before building.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Build images: the project's services, or with -t one image from a folder."""
    from crank_cli import render
    from crank_cli.operations.build import build_image, build_services

    names = list(targets or ())
    if tag is None:
        project = load_project(ctx)
        engine = resolve_engine(ctx, dry_run=is_dry_run(ctx, dry_run))
        with progress(ctx, dry_run=dry_run) as events:
            built = build_services(project, engine.backend, names, events, no_cache=no_cache, pull=pull)
    else:
        plan = _single_build(names, dockerfile, tag, build_arg or [])._replace(no_cache=no_cache, pull=pull)
        engine = resolve_engine(ctx, dry_run=is_dry_run(ctx, dry_run))
        with progress(ctx, dry_run=dry_run) as events:
            build_image(engine.backend, plan, events)
        built = [tag]
    if not built:
        render.info("no service has a build section; nothing to build")


def _single_build(paths: list[str], dockerfile: Path | None, tag: str, build_args: list[str]):  # type: ignore[no-untyped-def]
    from crank_cli.errors import UsageError
    from crank_cli.runtime.models import BuildSpec

    if len(paths) != 1:
        raise UsageError("build -t TAG needs exactly one PATH: the build context folder")
    context = Path(paths[0]).resolve()
    if not context.is_dir():
        raise UsageError(f"build context {paths[0]!r} is not a folder")
    args = {}
    for item in build_args:
        key, equals, value = item.partition("=")
        if not key or not equals:
            raise UsageError(f"invalid --build-arg {item!r}: expected KEY=VALUE")
        args[key] = value
    chosen = str(dockerfile.resolve()) if dockerfile else None
    return BuildSpec(context=context, tag=tag, dockerfile=chosen, args=args)
