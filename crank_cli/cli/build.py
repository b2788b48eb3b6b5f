"""`crank build`: build the project's images, or one image from a Dockerfile."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import (
    DRY_RUN_HELP,
    global_options,
    is_dry_run,
    load_project,
    progress,
    resolve_engine,
    resolve_folder_engine,
)

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.operations.events import Events
    from crank_cli.runtime.backend import Backend


def register(app: typer.Typer) -> None:
    app.command("build")(build)


def build(
    ctx: typer.Context,
    targets: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE...|PATH]", help="Services to build (default: all with a build section), or with -t the build context folder.")] = None,  # noqa: UP045
    dockerfile: Annotated[Optional[Path], typer.Option("--file", "-f", help="Dockerfile to build, with -t; default: PATH/Dockerfile.")] = None,  # noqa: UP045
    tag: Annotated[Optional[str], typer.Option("--tag", "-t", help="Build one image with this name from PATH instead of the project's services.")] = None,  # noqa: UP045
    build_arg: Annotated[Optional[list[str]], typer.Option("--build-arg", help="KEY=VALUE build argument, over the compose file's build.args; KEY alone takes its value from the environment. Repeatable.")] = None,  # noqa: UP045
    target: Annotated[Optional[str], typer.Option("--target", help="Build stage to stop at, with -t; default: the last stage.")] = None,  # noqa: UP045
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Build every step again instead of reusing cached layers.")] = False,
    pull: Annotated[bool, typer.Option("--pull", help="Pull a newer version of each base image before building.")] = False,
    memory: Annotated[Optional[str], typer.Option("--memory", "-m", metavar="BYTES", help="Memory limit of the RUN steps, such as 512m.")] = None,  # noqa: UP045
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Hide the build output; a failed build still shows its last lines.")] = False,
    with_dependencies: Annotated[bool, typer.Option("--with-dependencies", help="Also build the services that those named depend on, at any depth.")] = False,
    push: Annotated[bool, typer.Option("--push", help="Then push the images of the services that have both build and image, as crank push does.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Build images: the project's services, or with -t one image from a folder."""
    from crank_cli import render
    from crank_cli.operations.build import BuildFlags, build_image, build_services
    from crank_cli.operations.events import NoEvents

    names = list(targets or ())
    flags = BuildFlags(no_cache=no_cache, pull=pull, args=_build_args(build_arg or [], global_options(ctx).environ),
                       memory=_memory(memory), quiet=quiet)
    if tag is None:
        _reject_without_tag(dockerfile=dockerfile, target=target)
        # A service named on the command line is built even when its profile is not enabled, as with up.
        project = load_project(ctx, tuple(names))
        engine = resolve_engine(ctx, dry_run=is_dry_run(ctx, dry_run), project=project.name)
        with progress(ctx, dry_run=dry_run) as shown:
            events = NoEvents() if quiet else shown
            built = build_services(project, engine.backend, names, events, flags, with_dependencies=with_dependencies)
            if push:
                _push(project, engine.backend, names, events, quiet=quiet)
    else:
        _reject_with_tag(with_dependencies=with_dependencies, push=push)
        plan = _single_build(names, dockerfile, tag, flags.args)._replace(target=target, no_cache=no_cache, pull=pull,
                                                                          memory=flags.memory)
        engine = resolve_folder_engine(ctx, dry_run=is_dry_run(ctx, dry_run))
        with progress(ctx, dry_run=dry_run) as shown:
            build_image(engine.backend, plan, NoEvents() if quiet else shown, quiet=quiet)
        built = [tag]
    if not built and not quiet:
        render.info("no service has a build section; nothing to build")


def _push(project: Project, backend: Backend, names: list[str], events: Events, *, quiet: bool) -> None:
    """Push the images that `crank push` would push for the same services, stopping at the first failure."""
    from crank_cli.operations.push import push_images, push_plan

    plan = push_plan(project, tuple(names))
    push_images(backend, plan.targets, events, quiet=quiet, ignore_failures=False)


def _memory(value: str | None) -> int | None:
    from crank_cli.compose.units import parse_bytes
    from crank_cli.errors import UsageError

    if value is None:
        return None
    try:
        return parse_bytes(value)
    except ValueError as error:
        raise UsageError(f"--memory: {error}") from None


def _reject_with_tag(*, with_dependencies: bool, push: bool) -> None:
    """Raise `UsageError` for an option of service builds given with -t, instead of ignoring it."""
    from crank_cli.errors import UsageError

    given = [option for option, value in (("--with-dependencies", with_dependencies), ("--push", push)) if value]
    if given:
        raise UsageError(f"{' and '.join(given)}: only valid for the project's services, not with -t TAG")


def _single_build(paths: list[str], dockerfile: Path | None, tag: str, args: dict[str, str | None]):  # type: ignore[no-untyped-def]
    from crank_cli.errors import UsageError
    from crank_cli.runtime.models import BuildSpec

    if len(paths) != 1:
        raise UsageError("build -t TAG needs exactly one PATH: the build context folder")
    context = Path(paths[0]).resolve()
    if not context.is_dir():
        raise UsageError(f"build context {paths[0]!r} is not a folder")
    chosen = str(dockerfile.resolve()) if dockerfile else None
    if chosen is not None and not Path(chosen).is_file():
        raise UsageError(f"Dockerfile {str(dockerfile)!r} (-f) not found at {chosen}: -f takes a path relative to "
                         "the current folder, as `docker build` does")
    if chosen is None and not (context / "Dockerfile").is_file():
        raise UsageError(f"build context {paths[0]!r} has no Dockerfile: add one, or name it with -f")
    with_values = {key: value for key, value in args.items() if value is not None}
    return BuildSpec(context=context, tag=tag, dockerfile=chosen, args=with_values)


def _build_args(items: list[str], environ: Mapping[str, str]) -> dict[str, str | None]:
    """Parse --build-arg values: KEY=VALUE, or KEY alone for the value of KEY in the environment.

    A KEY alone that the environment lacks maps to None: the build then gets no value for it,
    so the Dockerfile's ARG default applies, as with `docker compose build` (v2.40.3).
    """
    from crank_cli.errors import UsageError

    args: dict[str, str | None] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not key:
            raise UsageError(f"invalid --build-arg {item!r}: expected KEY=VALUE or KEY")
        args[key] = value if equals else environ.get(key)
    return args


def _reject_without_tag(*, dockerfile: Path | None, target: str | None) -> None:
    """Raise `UsageError` for an option of the -t form given without -t, instead of ignoring it."""
    from crank_cli.errors import UsageError

    tag_options = [option for option, value in (("-f/--file", dockerfile), ("--target", target)) if value is not None]
    if tag_options:
        message = (f"{' and '.join(tag_options)}: only valid with -t TAG, because a service build takes its "
                   "Dockerfile and target from the compose file's build section")
        raise UsageError(message)
