"""`crank cp`: copy files between a service container and the local filesystem."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli.absent import reject_if_absent
from crank_cli.cli.context import DRY_RUN_HELP, global_options, is_dry_run, load_project_or_containers, progress


def register(app: typer.Typer) -> None:
    app.command("cp")(copy)


def copy(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="SERVICE:SRC_PATH|SRC_PATH|-", help="What to copy: a path in the service's container, or a local path; - reads a tar archive from standard input.", show_default=False)],
    destination: Annotated[str, typer.Argument(metavar="DEST_PATH|-|SERVICE:DEST_PATH", help="Where to copy it: a local path, - for a tar archive on standard output, or a path in the service's containers.", show_default=False)],
    index: Annotated[Optional[int], typer.Option("--index", min=0, help="Copy from or to only this container of the service, by number from 1; default (0): the container with the lowest number when copying from the service, every container when copying to it.")] = None,  # noqa: UP045
    all_containers: Annotated[bool, typer.Option("--all", help="Also count the one-off containers of crank run.")] = False,
    archive: Annotated[bool, typer.Option("--archive", "-a", help="Keep the user and group IDs of the source files; without it, Podman gives the files it copies into a container to the container's main user.")] = False,
    follow_link: Annotated[bool, typer.Option("--follow-link", "-L", help="When SRC_PATH is a symbolic link, copy what it points to; Podman always does.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Copy files or folders between a service container and the local filesystem.

    One of the two paths is SERVICE:PATH. A copy from a service reads its container with the
    lowest number, and a copy to a service writes to every container of it, unless --index
    picks one. Stopped containers count too.
    """
    from crank_cli.operations import labels
    from crank_cli.operations.copy import CopyOptions, copy_targets, plan_copy
    from crank_cli.operations.copy import copy as run_copy
    from crank_cli.operations.up import require_services

    plan = plan_copy(source, destination)
    options = CopyOptions(source, destination, index=index or None, include_one_offs=all_containers,
                          archive=archive, follow_link=follow_link)
    dry = is_dry_run(ctx, dry_run)
    project, engine = load_project_or_containers(ctx, (plan.service,), verb="cp", dry_run=dry)
    require_services(project, [plan.service])
    states = engine.backend.list_containers(labels.service_filter(project.name, plan.service))
    if not states:
        reject_if_absent(ctx, project.name, engine, "cp")
    targets = copy_targets(states, plan, options)
    with progress(ctx, dry_run=dry) as events:
        run_copy(engine.backend, plan, targets, options, global_options(ctx).working_dir, events)
