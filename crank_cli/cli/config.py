"""`crank config`: print the project's canonical model, as `docker compose config` does."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from crank_cli.cli.context import global_options, json_errors, load_project, resolve_engine


def register(app: typer.Typer) -> None:
    app.command("config")(config)


def config(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(metavar="[SERVICE]...", help="Show only these services and the services they depend on.")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", help="Output format: yaml or json.", metavar="FORMAT")] = "yaml",
    list_services: Annotated[bool, typer.Option("--services", help="Print the service names, one per line.")] = False,
    list_volumes: Annotated[bool, typer.Option("--volumes", help="Print the volume names, one per line.")] = False,
    list_profiles: Annotated[bool, typer.Option("--profiles", help="Print the profile names, one per line.")] = False,
    list_images: Annotated[bool, typer.Option("--images", help="Print each service's image, one line per service, sorted.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only check the project; print nothing.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Print what the chosen engine supports, emulates or cannot do of the keys the project uses.")] = False,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Print the model without what normalization adds: the default network, resource names, dependencies implied by links and service: namespaces, the default Dockerfile, and build arguments taken from the environment.")] = False,
    variables: Annotated[bool, typer.Option("--variables", help="Print the variables the compose files use: whether each is required, its default and its alternate value.")] = False,
    no_interpolate: Annotated[bool, typer.Option("--no-interpolate", help="Print the merged model with ${VAR} and $$ left as written, every profile's services, and keys sorted, as docker compose does; goes only with --format, --services and -q.")] = False,
) -> None:
    """Check the compose files and print the project as one canonical compose file.

    With --check, print the capability report for the chosen engine instead.
    """
    from crank_cli.compose.config_text import model_to_json, model_to_yaml
    from crank_cli.compose.config_views import image_names, profile_names, select_with_dependencies, service_order
    from crank_cli.errors import UsageError

    if output_format not in ("yaml", "json"):
        raise UsageError(f"invalid --format {output_format!r}: use yaml or json")
    if variables:
        _print_variables(ctx, output_format, other_options=[list_services, list_volumes, list_profiles, list_images,
                                                            quiet, check, no_interpolate, bool(services)])
        return
    if no_interpolate:
        _print_raw_model(ctx, output_format, list_services=list_services, quiet=quiet, normalize=not no_normalize,
                         other_options=[list_volumes, list_profiles, list_images, check, bool(services)])
        return
    selected = tuple(services or ())
    with json_errors(output_format == "json"):
        project = load_project(ctx, selected, normalize=not no_normalize)
        if selected:
            # Imported only when services are named, because the module also loads the container spec code.
            from crank_cli.operations.up import require_services

            require_services(project, selected)
        model = select_with_dependencies(project.model, selected) if selected else project.model
        if check:
            _print_capabilities(ctx, project, model, as_json=output_format == "json")
            return
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


def _print_raw_model(ctx: typer.Context, output_format: str, *, list_services: bool, quiet: bool, normalize: bool,
                     other_options: list[bool]) -> None:
    """Print the model of `config --no-interpolate`, or its service names."""
    from crank_cli.compose.config_text import raw_model_to_json, raw_model_to_yaml
    from crank_cli.compose.raw_model import load_raw_model
    from crank_cli.errors import UsageError

    if any(other_options):
        raise UsageError("--no-interpolate goes only with --format, --services and -q, and without SERVICE names")
    with json_errors(output_format == "json"):
        model = load_raw_model(global_options(ctx).load_options(())._replace(normalize=normalize))
    if quiet:
        return
    if list_services:
        _write_lines(sorted(model.get("services") or {}))
    elif output_format == "json":
        sys.stdout.write(raw_model_to_json(model))
    else:
        sys.stdout.write(raw_model_to_yaml(model))


def _print_variables(ctx: typer.Context, output_format: str, *, other_options: list[bool]) -> None:
    """Print the variables of `config --variables`, as a table or, with --format json, as docker compose's object."""
    from crank_cli import render
    from crank_cli.compose.environment import locate_project
    from crank_cli.compose.layers import read_documents
    from crank_cli.compose.variables import model_variables
    from crank_cli.errors import UsageError

    if any(other_options):
        raise UsageError("--variables goes only with --format, and without SERVICE names")
    with json_errors(output_format == "json"):
        files, _, _ = locate_project(global_options(ctx).load_options(()))
        found = model_variables([read_documents(path) for path in files])
    ordered = [found[name] for name in sorted(found)]
    if output_format == "json":
        render.print_json({variable.name: {"Name": variable.name, "DefaultValue": variable.default,
                                           "PresenceValue": variable.alternate, "Required": variable.required}
                           for variable in ordered})
        return
    rows = [[variable.name, str(variable.required).lower(), variable.default, variable.alternate] for variable in ordered]
    render.print_table(None, ["NAME", "REQUIRED", "DEFAULT VALUE", "ALTERNATE VALUE"], rows)


def _write_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def _print_capabilities(ctx: typer.Context, project, model, *, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    """Print each key the engine emulates or cannot honour; exit 0 either way."""
    from crank_cli import render
    from crank_cli.operations import preflight

    engine = resolve_engine(ctx, project=project.name)
    found = preflight.findings(project, engine.backend, engine.info, model["services"])
    if as_json:
        findings = [finding._asdict() for finding in found]
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "engine": engine.info.name,
                           "version": engine.info.version, "findings": findings})
        return
    rows = [[finding.level, finding.key, finding.message] for finding in found]
    render.print_table(f"capabilities on {engine.info.name} {engine.info.version}", ["LEVEL", "KEY", "WHAT CRANK DOES"], rows)
    if not found:
        render.info(f"every key the project uses is supported on {engine.info.name}")
