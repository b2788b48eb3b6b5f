"""`crank logs`: show the output of the project's containers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.absent import reject_absent_project
from crank_cli.cli.context import handle_sigint, load_project_or_containers
from crank_cli.cli.moved import containers_by_engine

if TYPE_CHECKING:
    from crank_cli.cli.actions.foreground import ExitReporter
    from crank_cli.runtime.models import ContainerState
    from crank_cli.runtime.resolve import Resolution

# The states whose log `logs -f` follows until the container exits. Paused containers resume.
_LIVE_STATES = frozenset({"running", "restarting", "paused"})
_TIME_HELP = "a time stamp (2013-01-02T13:23:37Z, local time without a zone), a Unix time, or a duration such as 42m for 42 minutes ago"


def register(app: typer.Typer) -> None:
    app.command("logs")(logs)


def logs(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, help="Services to show; default: all.")] = None,  # noqa: UP045
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep following new output until Ctrl-C, or until each container that ran has stopped for good.")] = False,
    tail: Annotated[Optional[str], typer.Option("--tail", "-n", metavar="N", help="Show only the last N lines of each container; all (the default) or a negative N shows every line.")] = None,  # noqa: UP045
    timestamps: Annotated[bool, typer.Option("--timestamps", "-t", help="Prefix each line with the engine's time stamp.")] = False,
    since: Annotated[Optional[str], typer.Option("--since", metavar="TIME", help=f"Show only lines written since TIME: {_TIME_HELP}.")] = None,  # noqa: UP045
    until: Annotated[Optional[str], typer.Option("--until", metavar="TIME", help=f"Show only lines written before TIME: {_TIME_HELP}.")] = None,  # noqa: UP045
    no_log_prefix: Annotated[bool, typer.Option("--no-log-prefix", help="Print each line without its container's name.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="Print without colour; crank's log output has none, so this changes nothing.")] = False,
    index: Annotated[Optional[int], typer.Option("--index", min=1, help="Show only this replica of the one SERVICE named, from 1.")] = None,  # noqa: UP045
) -> None:
    """Show the logs of the project's containers, each line prefixed with its container."""
    import signal
    import threading

    from crank_cli import render
    from crank_cli.cli.actions.foreground import ExitReporter
    from crank_cli.errors import ExitCode, UsageError
    from crank_cli.operations import labels
    from crank_cli.operations.follow import follow_logs
    from crank_cli.operations.log_times import engine_time
    from crank_cli.operations.up import require_services

    if follow:
        handle_sigint()
    names = tuple(services or ())
    if index is not None and len(names) != 1:
        raise UsageError("--index needs exactly one SERVICE: name the service whose replica to show")
    tail_lines = _tail_lines(tail)
    since_time = None if not since else engine_time(since, "--since")
    until_time = None if not until else engine_time(until, "--until")
    # A service named on the command line is enabled even when its profile is not, as with up.
    project, engine = load_project_or_containers(ctx, names, verb="logs")
    require_services(project, names)
    found = engine.backend.list_containers(labels.container_filter(project.name))
    if not found:
        reject_absent_project(ctx, project.name, engine, "logs")
    selected = []
    for holder, states in containers_by_engine(ctx, project, engine, found):
        chosen_there = _select(states, names, index)
        if chosen_there:
            selected.append((holder, chosen_there))
    states = [state for _, chosen_there in selected for state in chosen_there]
    chosen = [state.name for state in states]
    if index is not None and not chosen:
        raise UsageError(f"service {names[0]} has no container number {index}; crank status -a lists its containers")
    if not chosen:
        render.info(f"no containers of project {project.name} on {engine.info.name}")
        return
    if follow and len(selected) > 1:
        _reject_follow_on_engines(project.name, selected, names)
    printer = render.LogPrinter(chosen, prefix=not no_log_prefix,
                                display_names={state.name: labels.state_log_name(state) for state in states})
    # SIGTERM, from a supervisor or `timeout`, ends `logs -f` as Ctrl-C does, as with docker compose 2.40.3.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if follow else None
    live = {state.name for state in states if state.state in _LIVE_STATES}
    try:
        # Each engine's lines come after those of the engine before it; `--follow` has one engine here.
        for holder, chosen_there in selected:
            reporter = ExitReporter(holder.backend)
            follow_logs(holder.backend, [state.name for state in chosen_there], printer.write, follow=follow,
                        tail=tail_lines, timestamps=timestamps, since=since_time, until=until_time,
                        ended=lambda name, reporter=reporter: _on_exit(reporter, name, live) if follow else None)
        if follow and not live.issuperset(chosen):
            # docker compose 2.40.3 ends `logs -f` once every container it follows has exited while it
            # followed, so a container that was already stopped keeps it running until Ctrl-C.
            # NOTE: docker compose follows such a container again when something starts it; crank does not.
            threading.Event().wait()
    except KeyboardInterrupt:
        # Ctrl-C is how `logs -f` ends: exit code 130, as with docker compose 2.40.3, and no error message.
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_exit(reporter: ExitReporter, name: str, live: set[str]) -> bool:
    """Say how a container that ran at the start ended, as docker compose 2.40.3 does; return whether it restarts."""
    if name not in live:
        return False
    return bool(reporter.report(name)[1])


def _select(found: list[ContainerState], names: tuple[str, ...], index: int | None) -> list[ContainerState]:
    """Return the containers of the services named, or of all, in the order `logs` shows them."""
    from crank_cli.operations import labels
    from crank_cli.operations.up import by_service

    # As with docker compose logs, the one-off containers of `crank run` are left out.
    grouped = by_service([state for state in found if not labels.is_one_off(state)])
    return [state for service in (names or sorted(grouped))
            for state in sorted(grouped.get(service, []), key=lambda state: state.replica)
            if index is None or state.replica == index]


def _reject_follow_on_engines(project: str, selected: list[tuple[Resolution, list[ContainerState]]],
                              names: tuple[str, ...]) -> None:
    """Raise `UsageError`: `logs --follow` follows one engine, and the containers requested are on several."""
    from crank_cli.errors import UsageError

    engines = ", ".join(holder.info.name for holder, _ in selected)
    command = " ".join(("logs", "--follow", *names))
    commands = " or ".join(f"`crank --runtime {holder.info.name} {command}`" for holder, _ in selected)
    message = (f"project {project} has the containers to follow on {engines}, and `logs --follow` follows one "
               f"engine: run {commands}, or name services that run on one engine")
    raise UsageError(message)


def _tail_lines(tail: str | None) -> int | None:
    """Return the number of lines that --tail requests, or None for every line.

    A negative number means every line, as in Docker's API.
    """
    from crank_cli.errors import UsageError

    if tail is None or tail == "all":
        return None
    digits = tail.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        raise UsageError(f"invalid --tail value {tail!r}: use a number of lines, or all")
    return None if tail.startswith("-") else int(tail)
