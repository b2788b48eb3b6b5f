"""Find the containers that a project has on engines other than the chosen one.

`crank migrate --to ENGINE SERVICE` moves some services and leaves the others, and
`--keep-source` leaves stopped copies on the source, so one project can have containers on
two engines. Under runtime auto the verbs that stop or remove a project's containers act
on every engine that has them. With an engine named by --runtime, the environment or .env,
they act on that engine alone and exit with code 2 while another engine still has them, so
a cleanup step in CI does not pass while the project runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.context import CommandContext, load_settings, log_engine

if TYPE_CHECKING:
    from crank_cli.runtime.resolve import Resolution


def is_auto(ctx: CommandContext) -> bool:
    """Tell whether the settings leave the engine to runtime auto."""
    return load_settings(ctx).runtime.value == "auto"


def other_engines(ctx: CommandContext, project: str, engine: Resolution, *, running: bool = False,
                  dry_run: bool = False) -> list[Resolution]:
    """Return the other usable engines that have containers of `project`, running ones with `running`.

    The engines that resolution rejected are not asked again. With `dry_run`, each backend
    prints its changing commands instead of running them, as the chosen engine's does.
    """
    from crank_cli import render
    from crank_cli.operations.labels import container_filter
    from crank_cli.runtime.resolve import dry_run_backend, engines_holding

    skip = {engine.info.name, *(info.name for info in engine.rejected)}
    holders = engines_holding(container_filter(project), skip=skip, running=running)
    if dry_run:
        holders = [holder._replace(backend=dry_run_backend(holder, render.print_command)) for holder in holders]
    for holder in holders:
        log_engine(holder.backend, holder.info, holder.reason)
    return holders


def reject_left_elsewhere(ctx: CommandContext, project: str, engine: Resolution, holders: list[Resolution],
                          verb: str, *, kind: str = "containers") -> None:
    """Raise `UsageError` (exit code 2) because `holders` still have `kind` of the project after `verb` on `engine`."""
    from crank_cli.errors import UsageError

    runtime = load_settings(ctx).runtime
    chosen = engine.info.name
    chosen_by = f"that {runtime.source} chose" if chosen == runtime.value else f"crank fell back to from {runtime.value}"
    names = ", ".join(holder.info.name for holder in holders)
    first = holders[0].info.name
    message = (f"project {project} still has {kind} on {names}: `crank {verb}` acted only on {chosen}, "
               f"the engine {chosen_by}. Run `crank --runtime {first} {verb}` to act on them there, "
               f"or `crank --runtime auto {verb}` to act on every engine that has them")
    raise UsageError(message)
