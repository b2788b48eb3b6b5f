"""`crank config`: print the project's canonical model, as `docker compose config` does."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from crank_cli.cli import completion_values as complete
from crank_cli.cli.context import global_options, json_errors, load_project, resolve_engine

if TYPE_CHECKING:
    from crank_cli.compose import Project


def register(app: typer.Typer) -> None:
    app.command("config")(config)


def config(
    ctx: typer.Context,
    services: Annotated[Optional[list[str]], typer.Argument(autocompletion=complete.services, metavar="[SERVICE]...", help="Show only these services and the services they depend on.")] = None,  # noqa: UP045
    output_format: Annotated[str, typer.Option("--format", autocompletion=complete.config_formats, help="Output format: yaml or json.", metavar="FORMAT")] = "yaml",
    list_services: Annotated[bool, typer.Option("--services", help="Print the service names, one per line.")] = False,
    list_volumes: Annotated[bool, typer.Option("--volumes", help="Print the volume names, one per line.")] = False,
    list_profiles: Annotated[bool, typer.Option("--profiles", help="Print the profile names, one per line.")] = False,
    list_images: Annotated[bool, typer.Option("--images", help="Print each service's image, one line per service, sorted.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only check the project; print nothing.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Print what the chosen engine supports, emulates or cannot do of the keys the project uses.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="With --check, exit with code 3 when the report lists a key, as up --strict would stop.")] = False,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Print the model without what normalization adds: the default network, resource names, dependencies implied by links and service: namespaces, the default Dockerfile, and build arguments taken from the environment.")] = False,
    variables: Annotated[bool, typer.Option("--variables", help="Print the variables the compose files use: whether each is required, its default and its alternate value.")] = False,
    no_interpolate: Annotated[bool, typer.Option("--no-interpolate", help="Print the merged model with ${VAR} and $$ left as written, every profile's services, and keys sorted, as docker compose does; goes only with --format, --services and -q.")] = False,
    list_networks: Annotated[bool, typer.Option("--networks", help="Print the network names, one per line.")] = False,
    list_models: Annotated[bool, typer.Option("--models", help="Print the model (`models:` key `model`) of each top-level model that a service uses, one per line.")] = False,
    hash_services: Annotated[Optional[str], typer.Option("--hash", metavar="SERVICES", help="Print `SERVICE HASH` lines with docker compose's config hash, for SERVICES separated by commas, or * for all.")] = None,  # noqa: UP045
    output: Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write the output to FILE instead of standard output.")] = None,  # noqa: UP045
    no_path_resolution: Annotated[bool, typer.Option("--no-path-resolution", help="Keep relative paths as written instead of making them absolute.")] = False,
    no_env_resolution: Annotated[bool, typer.Option("--no-env-resolution", help="Keep env_file in the model instead of reading its variables into environment.")] = False,
    no_consistency: Annotated[bool, typer.Option("--no-consistency", help="Skip the checks that the services' references and limits agree, such as undefined networks, volumes or services.")] = False,
    environment_names: Annotated[bool, typer.Option("--environment", help="Print the names of the variables used for interpolation, one per line, without their values.")] = False,
    resolve_image_digests: Annotated[bool, typer.Option("--resolve-image-digests", hidden=True)] = False,
    lock_image_digests: Annotated[bool, typer.Option("--lock-image-digests", hidden=True)] = False,
) -> None:
    """Check the compose files and print the project as one canonical compose file.

    With --check, print the capability report for the chosen engine instead.
    """
    from crank_cli.errors import UsageError

    if output_format not in ("yaml", "json"):
        raise UsageError(f"invalid --format {output_format!r}: use yaml or json")
    if resolve_image_digests or lock_image_digests:
        flag = "--resolve-image-digests" if resolve_image_digests else "--lock-image-digests"
        raise UsageError(f"{flag} is not supported: it reads each image's digest from its registry, and crank "
                         f"contacts no registry; pin digests in the compose file instead (image: NAME@sha256:DIGEST)")
    if output is not None and (variables or check):
        raise UsageError("-o/--output does not go with --variables or --check: redirect standard output instead")
    if strict and not check:
        raise UsageError("--strict goes with --check: crank config --check --strict")
    sink = _Sink(output)
    if variables:
        _print_variables(ctx, output_format, other_options=[list_services, list_volumes, list_profiles, list_images,
                                                            quiet, check, no_interpolate, bool(services)])
        return
    if no_interpolate:
        _print_raw_model(ctx, output_format, sink, list_services=list_services, quiet=quiet, normalize=not no_normalize,
                         other_options=[list_volumes, list_profiles, list_images, check, bool(services),
                                        list_networks, list_models, hash_services is not None, environment_names,
                                        no_path_resolution, no_env_resolution, no_consistency])
        return
    switches = {"normalize": not no_normalize, "resolve_paths": not no_path_resolution,
                "check_consistency": not no_consistency}
    if hash_services is not None:
        with json_errors(output_format == "json"):
            _print_hashes(ctx, hash_services, switches, sink, quiet=quiet)
        return
    # docker compose 2.40.3 reads no env file for --networks and --models, so a missing one is no error there.
    _print_model(ctx, tuple(services or ()), output_format, sink, switches,
                 resolve_env_files=not (no_env_resolution or list_networks or list_models), quiet=quiet, check=check,
                 strict=strict, lists={"services": list_services, "volumes": list_volumes, "networks": list_networks,
                        "models": list_models, "profiles": list_profiles, "images": list_images,
                        "environment": environment_names})


def _print_model(ctx: typer.Context, selected: tuple[str, ...], output_format: str, sink: _Sink,
                 switches: dict[str, bool], *, resolve_env_files: bool, quiet: bool, check: bool,
                 lists: dict[str, bool], strict: bool = False) -> None:
    """Print the canonical model, one of its lists, or the capability report."""
    from crank_cli.compose.config_text import model_to_json, model_to_yaml
    from crank_cli.compose.config_views import select_with_dependencies

    with json_errors(output_format == "json"):
        project = load_project(ctx, selected, resolve_env_files=resolve_env_files, **switches)
        if selected:
            # Imported only when services are named, because the module also loads the container spec code.
            from crank_cli.operations.up import require_services

            require_services(project, selected)
        model = select_with_dependencies(project.model, selected) if selected else project.model
        if check:
            _print_capabilities(ctx, project, model, as_json=output_format == "json", strict=strict)
            return
    if quiet:
        return
    chosen = [name for name, wanted in lists.items() if wanted]
    if chosen:
        sink.write_lines(_list_lines(chosen[0], project, model))
    elif output_format == "json":
        sink.write(model_to_json(model))
    else:
        sink.write(model_to_yaml(model))


def _list_lines(kind: str, project: Project, model: dict[str, Any]) -> list[str]:
    """Return the lines of one list option, named by `kind` (services, volumes, networks...)."""
    from crank_cli.compose.config_views import image_names, model_names, profile_names, service_order

    if kind == "services":
        return service_order(model)
    if kind in ("volumes", "networks"):
        return sorted(model.get(kind) or {})
    if kind == "models":
        return model_names(project.ai_models)
    if kind == "profiles":
        return profile_names(project.all_profiles)
    if kind == "images":
        return image_names(model)
    # NOTE: docker compose prints NAME=value for each variable, which shows secrets, so crank prints the names only.
    return sorted(project.variables)


def _print_hashes(ctx: typer.Context, spec: str, switches: dict[str, bool], sink: _Sink, *, quiet: bool) -> None:
    """Print `SERVICE HASH` lines for the services that `spec` names, or for all with `*`."""
    from crank_cli.compose.service_hash import reference_service_hash
    from crank_cli.operations.up import require_services

    # The reference hashes the services loaded without reading their env files.
    project = load_project(ctx, resolve_env_files=False, **switches)
    services = project.model["services"]
    names = sorted(services) if spec == "*" else sorted(name.strip() for name in spec.split(","))
    require_services(project, names)
    if not quiet:
        sink.write_lines([f"{name} {reference_service_hash(services[name], project.variables)}" for name in names])


class _Sink:
    """Standard output, or the file that -o/--output names."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def write_lines(self, lines: list[str]) -> None:
        self.write("".join(f"{line}\n" for line in lines))

    def write(self, text: str) -> None:
        from crank_cli.errors import UsageError

        if self.path is None:
            sys.stdout.write(text)
            return
        try:
            self.path.write_text(text, encoding="utf-8")
        except OSError as error:
            reason = error.strerror or str(error)
            raise UsageError(f"cannot write the output to {self.path}: {reason}; choose a writable path with -o") from None


