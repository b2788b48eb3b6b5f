"""`crank exec`: run a command in a running service container."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.absent import running_replica
from crank_cli.cli.context import load_project_or_containers


def register(app: typer.Typer) -> None:
    app.command("exec", context_settings={"allow_interspersed_args": False})(execute)


def execute(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(autocompletion=complete.services, help="Service whose container runs the command.")],
    command: Annotated[list[str], typer.Argument(help="Command and its arguments.")],
    index: Annotated[int, typer.Option("--index", min=1, help="Which replica of the service, from 1.")] = 1,
    user: Annotated[Optional[str], typer.Option("--user", "-u", help="User to run as, name or UID[:GID].")] = None,  # noqa: UP045
    workdir: Annotated[Optional[str], typer.Option("--workdir", "-w", help="Working folder inside the container.")] = None,  # noqa: UP045
    env: Annotated[Optional[list[str]], typer.Option("--env", "-e", help="Set KEY=VALUE for the command; repeatable.")] = None,  # noqa: UP045
    no_tty: Annotated[bool, typer.Option("--no-tty", "--no-TTY", "-T", help="Do not allocate a terminal, even when standard input is one; input is still passed.")] = False,
    detach: Annotated[bool, typer.Option("--detach", "-d", help="Start the command in the background and return without waiting for it.")] = False,
    privileged: Annotated[bool, typer.Option("--privileged", help="Give the command extended privileges.")] = False,
    # docker compose accepts these and hides them. Standard input is always passed, and a
    # terminal is allocated when crank's standard input is one, unless -T.
    interactive: Annotated[bool, typer.Option("--interactive", "-i", hidden=True)] = False,
    tty: Annotated[bool, typer.Option("--tty", "-t", hidden=True)] = False,
) -> None:
    """Run a command in a running container of a service; crank exits with its exit code."""
    from crank_cli.cli.moved import engine_running_service
    from crank_cli.operations.run import parse_env
    from crank_cli.operations.up import require_services

    project, engine = load_project_or_containers(ctx, (service,), verb="exec")
    require_services(project, [service])
    engine = engine_running_service(ctx, project, engine, service)
    target = running_replica(ctx, project.name, engine, service, index, "exec")
    environment = dict(pair for pair in (parse_env(item, {}) for item in env or []) if pair)
    code = engine.backend.exec_attached(target.name, command, tty=not no_tty, user=user, workdir=workdir,
                                        environment=environment, privileged=privileged, detach=detach)
    raise typer.Exit(code)
