"""The action of `crank doctor` and `crank status --runtimes`, shared by the Typer command and the quick path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crank_cli.cli.context import CommandContext, OutputFormat, json_errors, load_settings

if TYPE_CHECKING:
    from crank_cli.runtime.models import EngineInfo
    from crank_cli.settings import Settings


def run(ctx: CommandContext, output_format: OutputFormat) -> None:
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        show_engines(ctx, as_json=as_json)


def show_engines(ctx: CommandContext, *, as_json: bool) -> None:
    from crank_cli import render
    from crank_cli.errors import Exit, ExitCode, UsageError
    from crank_cli.runtime.resolve import probe_all
    from crank_cli.settings import invalid_settings

    # An invalid setting is reported with the engines, not instead of them, so doctor can diagnose it.
    settings = load_settings(ctx, check=False)
    invalid = invalid_settings(settings)
    engines = probe_all(fresh=True)
    chosen = None if invalid else _chosen_engine(settings, engines)
    if chosen is not None and settings.runtime.value == "auto":
        chosen = _project_engine(ctx, settings) or chosen
    if as_json:
        render.print_json({
            "schema": render.JSON_SCHEMA_VERSION,
            "runtime": {"value": settings.runtime.value, "source": settings.runtime.source},
            "fallback": {"value": settings.fallback.value, "source": settings.fallback.source},
            "chosen": chosen,
            "engines": [info._asdict() for info in engines],
            "invalid": invalid,
        })
    else:
        rows = [[info.name, "yes" if info.usable else "no", info.version or "-", info.host or "-",
                 "(chosen)" if info.name == chosen else info.reason or ""] for info in engines]
        render.print_table("container engines", ["ENGINE", "USABLE", "VERSION", "HOST", "NOTE"], rows)
        render.info(f"runtime: {settings.runtime.value} (from {settings.runtime.source}); "
                    f"fallback: {settings.fallback.value} (from {settings.fallback.source})")
        for message in invalid:
            render.print_error(UsageError(message))
    if invalid:
        raise Exit(ExitCode.USAGE)
    if chosen is None:
        raise Exit(ExitCode.NO_ENGINE)


def _chosen_engine(settings: Settings, engines: list[EngineInfo]) -> str | None:
    """Return the engine that the settings choose among the probed `engines`, saying why under -v."""
    from crank_cli import verbose
    from crank_cli.runtime.resolve import choice_reason, choose

    by_name = {info.name: info for info in engines}
    found, rejected = choose(settings, by_name.__getitem__)
    if found is None:
        return None
    verbose.info("engine", "crank would choose %s: %s", found.name, choice_reason(found.name, settings, rejected))
    return found.name



def _project_engine(ctx: CommandContext, settings: Settings) -> str | None:
    """Return the engine that runs the project in reach, which runtime auto makes the verbs run here use.

    Return None when no project is in reach or no engine can be chosen.
    """
    from crank_cli import verbose
    from crank_cli.cli.context import project_name_in_reach
    from crank_cli.errors import CrankError
    from crank_cli.operations.labels import COMPOSE_PROJECT, container_filter
    from crank_cli.runtime.resolve import resolve_where

    project = project_name_in_reach(ctx)
    if project is None:
        return None
    try:
        resolution = resolve_where(settings, container_filter(project), other_tool_labels={COMPOSE_PROJECT: project})
    except CrankError as error:
        verbose.info("engine", "no engine found for project %s: %s", project, error.message)
        return None
    verbose.info("engine", "project %s is on %s, so the verbs run here use it", project, resolution.info.name)
    return resolution.info.name
