"""`crank attach`: connect the terminal to a running service container's main process."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.absent import running_replica
from crank_cli.cli.context import handle_sigint, load_project_or_containers

# The keys that `--detach-keys` takes besides a single character, as docker and Podman read them:
# ctrl- with a lowercase letter or one of @ [ \ ] ^ _, and DEL.
CONTROL_KEYS = frozenset([*(f"ctrl-{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"), *(f"ctrl-{mark}" for mark in "@[\\]^_"), "DEL"])


def register(app: typer.Typer) -> None:
    app.command("attach")(attach)


def attach(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(autocompletion=complete.services, help="Service whose container to attach to.")],
    index: Annotated[int, typer.Option("--index", min=1, help="Which replica of the service, from 1.")] = 1,
    no_stdin: Annotated[bool, typer.Option("--no-stdin", help="Do not pass standard input to the container.")] = False,
    sig_proxy: Annotated[str, typer.Option("--sig-proxy", metavar="true|false", help="Whether to pass the signals crank receives on to the container's process.")] = "true",
    detach_keys: Annotated[Optional[str], typer.Option("--detach-keys", metavar="KEYS", help="Key sequence that detaches from the container, such as ctrl-p,ctrl-q.")] = None,  # noqa: UP045
) -> None:
    """Attach standard input, output and errors to a service container's main process.

    The output starts with what the process writes from then on. crank exits with the
    container's exit code when it stops, or with 0 after the detach keys.
    """
    from crank_cli.errors import UsageError
    from crank_cli.operations.up import require_services

    if sig_proxy not in ("true", "false"):
        raise UsageError(f"invalid --sig-proxy value {sig_proxy!r}: use true or false")
    if detach_keys:
        check_detach_keys(detach_keys)
    handle_sigint()
    project, engine = load_project_or_containers(ctx, (service,), verb="attach")
    require_services(project, [service])
    target = running_replica(ctx, project.name, engine, service, index, "attach")
    code = engine.backend.attach(target.name, stdin=not no_stdin, sig_proxy=sig_proxy == "true", detach_keys=detach_keys)
    # Podman 4.3's client exits with 0 when the container stops, so the exit code comes from the container.
    stopped = [state for state in engine.backend.inspect_containers([target.name]) if not state.running]
    raise typer.Exit(stopped[0].exit_code if stopped and stopped[0].exit_code is not None else code)


def check_detach_keys(value: str) -> None:
    """Raise a usage error unless `value` is a key sequence that docker and Podman accept.

    The sequence is keys separated by commas, each a single ASCII character, ctrl- with a
    lowercase letter or one of @ [ \\ ] ^ _, or DEL. An empty value keeps the engine's keys.
    """
    from crank_cli.errors import UsageError

    for key in value.split(","):
        if key not in CONTROL_KEYS and not (len(key) == 1 and key.isascii()):
            shown = f"unknown key {key!r}" if key else "an empty key"
            raise UsageError(f"invalid --detach-keys value {value!r}: {shown}; use keys separated by commas, "
                             "each a single character or ctrl- with a letter or one of @ [ \\ ] ^ _, such as ctrl-p,ctrl-q")
