"""Load compose files into the canonical model that `docker compose config` prints.

This module stays light to import: the YAML parser and the loader are imported only when a
project is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple


class LoadOptions(NamedTuple):
    """The command-line options and environment that choose which project to load, and how."""

    working_dir: Path
    environ: Mapping[str, str]
    files: tuple[Path, ...] = ()
    project_name: str | None = None
    project_directory: Path | None = None
    env_files: tuple[Path, ...] = ()
    profiles: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    normalize: bool = True
    """False leaves out what compose-go's normalization adds, as `config --no-normalize` does."""
    resolve_paths: bool = True
    """False keeps relative paths as written, as `config --no-path-resolution` does."""
    resolve_env_files: bool = True
    """False keeps `env_file` in the model and leaves its values out of `environment`."""
    check_consistency: bool = True
    """False skips the checks that the services' references and limits agree, as `config --no-consistency` does."""
    enable_required_dependencies: bool = False
    """True also enables each disabled service that an enabled one requires, directly or through others.

    The verbs that act on existing containers set it, because `up --profile P` created the
    containers of such a dependency. `down`, `stop` or `logs` without the profile then act on
    them too, where `up`, `run` and `config` reject the project.
    """


class Project(NamedTuple):
    """A loaded compose project.

    `model` is the canonical model as `docker compose config --format json` prints it, with
    one difference: a literal `$` is stored once, where `config` prints it as `$$`
    (`crank_cli.compose.config_text.model_to_json` prints it the reference's way).
    """

    name: str
    working_dir: Path
    files: tuple[Path, ...]
    model: dict[str, Any]
    all_profiles: tuple[str, ...] = ()
    """The profiles of every service, including those no active profile enables."""
    disabled_services: tuple[str, ...] = ()
    """The services that the compose files define but no active profile enables, by name."""
    warnings: tuple[str, ...] = ()
    """Warnings for stderr about problems that do not stop the load, such as an unset variable."""
    variables: Mapping[str, str] = MappingProxyType({})
    """The interpolation variables, which are the process environment over `.env` or the `--env-file` files.

    Secrets and configs with an `environment` source read their values here, as docker compose does.
    """
    ai_models: Mapping[str, Any] = MappingProxyType({})
    """The top-level `models` that the enabled services use, by key, as written after interpolation."""

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        """The enabled services, by name, in canonical form."""
        return dict(self.model.get("services") or {})

    @property
    def volumes(self) -> dict[str, dict[str, Any]]:
        """The top-level volumes that the services use, by key."""
        return dict(self.model.get("volumes") or {})

    @property
    def networks(self) -> dict[str, dict[str, Any]]:
        """The top-level networks that the services use, by key."""
        return dict(self.model.get("networks") or {})


def load_project(options: LoadOptions) -> Project:
    """Load, merge and normalize the project's compose files; raise InvalidProjectError if invalid."""
    from crank_cli.compose.loader import load

    return load(options)


def project_directory(options: LoadOptions) -> Path:
    """Return the project directory, where `.env` is read from, without loading the files."""
    from crank_cli.compose.environment import resolve_project_directory

    return resolve_project_directory(options)


def project_variables(options: LoadOptions) -> dict[str, str]:
    """Return the interpolation variables: the process environment over `--env-file` or `.env`."""
    from crank_cli.compose.environment import resolve_project_variables

    return resolve_project_variables(options)


def project_name(options: LoadOptions) -> str:
    """Return the project's name by the rules of `load_project`, without building the model.

    Raises ProjectNotFoundError when no compose file is found, and InvalidProjectError when a
    compose file cannot be read or the name is invalid. The files are parsed only when the
    name comes from a `name:` key, so errors in them that `load_project` raises may not show.
    """
    from crank_cli.compose.naming import resolve_project_name

    return resolve_project_name(options)


__all__ = ["LoadOptions", "Project", "load_project", "project_directory", "project_name", "project_variables"]
