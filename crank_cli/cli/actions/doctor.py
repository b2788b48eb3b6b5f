"""The action of `crank doctor` and `crank status --runtimes`, shared by the Typer command and the quick path."""

from __future__ import annotations

from crank_cli.cli.context import CommandContext, OutputFormat, json_errors, load_settings


def run(ctx: CommandContext, output_format: OutputFormat) -> None:
    as_json = output_format is OutputFormat.json
    with json_errors(as_json):
        show_engines(ctx, as_json=as_json)


def show_engines(ctx: CommandContext, *, as_json: bool) -> None:
    from crank_cli import render, verbose
    from crank_cli.errors import Exit, ExitCode
    from crank_cli.runtime.resolve import choice_reason, choose, probe_all

    settings = load_settings(ctx)
    engines = probe_all(fresh=True)
    by_name = {info.name: info for info in engines}
    found, rejected = choose(settings, by_name.__getitem__)
    chosen = found.name if found else None
    if chosen is not None:
        verbose.info("engine", "crank would choose %s: %s", chosen, choice_reason(chosen, settings, rejected))
    if as_json:
        render.print_json({
            "schema": render.JSON_SCHEMA_VERSION,
            "runtime": {"value": settings.runtime.value, "source": settings.runtime.source},
            "fallback": {"value": settings.fallback.value, "source": settings.fallback.source},
            "chosen": chosen,
            "engines": [info._asdict() for info in engines],
        })
    else:
        rows = [[info.name, "yes" if info.usable else "no", info.version or "-", info.host or "-",
                 "(chosen)" if info.name == chosen else info.reason or ""] for info in engines]
        render.print_table("container engines", ["ENGINE", "USABLE", "VERSION", "HOST", "NOTE"], rows)
        render.info(f"runtime: {settings.runtime.value} (from {settings.runtime.source}); "
                    f"fallback: {settings.fallback.value} (from {settings.fallback.source})")
    if chosen is None:
        raise Exit(ExitCode.NO_ENGINE)

