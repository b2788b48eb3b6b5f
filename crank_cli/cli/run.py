"""`crank run`: a one-off container of a service, as `docker compose run` makes one, or else a
container from an image, like `docker run`, on the chosen engine.

Inside a project, a word without a tag, digest or path must name one of its services, as
`_project_with_service` checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import (
    DRY_RUN_HELP,
    CommandContext,
    global_options,
    handle_sigint,
    is_dry_run,
    load_settings,
    progress,
    quiet_progress,
    resolve_engine,
    resolve_folder_engine,
)

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.operations.run_service import ServiceRunOptions
    from crank_cli.runtime.backend import Backend
    from crank_cli.runtime.models import ContainerSpec


def register(app: typer.Typer) -> None:
    app.command("run", context_settings={"allow_interspersed_args": False})(run)


def run(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(autocompletion=complete.services, metavar="SERVICE|IMAGE", help="A service of the project in reach, or else an image to run. Inside a project, give an image with its tag, digest or path, as in busybox:latest.")],
    command: Annotated[Optional[list[str]], typer.Argument(help="Command and arguments for the container; default: the service's command, else the image's.")] = None,  # noqa: UP045
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Run in the background and print the container ID.")] = False,
    publish: Annotated[Optional[list[str]], typer.Option("--publish", "-p", help="Publish a port: [[IP:][HOST_PORT]:]CONTAINER_PORT[/PROTOCOL]; repeatable. A service's own ports are not published without --service-ports.")] = None,  # noqa: UP045
    env: Annotated[Optional[list[str]], typer.Option("--env", "-e", help="Set KEY=VALUE in the container, or pass KEY from crank's environment; repeatable.")] = None,  # noqa: UP045
    env_from_file: Annotated[Optional[list[Path]], typer.Option("--env-from-file", metavar="FILE", help="Set the variables that FILE, in .env format, defines in the container; -e wins over it. Repeatable.")] = None,  # noqa: UP045
    volume: Annotated[Optional[list[str]], typer.Option("--volume", "-v", help="Mount SOURCE:TARGET[:ro]; a SOURCE starting with /, . or ~ is a host path, else a named volume; repeatable.")] = None,  # noqa: UP045
    name: Annotated[Optional[str], typer.Option("--name", help="Container name; default: PROJECT-SERVICE-run-ID for a service, else one the engine picks.")] = None,  # noqa: UP045
    remove: Annotated[bool, typer.Option("--rm", help="Remove the container when it exits.")] = False,
    entrypoint: Annotated[Optional[str], typer.Option("--entrypoint", help="Entrypoint, split into words as a shell would; \"\" clears the image's.")] = None,  # noqa: UP045
    workdir: Annotated[Optional[str], typer.Option("--workdir", "-w", help="Working folder inside the container.")] = None,  # noqa: UP045
    user: Annotated[Optional[str], typer.Option("--user", "-u", help="User to run as: NAME or UID[:GID].")] = None,  # noqa: UP045
    no_deps: Annotated[bool, typer.Option("--no-deps", help="For a service: do not start its dependencies.")] = False,
    remove_orphans: Annotated[bool, typer.Option("--remove-orphans", help="For a service: remove the containers of services that the compose files no longer define.")] = False,
    service_ports: Annotated[bool, typer.Option("--service-ports", "-P", help="For a service: publish its ports, which a one-off container otherwise does not.")] = False,
    use_aliases: Annotated[bool, typer.Option("--use-aliases", help="For a service: also be reachable by the service's name and network aliases, which a one-off container otherwise is not.")] = False,
    label: Annotated[Optional[list[str]], typer.Option("--label", "-l", help="For a service: add or override a label, KEY=VALUE; repeatable.")] = None,  # noqa: UP045
    cap_add: Annotated[Optional[list[str]], typer.Option("--cap-add", help="For a service: add a Linux capability; repeatable.")] = None,  # noqa: UP045
    cap_drop: Annotated[Optional[list[str]], typer.Option("--cap-drop", help="For a service: drop a Linux capability; repeatable.")] = None,  # noqa: UP045
    build: Annotated[bool, typer.Option("--build", help="For a service: build its image first, even when it exists.")] = False,
    pull: Annotated[Optional[str], typer.Option("--pull", metavar="always|missing|never", help="For a service: pull its image always, when missing, or never; default: its pull_policy.")] = None,  # noqa: UP045
    quiet_pull: Annotated[bool, typer.Option("--quiet-pull", help="Accepted for docker compose's users; crank shows a pull's output as --progress selects.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print no progress, build or pull output, only errors, as --progress quiet does.")] = False,
    quiet_build: Annotated[bool, typer.Option("--quiet-build", help="For a service: hide the output of its image's build; a failed build still shows its last lines.")] = False,
    no_tty: Annotated[bool, typer.Option("--no-TTY", "-T", help="Allocate no pseudo-terminal, even when crank's standard input is one.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Keep standard input open. This is the default, as with docker compose run, so the flag changes nothing.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=DRY_RUN_HELP)] = False,
) -> None:
    """Run a container; in the foreground, crank exits with the container's exit code.

    When SERVICE|IMAGE names a service of the project in reach, this is a one-off container
    of the service, as `docker compose run` makes: it gets the service's definition, the
    service's dependencies start first, and `down` removes it. Otherwise it is a container
    of the image, as `docker run` makes. Inside a project, give an image with its tag, digest
    or path (busybox:latest), because an unknown bare name is an error there.
    """
    # Standard input is always kept open, and pull progress follows --progress; the flags exist for docker compose's users.
    del interactive, quiet_pull
    from crank_cli.operations.run import ContainerOptions, env_file_entries

    # The files' entries come first, so a -e entry for the same key wins.
    entries = (*env_file_entries(env_from_file or ()), *(env or ()))
    container = ContainerOptions(
        command=tuple(command or ()), detach=detach, publish=tuple(publish or ()), env=entries,
        volumes=tuple(volume or ()), name=name, remove=remove, entrypoint=entrypoint, workdir=workdir, user=user,
        terminal=not no_tty, dry_run=is_dry_run(ctx, dry_run),
    )
    if not detach:
        handle_sigint()
    if quiet:
        quiet_progress(ctx)
    project = _project_with_service(ctx, target)
    if project is not None:
        from crank_cli.cli.actions.up import pull_policy
        from crank_cli.operations.resources import ImagePolicy
        from crank_cli.operations.run_service import ServiceRunOptions

        _run_service(ctx, project, ServiceRunOptions(
            service=target, container=container, no_deps=no_deps, remove_orphans=remove_orphans, service_ports=service_ports,
            labels=tuple(label or ()), use_aliases=use_aliases, cap_add=tuple(cap_add or ()),
            cap_drop=tuple(cap_drop or ()),
            images=ImagePolicy(build="always" if build else "auto", pull=pull_policy(pull), quiet_build=quiet_build),
        ))
        return
    _reject_service_flags(target, {"--no-deps": no_deps, "--remove-orphans": remove_orphans,
                                   "--service-ports": service_ports, "--use-aliases": use_aliases,
                                   "--label": bool(label), "--cap-add": bool(cap_add), "--cap-drop": bool(cap_drop),
                                   "--build": build, "--pull": pull is not None, "--quiet-build": quiet_build})

    from crank_cli.cli.absent import warn_unseen_engines
    from crank_cli.operations.run import RunOptions, prepare, start

    engine = resolve_folder_engine(ctx, dry_run=container.dry_run)
    warn_unseen_engines(load_settings(ctx), engine, f"the container is created on {engine.info.name}")
    spec = prepare(engine.backend, RunOptions(image=target, container=container, quiet=quiet))
    if detach or container.dry_run:
        _finish(start(engine.backend, spec, detach=detach))
        return
    _finish(_run_in_foreground(engine.backend, spec, "the --publish value"))


def _finish(result: str | int) -> None:
    """Print a detached container's ID, or exit with a foreground container's exit code."""
    if isinstance(result, str):
        typer.echo(result)
        return
    raise typer.Exit(result)


def _project_with_service(ctx: CommandContext, word: str) -> Project | None:
    """Return the project in reach when `word` names one of its services, or None when `word` is an image.

    `word` is an image when no compose file is in reach, or when it has a tag, digest or
    path (`busybox:latest`, `localhost/tool`), which no service name can have. Otherwise the
    project must have a service `word`, so a mistyped name raises `UsageError` instead of
    making the engine pull an image of that name. A service that only a profile disables
    counts, as `docker compose run` runs it too. A compose file that fails to load raises
    its error, because crank cannot tell whether `word` is one of its services.
    """
    from crank_cli import render
    from crank_cli.compose import load_project
    from crank_cli.errors import ProjectNotFoundError, UsageError

    if _is_image_reference(word):
        return None
    try:
        project = load_project(global_options(ctx).load_options((word,)))
    except ProjectNotFoundError:
        return None
    if word not in project.model["services"]:
        raise UsageError(_no_such_service_message(project, word))
    for warning in project.warnings:
        render.warn(warning)
    return project


# Marks of a tag, a digest or a registry and path. Service names have only letters, digits, '.', '_' and '-'.
_IMAGE_MARKS = (":", "@", "/")


def _is_image_reference(word: str) -> bool:
    return any(mark in word for mark in _IMAGE_MARKS)


def _no_such_service_message(project: Project, word: str) -> str:
    services = sorted({*project.model["services"], *project.disabled_services})
    found = f"the project has {', '.join(services)}" if services else "the project has no services"
    return f"no such service: {word} ({found}). To run the image {word} instead, give its tag, as in {word}:latest"


def _reject_service_flags(image: str, flags: dict[str, bool]) -> None:
    from crank_cli.errors import UsageError

    for flag, is_set in flags.items():
        if is_set:
            message = f"invalid option {flag} for image {image!r}: it applies only to a service of the project in reach"
            raise UsageError(message)


def _run_service(ctx: CommandContext, project: Project, options: ServiceRunOptions) -> None:
    """Start the dependencies and make what the service needs under the project lock, then run the one-off.

    The lock is released before the one-off runs, so a long foreground container does not
    keep `up` and `down` waiting. When `run` wrote secret or config files, it takes the lock
    again at the end to delete those that no container mounts.
    """
    from contextlib import AbstractContextManager, nullcontext

    from crank_cli import render
    from crank_cli.cli.absent import reject_if_absent
    from crank_cli.operations.cancel import cancel_on_interrupt
    from crank_cli.operations.lock import project_lock
    from crank_cli.operations.parallel import parallel_limit
    from crank_cli.operations.run_service import prepare, removing_unmounted_files, start

    options = options._replace(parallel=parallel_limit(global_options(ctx).environ, None))
    dry_run = options.container.dry_run
    engine = resolve_engine(ctx, dry_run=dry_run, project=project.name)

    def lock() -> AbstractContextManager[object]:
        return nullcontext() if dry_run else project_lock(project.name, render.info)

    with removing_unmounted_files(project.name, engine.backend, lock):
        with cancel_on_interrupt(), lock(), progress(ctx, dry_run=dry_run) as events:
            # A project that another tool or engine runs would get a second set of networks and
            # volumes here. This costs one engine query on every run of a service.
            reject_if_absent(ctx, project.name, engine, "run")
            spec = prepare(project, engine.backend, options, events)
        if options.container.detach or dry_run:
            result = start(engine.backend, spec, detach=options.container.detach)
        else:
            ports_source = "the --publish value" if options.container.publish else f"services.{options.service}.ports"
            result = _run_in_foreground(engine.backend, spec, ports_source)
    _finish(result)


def _run_in_foreground(backend: Backend, spec: ContainerSpec, ports_source: str) -> int:
    """Run the container attached to the terminal; Ctrl-C or SIGTERM stops it, and a second one kills it.

    SIGTERM, which a CI job's cancel, `timeout` or a service manager sends, counts as Ctrl-C,
    so crank exits with 130 after either, as a foreground `up` does. `ports_source` names
    where the published ports come from, for the error of a taken port.
    """
    from crank_cli.cli.actions.foreground import sigterm_as_interrupt
    from crank_cli.operations.foreground import run_one_off

    def stop(container: str) -> None:
        _stop_one_off(backend, container, spec.name, received[0] if received else "Ctrl-C")

    with sigterm_as_interrupt() as received:
        return run_one_off(backend, spec, ports_source=ports_source, on_interrupt=stop)


def _stop_one_off(backend: Backend, container: str, name: str, cause: str) -> None:
    """Stop the container with its own stop signal and timeout, as `crank stop` does; a second Ctrl-C kills it.

    `container` is the container's ID, and `name` its name, or "" when the engine picked it,
    and then the messages show the ID. docker compose 2.40.3 instead passes Ctrl-C on to the container as SIGINT and waits
    for it to exit, so a container that ignores SIGINT, such as `sleep` as its first
    process, keeps it waiting.
    """
    from crank_cli import render
    from crank_cli.threads import stop_or_kill

    shown = name or container[:12]
    render.info(f"stopping {shown} ({cause}); press Ctrl-C again to kill it")

    def kill() -> None:
        render.info(f"killing {shown} (interrupted again)")
        # A stop with no grace time kills at once, also while the first stop still waits.
        backend.stop_containers([container], 0)

    stop_or_kill(lambda: backend.stop_containers([container]), kill)
