"""Choose the project name the way docker compose does.

Order: `-p`, then `COMPOSE_PROJECT_NAME` (process environment or env files), then the
top-level `name:` of the compose files (the last file that sets it), then the project
directory's name. An explicit name must already be valid; `name:` and the directory name
are normalized: lowercased, reduced to `[a-z0-9_-]`, leading `_` and `-` removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crank_cli.compose.interpolation import interpolate_tree
from crank_cli.compose.problems import quote
from crank_cli.compose.where import Where
from crank_cli.errors import InvalidProjectError

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions

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


def choose_project_name(
    explicit: str | None, variables: Mapping[str, str], declared: Callable[[], str], directory: Path
) -> str:
    """Return the project name by the order above; `declared` returns the files' `name:`.

    `declared` is called only when neither -p nor COMPOSE_PROJECT_NAME sets the name.
    """
    if explicit:
        return check_explicit_name(explicit, "-p/--project-name")
    from_variable = variables.get("COMPOSE_PROJECT_NAME")
    if from_variable:
        return check_explicit_name(from_variable, "COMPOSE_PROJECT_NAME")
    name = normalize_project_name(declared())
    if not name:
        name = normalize_project_name(directory.name)
    if not name:
        raise InvalidProjectError("project name must not be empty: pass -p or add name: to the compose file")
    return name


def declared_name(documents: list[tuple[Path, list[dict[str, Any]]]], variables: Mapping[str, str]) -> str:
    """Return the interpolated top-level `name:` of the last document that sets it, or ""."""
    declared = ""
    for path, file_documents in documents:
        for document in file_documents:
            if isinstance(document.get("name"), str) and document["name"]:
                where = Where(path, "name")
                declared = interpolate_tree(
                    document["name"], variables.get, "name", lambda _, problem, where=where: where.fail(problem)
                )
    return declared


def resolve_project_name(options: LoadOptions) -> str:
    """Return the project name as `load_project` chooses it, without building the model.

    The files are read, but parsed only when the name comes from them and their text may
    declare one. Their content is not checked, so a project whose files `load_project`
    rejects may still get a name here.
    """
    from crank_cli.compose import environment

    files, directory, variables = environment.locate_project(options)
    texts = [(path, environment.read_compose_text(path)) for path in files]

    def declared() -> str:
        candidates = [(path, text) for path, text in texts if may_declare_name(text)]
        if not candidates:
            return ""
        from crank_cli.compose.layers import parse_documents

        return declared_name([(path, parse_documents(text, path)) for path, text in candidates], variables)

    return choose_project_name(options.project_name, variables, declared, directory)


# The patterns below are compiled on first use, and `re` keeps them, so loading a project
# does not compile them.
# The line breaks of YAML 1.1, which libyaml follows: LF, CR, CRLF, NEL, LS and PS.
_LINE_BREAK = "\r\n|[\r\n\x85\u2028\u2029]"
# Plain top-level keys other than `name`, up to the `:` that ends the key.
_OTHER_ROOT_KEY = r"(?:services|networks|volumes|configs|secrets|include|version|models|x-[^\s:]*)[ \t]*:(?:[ \t]|$)"


def may_declare_name(text: str) -> bool:
    """Return False only when no YAML document of `text` can have a top-level `name` key.

    Every top-level key of a block mapping starts a line at the indentation of the
    document's first line that is not blank or a comment. When each such line starts with
    another plain key, there is no `name`. Anything else, such as a quoted key, a merge key (`<<`), a flow mapping, a tag,
    an anchor or a directive, returns True, so the caller parses the file.
    """
    root_indent: int | None = None
    # No line starts with a line break, so no line is skipped before the root is known.
    nested = "\n"
    text = text.removeprefix("\ufeff")
    only_newlines = not any(character in text for character in "\r\x85\u2028\u2029")
    lines = text.split("\n") if only_newlines else re.split(_LINE_BREAK, text)
    other_root_key = re.compile(_OTHER_ROOT_KEY)
    for line in lines:
        if line.startswith(nested):
            continue
        content = line.lstrip(" ")
        if not content.strip(" \t") or content.startswith("#"):
            continue
        if line.startswith(("---", "...")) and line[3:4] in ("", " ", "\t"):
            rest = line[3:].strip(" \t")
            if rest and not rest.startswith("#"):
                return True
            root_indent = None
            nested = "\n"
            continue
        indent = len(line) - len(content)
        if root_indent is None:
            root_indent = indent
            # A line indented deeper than the root is inside a value.
            nested = " " * (indent + 1)
        if indent <= root_indent and not other_root_key.match(content):
            return True
    return False
