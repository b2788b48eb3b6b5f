"""Resolve a service's environment: its `env_file` values under its `environment` entries.

Env files are read in order, each able to refer to the variables of the files before it
and to the project's variables. An `environment` entry without a value takes the project
variable of the same name, and stays null when there is none. As `docker compose config`
does, `env_file` is dropped once its values are in `environment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crank_cli.compose.dotenv import DotenvError, parse_dotenv, parse_raw_env
from crank_cli.compose.where import Where


def resolve_service_environment(service: dict[str, Any], variables: Mapping[str, str], where: Where,
                                directory: Path, *, resolve_build_args: bool = True, fold_env_files: bool = True) -> None:
    """Fold `env_file` into `environment` and resolve bare keys, in place.

    A relative env file or label file path is read from `directory`. Without
    `resolve_build_args`, build arguments keep their written null values, as compose-go leaves
    them when it does not normalize the model. Without `fold_env_files`, `env_file` stays in
    the model unread, as compose-go keeps it when it does not resolve the service environment.
    """
    from_files: dict[str, str | None] = {}
    env_files = (service.pop("env_file", None) or []) if fold_env_files else []
    for index, env_file in enumerate(env_files):
        here = where.child("env_file").child(index)
        from_files.update(_read_env_file(env_file, directory, from_files, variables, here))
    declared = service.get("environment") or {}
    resolved = {key: (variables.get(key) if value is None else value) for key, value in declared.items()}
    environment = {**from_files, **resolved}
    if environment:
        service["environment"] = dict(sorted(environment.items()))
    else:
        service.pop("environment", None)
    _read_label_files(service, directory, where)
    build = service.get("build")
    if resolve_build_args and isinstance(build, dict) and build.get("args"):
        args = {key: (variables.get(key) if value is None else value) for key, value in build["args"].items()}
        build["args"] = {key: value for key, value in args.items() if value is not None}


def _read_env_file(
    env_file: dict[str, Any], directory: Path, earlier: Mapping[str, str | None], variables: Mapping[str, str], where: Where
) -> dict[str, str | None]:
    path = directory / env_file["path"]
    if not path.is_file():
        if env_file.get("required", True):
            raise where.fail(f"env file {path} not found: create it or set required: false")
        return {}
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise where.fail(f"cannot read env file {path}: {error}") from None

    def lookup(name: str) -> str | None:
        value = earlier.get(name)
        return value if value is not None else variables.get(name)

    try:
        if env_file.get("format") == "raw":
            return dict(parse_raw_env(text, variables.get))
        return dict(parse_dotenv(text, lookup))
    except DotenvError as error:
        raise where.fail(f"invalid env file {path}: {error}") from None


def _read_label_files(service: dict[str, Any], directory: Path, where: Where) -> None:
    """Fold `label_file` into `labels`, the service's own labels winning, and drop it."""
    from_files: dict[str, str] = {}
    for index, name in enumerate(service.pop("label_file", None) or []):
        path = directory / name
        here = where.child("label_file").child(index)
        if not path.is_file():
            raise here.fail(f"label file {path} not found: create it or remove it from label_file")
        try:
            from_files.update(parse_dotenv(path.read_bytes().decode("utf-8")))
        except (OSError, UnicodeDecodeError, DotenvError) as error:
            raise here.fail(f"invalid label file {path}: {error}") from None
    if from_files:
        service["labels"] = {**from_files, **(service.get("labels") or {})}
