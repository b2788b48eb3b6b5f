"""Find the compose files, the project directory and the variables used for interpolation.

The precedence follows docker compose v2: the process environment wins over `--env-file`
files, which replace the project's `.env`. Later `--env-file` files win over earlier ones,
and a file can refer to variables set by the files before it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from crank_cli.compose.dotenv import DotenvError, parse_dotenv
from crank_cli.compose.problems import invalid_file
from crank_cli.errors import ProjectNotFoundError

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions

# Search order of docker compose v2.40: the first name found wins, and so does the first
# override name found, whichever main file was chosen.
DEFAULT_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)


def read_env_file(path: Path, lookup: Mapping[str, str]) -> dict[str, str]:
    """Parse one env file; `lookup` supplies variables its values may refer to."""
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise invalid_file(path, f"cannot read env file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise invalid_file(path, "invalid env file: it is not UTF-8 text") from None
    try:
        return parse_dotenv(text, lookup.get)
    except DotenvError as error:
        raise invalid_file(path, f"invalid env file: {error}") from None


def merge_env_files(paths: tuple[Path, ...], environ: Mapping[str, str]) -> dict[str, str]:
    """Read env files in order; each one may refer to the process environment and the files before it."""
    merged: dict[str, str] = {}
    for path in paths:
        lookup = {**merged, **environ}
        merged.update(read_env_file(path, lookup))
    return merged


def _absolute(path: Path, base: Path) -> Path:
    return Path(os.path.normpath(base / path.expanduser()))


def _explicit_directory(options: LoadOptions) -> Path | None:
    if options.project_directory is None:
        return None
    return _absolute(options.project_directory, options.working_dir)


def _env_file_paths(options: LoadOptions, directory: Path) -> tuple[Path, ...]:
    """Return the env files to read: the `--env-file` values, else `.env` when it exists."""
    if options.env_files:
        paths = tuple(_absolute(path, options.working_dir) for path in options.env_files)
        for path in paths:
            if not path.is_file():
                raise invalid_file(str(path), "env file not found: check the --env-file value")
        return paths
    dotenv = directory / ".env"
    return (dotenv,) if dotenv.is_file() else ()


def _variables_in(options: LoadOptions, directory: Path) -> dict[str, str]:
    # docker compose treats the working directory as PWD when the environment has none.
    environ = {"PWD": str(options.working_dir), **options.environ}
    from_files = merge_env_files(_env_file_paths(options, directory), environ)
    return {**from_files, **environ}


def compose_files(options: LoadOptions) -> tuple[Path, ...]:
    """Return the compose files to load, as absolute paths, in merge order."""
    files, _ = _compose_files_and_variables(options)
    return files


def _compose_files_and_variables(options: LoadOptions) -> tuple[tuple[Path, ...], tuple[Path, dict[str, str]] | None]:
    """Return the compose files, and the folder and variables read to find them, if any were read."""
    if options.files:
        return tuple(_compose_path(path, options.working_dir) for path in options.files), None
    start = _explicit_directory(options) or options.working_dir
    variables = _variables_in(options, start)
    from_variable = variables.get("COMPOSE_FILE")
    if from_variable:
        separator = variables.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        names = [name for name in from_variable.split(separator) if name]
        return tuple(_absolute(Path(name), options.working_dir) for name in names), (start, variables)
    return _find_default_files(start), (start, variables)


def locate_project(options: LoadOptions) -> tuple[tuple[Path, ...], Path, dict[str, str]]:
    """Return the compose files, the project directory and the interpolation variables.

    The result is what `compose_files`, `resolve_project_directory` and `resolve_variables`
    return in turn, but the env files are read once when the compose files were found
    from the project directory. The caller may change the returned variables.
    """
    files, found_with = _compose_files_and_variables(options)
    directory = resolve_project_directory(options, files)
    if found_with is not None:
        start, variables = found_with
        # --env-file paths do not depend on the folder, but .env is read from it.
        if start == directory or options.env_files:
            return files, directory, variables
    return files, directory, _variables_in(options, directory)


def resolve_project_variables(options: LoadOptions) -> dict[str, str]:
    """Return the interpolation variables, looking for the compose files only when needed.

    With --project-directory the variables come from that folder, whether or not it has a
    compose file. Otherwise the folder is the first compose file's folder.
    """
    explicit = _explicit_directory(options)
    if explicit is not None:
        return _variables_in(options, explicit)
    _, _, variables = locate_project(options)
    return variables


# `-f -` reads the compose file from standard input. It is handled as a file named "-" in the
# working folder, so relative paths in it resolve against that folder, as the reference does.
# Its text is read once and kept here, because the loader may read a file more than once.
STDIN_NAME = "-"
_stdin_texts: dict[Path, str | None] = {}


def _compose_path(value: Path, working_dir: Path) -> Path:
    path = _absolute(value, working_dir)
    if str(value) == STDIN_NAME:
        _stdin_texts.setdefault(path, None)
    return path


def display_name(path: Path) -> str:
    """Return how a compose file is named to people: `-` for standard input, else its path."""
    return STDIN_NAME if path in _stdin_texts else str(path)


def _read_stdin(path: Path) -> str:
    text = _stdin_texts.get(path)
    if text is None:
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError:
            raise invalid_file(STDIN_NAME, "invalid compose file on standard input: it is not UTF-8 text") from None
        _stdin_texts[path] = text
    return text


def read_compose_text(path: Path) -> str:
    """Return the text of a compose file; raise InvalidProjectError when it cannot be read."""
    if path in _stdin_texts:
        return _read_stdin(path)
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        # A str keeps the absolute path, as the reference names it. `invalid_file` would
        # shorten a Path below the current folder, to `x/a.yaml` for `-f /tmp/x/a.yaml` in /tmp.
        raise invalid_file(str(path), "compose file not found: check the -f value or COMPOSE_FILE") from None
    except IsADirectoryError:
        raise invalid_file(path, "is a directory, not a compose file") from None
    except OSError as error:
        raise invalid_file(path, f"cannot read compose file: {error.strerror}") from None
    except UnicodeDecodeError:
        raise invalid_file(path, "invalid compose file: it is not UTF-8 text") from None


def _find_default_files(start: Path) -> tuple[Path, ...]:
    """Find `compose.yaml` or one of its other names in `start` or the nearest parent."""
    for directory in (start, *start.parents):
        for name in DEFAULT_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return (candidate, *_override_beside(candidate))
    names = ", ".join(DEFAULT_FILE_NAMES)
    message = f"no compose file found in {start} or its parents: add one of {names}, or pass -f"
    raise ProjectNotFoundError(message)


def _override_beside(main: Path) -> tuple[Path, ...]:
    for name in OVERRIDE_FILE_NAMES:
        candidate = main.parent / name
        if candidate.is_file():
            return (candidate,)
    return ()


def resolve_project_directory(options: LoadOptions, files: tuple[Path, ...] | None = None) -> Path:
    """Return the project directory: --project-directory, else the first compose file's folder."""
    explicit = _explicit_directory(options)
    if explicit is not None:
        return explicit
    found = files if files is not None else compose_files(options)
    return found[0].parent if found else options.working_dir


def resolve_variables(options: LoadOptions, directory: Path) -> dict[str, str]:
    """Return the interpolation variables: the process environment over the env files."""
    return _variables_in(options, directory)
