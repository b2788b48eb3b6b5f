"""Load compose files into the canonical model, step by step as the reference does.

Per file: parse the YAML, substitute variables, apply `!reset`/`!override`, bring the
services into canonical form, then merge over the files before. On the merged model:
select services by profile, resolve paths and service environments, add defaults and
names, check references, and drop the networks and volumes no service uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli.compose import environment, normalize
from crank_cli.compose.interpolation import interpolate_tree
from crank_cli.compose.merge import extract_tags, merge_values, remove_path
from crank_cli.compose.naming import check_explicit_name, normalize_project_name
from crank_cli.compose.problems import invalid_file
from crank_cli.compose.profiles import select_services
from crank_cli.compose.project_checks import (
    check_dependency_cycles,
    check_references,
    check_resource_limits,
    check_top_level,
)
from crank_cli.compose.service_environment import resolve_service_environment
from crank_cli.compose.model_output import render_model
from crank_cli.compose.schema import SERVICE, TOP_LEVEL_RESOURCES, legacy_external
from crank_cli.compose.where import Where, describe
from crank_cli.compose.yaml_reader import load_documents
from crank_cli.errors import InvalidProjectError

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions, Project


def load(options: LoadOptions) -> Project:
    """Load the project that `options` describe; raise InvalidProjectError when it is invalid."""
    from crank_cli.compose import Project

    files = environment.compose_files(options)
    directory = environment.resolve_project_directory(options, files)
    variables = environment.resolve_variables(options, directory)
    documents = [(path, _read_documents(path)) for path in files]
    name = _project_name(options, variables, documents)
    variables.setdefault("COMPOSE_PROJECT_NAME", name)
    model = _merge_files(documents, variables)
    model = _finish_model(model, name, directory, variables, options, files[0])
    return Project(name=name, working_dir=directory, files=files, model=model)


def _read_documents(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise invalid_file(path, "compose file not found: check the -f value or COMPOSE_FILE") from None
    except OSError as error:
        raise invalid_file(path, f"cannot read compose file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise invalid_file(path, "invalid compose file: it is not UTF-8 text") from None
    documents = [document for document in load_documents(text.removeprefix("\ufeff"), path) if document is not None]
    for document in documents:
        if not isinstance(document, dict):
            raise invalid_file(path, f"the top level must be a mapping, not {describe(document)}")
    return documents


def _project_name(options: LoadOptions, variables: dict[str, str], documents: list[tuple[Path, list[dict[str, Any]]]]) -> str:
    if options.project_name:
        return check_explicit_name(options.project_name, "-p/--project-name")
    from_variable = variables.get("COMPOSE_PROJECT_NAME")
    if from_variable:
        return check_explicit_name(from_variable, "COMPOSE_PROJECT_NAME")
    declared = ""
    for path, file_documents in documents:
        for document in file_documents:
            if isinstance(document.get("name"), str) and document["name"]:
                where = Where(path, "name")
                declared = interpolate_tree(document["name"], variables.get, "name", lambda _, problem: where.fail(problem))
    name = normalize_project_name(declared)
    if not name:
        name = normalize_project_name(environment.resolve_project_directory(options).name)
    if not name:
        raise InvalidProjectError("project name must not be empty: pass -p or add name: to the compose file")
    return name


def _merge_files(documents: list[tuple[Path, list[dict[str, Any]]]], variables: dict[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path, file_documents in documents:
        for document in file_documents:
            layer = _canonical_layer(document, path, variables)
            layer, resets, overrides = extract_tags(layer)
            for key_path in (*resets, *overrides):
                remove_path(merged, key_path)
            merged = merge_values(merged, _canonical_file(layer, path))
    if not merged:
        raise invalid_file(documents[0][0] if documents else "compose file", "empty compose file: define at least one service")
    return merged


def _canonical_layer(document: dict[str, Any], path: Path, variables: dict[str, str]) -> dict[str, Any]:
    def on_error(key_path: str, problem: str) -> Exception:
        return Where(path, key_path).fail(problem)

    layer = interpolate_tree(document, variables.get, "", on_error)
    check_top_level(layer, Where(path))
    return layer


def _canonical_file(layer: dict[str, Any], path: Path) -> dict[str, Any]:
    """Check one file's services and top-level resources and bring them into canonical form."""
    result = dict(layer)
    where = Where(path)
    services = layer.get("services")
    if services is not None:
        here = where.child("services")
        result["services"] = {
            str(name): SERVICE.convert(service or {}, here.child(str(name)))
            for name, service in here.expect_mapping(services).items()
        }
    for kind, structure in TOP_LEVEL_RESOURCES.items():
        resources = layer.get(kind)
        if resources is None:
            continue
        here = where.child(kind)
        result[kind] = {
            str(key): structure.convert(legacy_external(resource or {}), here.child(str(key)))
            for key, resource in here.expect_mapping(resources).items()
        }
    return result


def _finish_model(
    model: dict[str, Any], name: str, directory: Path, variables: dict[str, str], options: LoadOptions, main_file: Path
) -> dict[str, Any]:
    model.pop("version", None)
    model.pop("include", None)
    model["name"] = name
    all_services = model.get("services") or {}
    services = select_services(all_services, options, variables)
    disabled = frozenset(all_services) - frozenset(services)
    for service_name, service in services.items():
        normalize.resolve_service_paths(service, directory, variables)
        resolve_service_environment(service, variables, Where(main_file, f"services.{service_name}"))
        normalize.apply_service_defaults(service)
        normalize.add_implicit_dependencies(service)
        check_resource_limits(service, Where(main_file, f"services.{service_name}"))
    model["services"] = services
    normalize.add_default_network(model)
    normalize.name_resources(model, name)
    normalize.resolve_resource_paths(model, directory, variables)
    check_references(model, Where(main_file), disabled)
    check_dependency_cycles(services, Where(main_file))
    normalize.drop_unused_resources(model)
    return render_model(model)

