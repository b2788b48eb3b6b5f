"""`crank version`: crank's version, as `crank --version` prints it, or as JSON or the bare number."""

from __future__ import annotations

import enum
from typing import Annotated

import typer


class VersionFormat(str, enum.Enum):
    """The values of `version --format`."""

    pretty = "pretty"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("version")(version)


def version(
    output_format: Annotated[VersionFormat, typer.Option("--format", "-f", help="pretty for people, json for scripts.")] = VersionFormat.pretty,
    short: Annotated[bool, typer.Option("--short", help="Print only the version number, such as 0.1.0.")] = False,
) -> None:
    """Print crank's version: the same line as crank --version, or with --short only the number."""
    import sys

    from crank_cli import __version__, render
    from crank_cli.cli import version_line

    # As in docker compose version, --short takes precedence over --format.
    if short:
        render.print_lines([__version__])
    elif output_format is VersionFormat.json:
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "version": __version__})
    else:
        sys.stdout.write(version_line())
