"""`crank watch`: start the project, then sync, rebuild or restart services as their files change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import (
    CommandContext,
    handle_sigint,
    is_dry_run,
    load_and_resolve,
    load_project,
    progress,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from crank_cli.compose import Project
    from crank_cli.operations.file_polling import TreePoller
    from crank_cli.operations.watch import Watch
    from crank_cli.operations.watch_rules import WatchRule
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.resolve import Resolution


def register(app: typer.Typer) -> None:
    app.command("watch")(watch)


def watch(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Watch only these services' rules; default: every service that has develop.watch rules.", show_default=False)] = None,  # noqa: UP045
    no_up: Annotated[bool, typer.Option("--no-up", help="Do not build and start the services first; watch the containers that run.")] = False,
    prune: Annotated[bool, typer.Option("--prune/--no-prune", help="After a rebuild, remove the service's previous image when no tag and no container uses it any more.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", help="Hide the output of image builds; a failed build still quotes its last lines.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the engine commands that starting the services would run, check the rules and say what would be watched; start nothing and exit.")] = False,
) -> None:
    """Start the services, then act on their develop.watch rules as files change, until Ctrl-C.

    sync copies changed files into the service's running containers at the rule's target
    and removes deleted ones there. rebuild builds the image and recreates the containers.
    restart restarts the containers, and sync+restart and sync+exec sync first, then restart
    the containers or run the rule's command. Changes that come within half a second of each other are handled as one
    batch. Ctrl-C or SIGTERM ends the watch with exit code 0 and leaves the services running.
    `crank up --watch` watches the same rules while it follows the services' logs.
    """
    from crank_cli.cli.actions.up import build_developed_services
    from crank_cli.operations.up import require_services
    from crank_cli.operations.watch_rules import watch_rules

    handle_sigint()
    names = tuple(services or ())
    dry_run = is_dry_run(ctx, dry_run)
    project = load_project(ctx, names)
    require_services(project, names)
    # A project with nothing to watch, or a rule crank cannot act on, fails before anything starts.
    rules, warnings = watch_rules(project, names)
    if not no_up:
        _start(ctx, names, dry_run=dry_run)
    project, engine = load_and_resolve(ctx, lambda: (project, project.name), dry_run=dry_run)
    if dry_run:
        say_dry_run(rules, warnings, engine)
        return
    build_developed_services(project)
    _watch(ctx, project, engine, rules, warnings, prune=prune, quiet=quiet)


def _start(ctx: CommandContext, names: tuple[str, ...], *, dry_run: bool) -> None:
    """Bring the services up in the background, building the images of those that have develop rules."""
    from crank_cli.cli.actions.up import run

    run(ctx, services=list(names), detach=True, wait=False, wait_timeout=None, build=False, no_build=False,
        pull=None, force_recreate=False, no_recreate=False, no_deps=False, no_start=False, remove_orphans=False,
        scale=None, timeout=None, parallel=None, abort_on_container_exit=False, exit_code_from=None, dry_run=dry_run,
        strict=False, develop_builds=True)


def _watch(ctx: CommandContext, project: Project, engine: Resolution, rules: list[WatchRule], warnings: list[str], *,
           prune: bool, quiet: bool) -> None:
    import signal

    # SIGTERM, from a supervisor or `timeout`, ends the watch as Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        session, poller = start_watch(ctx, project, engine, rules, warnings, prune=prune, quiet=quiet)
        session.run(poller=poller)
    except KeyboardInterrupt:
        _say("watch stopped; the services keep running")
        raise typer.Exit(0) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_watch(ctx: CommandContext, project: Project, engine: Resolution, rules: list[WatchRule],
                warnings: list[str], *, prune: bool = True, quiet: bool = False,
                changed: Callable[[list[str], float], None] | None = None) -> tuple[Watch, TreePoller]:
    """Warn, make the watch session, run its initial sync and say what it watches; the caller runs its loop.

    The poller returned has read the rules' paths before the watch says so, so that every
    change made after that line is seen.
    `changed(services, began)` is called after a rebuild or restart of the services that began
    at the Unix time `began`, so that `up --watch` follows the logs of their new containers.
    """
    import time

    from crank_cli import render
    from crank_cli.operations.watch import Watch, WatchActions

    def after(action: Callable[[list[str]], None]) -> Callable[[list[str]], None]:
        def act(services: list[str]) -> None:
            began = time.time()
            action(services)
            if changed is not None:
                changed(services, began)
        return act

    backend = engine.backend
    if quiet:
        backend.output_lines = lambda line: None
    for warning in warnings:
        render.warn(warning)
    actions = WatchActions(backend=backend, say=_say,
                           rebuild=after(lambda services: _rebuild(ctx, project, engine, services, prune=prune)),
                           restart=after(lambda services: _restart(ctx, project, engine, services)))
    session = Watch(project, rules, actions)
    session.initial_sync()
    poller = session.poller()
    _say(f"watching {_described(rules)} on {engine.info.name}; Ctrl-C to stop")
    return session, poller


def say_dry_run(rules: list[WatchRule], warnings: list[str], engine: Resolution) -> None:
    """Say, in a dry run, what the watch would watch: it starts no watch, so it returns at once."""
    from crank_cli import render

    for warning in warnings:
        render.warn(warning)
    render.info(f"would watch {_described(rules)} on {engine.info.name} (dry run: nothing is watched)")


def _described(rules: list[WatchRule]) -> str:
    services = sorted({rule.service for rule in rules})
    paths = {rule.path for rule in rules}
    return (f"{len(paths)} path{'s' if len(paths) != 1 else ''} for "
            f"service{'s' if len(services) != 1 else ''} {', '.join(services)}")


def _say(line: str) -> None:
    import sys

    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def _rebuild(ctx: CommandContext, project: Project, engine: Resolution, services: list[str], *, prune: bool) -> None:
    """Build the services' images and recreate their containers with crank's `up`, holding the project's lock."""
    from crank_cli import render
    from crank_cli.operations import specs
    from crank_cli.operations.cancel import cancel_on_interrupt
    from crank_cli.operations.lock import project_lock
    from crank_cli.operations.resources import ImagePolicy
    from crank_cli.operations.up import UpOptions
    from crank_cli.operations.up import up as run_up

    backend = engine.backend
    before = {name: backend.image_id(specs.image_name(project, name)) for name in services}
    options = UpOptions(services=tuple(services), no_deps=True, recreate="force", images=ImagePolicy(build="always"))
    with cancel_on_interrupt(), project_lock(project.name, render.info), progress(ctx) as events:
        result = run_up(project, backend, options, events)
    for warning in result.warnings:
        render.warn(warning)
    if prune:
        _prune(backend, [image for name, image in before.items()
                         if image and image != backend.image_id(specs.image_name(project, name))])


def _prune(backend: Backend, images: list[str]) -> None:
    """Remove the images a rebuild replaced that have no tag left; one a container still uses stays."""
    from crank_cli import verbose
    from crank_cli.errors import EngineError

    for details in backend.inspect_images(sorted(set(images))):
        if any(not tag.startswith("<none>") for tag in details.repo_tags):
            continue
        try:
            backend.remove_images([details.id])
        except EngineError as error:
            verbose.info("watch", "kept the replaced image %s: %s", details.id, error.message)


def _restart(ctx: CommandContext, project: Project, engine: Resolution, services: list[str]) -> None:
    from crank_cli.operations.lifecycle import restart_services

    with progress(ctx) as events:
        restart_services(project, engine.backend, services, None, events)