def _print_raw_model(ctx: typer.Context, output_format: str, sink: _Sink, *, list_services: bool, quiet: bool,
                     normalize: bool, other_options: list[bool]) -> None:
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
        sink.write_lines(sorted(model.get("services") or {}))
    elif output_format == "json":
        sink.write(raw_model_to_json(model))
    else:
        sink.write(raw_model_to_yaml(model))


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


def _print_capabilities(ctx: typer.Context, project, model, *, as_json: bool, strict: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Print each key the engine emulates or cannot honour. With `strict`, a key listed makes crank exit with code 3."""
    from crank_cli import render
    from crank_cli.errors import Exit, ExitCode
    from crank_cli.operations import preflight

    engine = resolve_engine(ctx, project=project.name)
    found = preflight.findings(project, engine.backend, engine.info, model["services"])
    if as_json:
        findings = [finding._asdict() for finding in found]
        render.print_json({"schema": render.JSON_SCHEMA_VERSION, "engine": engine.info.name,
                           "version": engine.info.version, "findings": findings})
        # The report stays the only JSON document on stdout, so the exit code carries the result.
        if strict and found:
            raise Exit(ExitCode.INVALID_PROJECT)
        return
    rows = [[finding.level, finding.key, finding.message] for finding in found]
    render.print_table(f"capabilities on {engine.info.name} {engine.info.version}", ["LEVEL", "KEY", "WHAT CRANK DOES"], rows)
    if not found:
        render.info(f"every key the project uses is supported on {engine.info.name}")
    preflight.reject_if_strict(found, engine.info.name, strict=strict)
