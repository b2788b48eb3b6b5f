"""Build the one-line `InvalidProjectError` messages of the compose loader.

A message names the file, then the key path inside it, then the problem and the fix:
`compose.yaml: services.web.ports[1]: invalid port "80:80:80:80"`.
"""

from __future__ import annotations

from pathlib import Path

from crank_cli.errors import InvalidProjectError


def quote(value: object) -> str:
    """Return a value in double quotes for a message, with control characters escaped."""
    import json  # only messages need it, so loading a valid project does not import it

    return json.dumps(str(value), ensure_ascii=False)


def display_path(path: Path | str) -> str:
    """Return the path relative to the current directory when it is below it."""
    if isinstance(path, str):
        return path
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def invalid_file(source: Path | str, problem: str) -> InvalidProjectError:
    """Return the error for a problem with a whole file or a position in it."""
    return InvalidProjectError(f"{display_path(source)}: {problem}")


def invalid_key(source: Path | str, key_path: str, problem: str) -> InvalidProjectError:
    """Return the error for a problem with the value at `key_path` in a compose file."""
    if not key_path:
        return invalid_file(source, problem)
    return InvalidProjectError(f"{display_path(source)}: {key_path}: {problem}")


def join_key(parent: str, key: str | int) -> str:
    """Return the key path of a child: `services.web` and `ports` give `services.web.ports`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key
