"""`crank doctor`: which engines respond, their versions, and which one crank would use."""

from __future__ import annotations

from typing import Annotated

import typer

from crank_cli.cli.context import OutputFormat, run_action


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def doctor(
    ctx: typer.Context,
    output_format: Annotated[OutputFormat, typer.Option("--format", help="table for people, json for scripts.")] = OutputFormat.table,
) -> None:
    """List each engine: usable or not, its version, its host, and why it is not usable.

    Exits with code 4 when no engine is usable.
    """
    run_action("doctor", locals())
