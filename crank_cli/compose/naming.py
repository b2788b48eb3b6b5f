"""Choose the project name the way docker compose does.

Order: `-p`, then `COMPOSE_PROJECT_NAME` (process environment or env files), then the
top-level `name:` of the compose files (the last file that sets it), then the project
directory's name. An explicit name must already be valid; `name:` and the directory name
are normalized: lowercased, reduced to `[a-z0-9_-]`, leading `_` and `-` removed.
"""

from __future__ import annotations

import re

from crank_cli.errors import InvalidProjectError
from crank_cli.compose.problems import quote

_INVALID_CHARACTERS = re.compile(r"[^a-z0-9_-]")


def normalize_project_name(name: str) -> str:
    """Return `name` lowercased, without characters a project name cannot have."""
    return _INVALID_CHARACTERS.sub("", name.lower()).lstrip("_-")


def check_explicit_name(name: str, origin: str) -> str:
    """Return a name given with -p or COMPOSE_PROJECT_NAME, or raise when it is invalid."""
    if normalize_project_name(name) != name or not name:
        message = (
            f"invalid project name {quote(name)} from {origin}: use only lowercase letters, digits,"
            " '-' and '_', starting with a letter or a digit"
        )
        raise InvalidProjectError(message)
    return name
