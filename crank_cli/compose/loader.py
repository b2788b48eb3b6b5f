"""Load compose files into the canonical model, step by step as the reference does.

Per file: parse the YAML, substitute variables, take out `!reset`/`!override`, bring the
content into canonical form, resolve `extends` and `include`, then merge over the files
before. On the merged model: select services by profile, resolve paths and service
environments, add defaults and names, check references, and drop the networks and volumes
no service uses.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from crank_cli.compose import environment, normalize
from crank_cli.compose.interpolation import collect_unset_variables
from crank_cli.compose.layers import make_layer, read_documents
from crank_cli.compose.merge import enforce_unicity, merge_values, remove_path
from crank_cli.compose.model_output import render_model
from crank_cli.compose.naming import choose_project_name, declared_name
from crank_cli.compose.problems import invalid_file, quote
from crank_cli.compose.profiles import add_required_dependencies, select_services
from crank_cli.compose.project_checks import (
    check_container_name,
    check_dependency_cycles,
    check_external_resources,
    check_references,
    check_resource_limits,
)
from crank_cli.compose.service_environment import resolve_service_environment
from crank_cli.compose.where import Where
from crank_cli.errors import InvalidProjectError

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions, Project

Documents = list[tuple[Path, list[dict[str, Any]]]]


def load(options: LoadOptions) -> Project:
    """Load the project that `options` describe, with a warning for each unset variable.

    Raise InvalidProjectError when the project is invalid, with the warnings found until then.
    """
    with collect_unset_variables() as unset_names:
        try:
            project = _load(options)
        except InvalidProjectError as error:
            error.warnings = tuple(_unset_variable_warning(name) for name in unset_names)
            raise
    return project._replace(warnings=tuple(_unset_variable_warning(name) for name in unset_names))


def _unset_variable_warning(name: str) -> str:
    return f"the {quote(name)} variable is not set, so it was replaced by a blank string; set it, or write $$ for a literal $"


def _load(options: LoadOptions) -> Project:
    from crank_cli.compose import Project

    files, directory, variables = environment.locate_project(options)
    documents = [(path, read_documents(path)) for path in files]
    name = choose_project_name(options.project_name, variables, lambda: declared_name(documents, variables), directory)
    variables.setdefault("COMPOSE_PROJECT_NAME", name)
    model = merge_documents(documents, variables, directory, [])
    if not model:
        raise invalid_file(files[0], "empty compose file: define at least one service")
    profiles = tuple(
        profile for service in (model.get("services") or {}).values() for profile in service.get("profiles") or []
    )
    defined = tuple(model.get("services") or {})
    declared_models = model.get("models") or {}
    model = _finish_model(model, name, directory, variables, options, files[0])
    disabled = tuple(sorted(set(defined) - set(model.get("services") or {})))
    return Project(name=name, working_dir=directory, files=files, model=model, all_profiles=profiles,
                   disabled_services=disabled, variables=MappingProxyType(variables),
                   ai_models=MappingProxyType(_used_models(model, declared_models)))


def _used_models(model: dict[str, Any], declared: dict[str, Any]) -> dict[str, Any]:
    """Return the declared top-level models that an enabled service refers to, by key."""
    used = {key for service in (model.get("services") or {}).values() for key in service.get("models") or {}}
    return {key: declared[key] for key in sorted(used) if key in declared}


def merge_files(paths: list[Path], variables: dict[str, str], directory: Path, chain: list[Path]) -> dict[str, Any]:
    """Read and merge compose files; `chain` lists the files that include them, for cycles."""
    return merge_documents([(path, read_documents(path)) for path in paths], variables, directory, chain)


def merge_documents(documents: Documents, variables: dict[str, str], directory: Path, chain: list[Path]) -> dict[str, Any]:
    """Merge parsed compose documents in order, each after its extends and includes."""
    merged: dict[str, Any] = {}
    for path, file_documents in documents:
        for document in file_documents:
            layer = make_layer(document, path, variables)
            # The extends and include code is imported only for files that use them.
            services = layer.content.get("services") or {}
            if any(isinstance(service, dict) and "extends" in service for service in services.values()):
                from crank_cli.compose.extends import apply_extends

                apply_extends(layer, variables, directory)
            if "include" in layer.content:
                from crank_cli.compose.include import apply_include

                apply_include(layer, directory, variables, chain, merge_files)
            for key_path in layer.tagged_paths:
                remove_path(merged, key_path)
            merged = enforce_unicity(merge_values(merged, layer.content))
    return merged


def _finish_model(
    model: dict[str, Any], name: str, directory: Path, variables: dict[str, str], options: LoadOptions, main_file: Path
) -> dict[str, Any]:
    model.pop("version", None)
    model["name"] = name
    all_services = model.get("services") or {}
    services = select_services(all_services, options, variables)
    if options.enable_required_dependencies:
        services = add_required_dependencies(services, all_services)
    disabled = {name: service.get("profiles") or [] for name, service in all_services.items() if name not in services}
    for service_name, service in services.items():
        where = Where(main_file, f"services.{service_name}")
        if options.resolve_paths:
            normalize.resolve_service_paths(service, directory, variables)
        resolve_service_environment(service, variables, where, directory, resolve_build_args=options.normalize,
                                    fold_env_files=options.resolve_env_files)
        if options.normalize:
            normalize.apply_service_defaults(service)
            normalize.add_implicit_dependencies(service)
        else:
            normalize.apply_typed_defaults(service)
        if options.check_consistency:
            check_resource_limits(service, where)
            check_container_name(service, where)
    model["services"] = services
    if options.normalize:
        normalize.add_default_network(model)
        normalize.name_resources(model, name)
    if options.resolve_paths:
        normalize.resolve_resource_paths(model, directory, variables)
    if options.check_consistency:
        check_references(model, Where(main_file), disabled)
        check_external_resources(model, Where(main_file))
        check_dependency_cycles(services, Where(main_file))
    normalize.drop_unused_resources(model)
    return render_model(model)
