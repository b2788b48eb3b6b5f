"""`crank config`: print the project's canonical model, as `docker compose config` does."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from crank_cli.cli.context import load_project


def register(app: typer.Typer) -> None:
    app.command("config")(config)


def config(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(metavar="[SERVICE]...", help="Show only these services and the services they depend on.")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", help="Output format: yaml or json.", metavar="FORMAT")] = "yaml",
    list_services: Annotated[bool, typer.Option("--services", help="Print the service names, one per line.")] = False,
    list_volumes: Annotated[bool, typer.Option("--volumes", help="Print the volume names, one per line.")] = False,
    list_profiles: Annotated[bool, typer.Option("--profiles", help="Print the profile names, one per line.")] = False,
    list_images: Annotated[bool, typer.Option("--images", help="Print the image names, one per line.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only check the project; print nothing.")] = False,
) -> None:
    """Check the compose files and print the project as one canonical compose file."""
    from crank_cli.compose.config_text import model_to_json, model_to_yaml
    from crank_cli.compose.config_views import image_names, profile_names, select_with_dependencies, service_order
    from crank_cli.errors import UsageError

    if output_format not in ("yaml", "json"):
        raise UsageError(f"invalid --format {output_format!r}: use yaml or json")
    selected = tuple(services or ())
    project = load_project(ctx, selected)
    model = select_with_dependencies(project.model, selected) if selected else project.model
    if quiet:
        return
    if list_services:
        _write_lines(service_order(model))
    elif list_volumes:
        _write_lines(sorted(model.get("volumes") or {}))
    elif list_profiles:
        _write_lines(profile_names(project.all_profiles))
    elif list_images:
        _write_lines(image_names(model))
    elif output_format == "json":
        sys.stdout.write(model_to_json(model))
    else:
        sys.stdout.write(model_to_yaml(model))


def _write_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))
