"""`crank run`: one container from an image, like `docker run`, on the chosen engine."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.context import DRY_RUN_HELP, is_dry_run, load_settings, project_name_in_reach, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("run", context_settings={"allow_interspersed_args": False})(run)


def run(
    ctx: typer.Context,
    image: Annotated[str, typer.Argument(help="Image to run.")],
    command: Annotated[Optional[list[str]], typer.Argument(help="Command and arguments for the container; default: the image's.")] = None,  # noqa: UP045
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Run in the background and print the container ID.")] = False,
    publish: Annotated[Optional[list[str]], typer.Option("--publish", "-p", help="Publish a port: [[IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]; repeatable.")] = None,  # noqa: UP045
    env: Annotated[Optional[list[str]], typer.Option("--env", "-e", help="Set KEY=VALUE in the container, or pass KEY from crank's environment; repeatable.")] = None,  # noqa: UP045
    volume: Annotated[Optional[list[str]], typer.Option("--volume", "-v", help="Mount SOURCE:TARGET[:ro]; a SOURCE starting with /, . or ~ is a host path, else a named volume; repeatable.")] = None,  # noqa: UP045
    name: Annotated[Optional[str], typer.Option("--name", help="Container name; default: one the engine picks.")] = None,  # noqa: UP045
    remove: Annotated[bool, typer.Option("--rm", help="Remove the container when it exits.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Run a container; in the foreground, crank exits with the container's exit code."""
    from crank_cli.operations.run import RunOptions
    from crank_cli.operations.run import run as run_container

    options = RunOptions(
        image=image,
        command=tuple(command or ()),
        detach=detach,
        publish=tuple(publish or ()),
        env=tuple(env or ()),
        volumes=tuple(volume or ()),
        name=name,
        remove=remove,
        dry_run=is_dry_run(ctx, dry_run),
    )
    settings = load_settings(ctx)
    # Under auto, a container run in a project's folder goes to the engine the project is on,
    # where the other verbs in that folder look for it.
    project = project_name_in_reach(ctx) if settings.runtime.value == "auto" else None
    engine = resolve_engine(ctx, dry_run=options.dry_run, project=project, settings=settings)
    result = run_container(engine.backend, options)
    if isinstance(result, str):
        typer.echo(result)
        return
    raise typer.Exit(result)
