"""Bring the fields of one service into the canonical form, one compose file at a time.

Each file is made canonical before the files are merged, so that the list and mapping forms
of a field merge the same way and an error can name the file it comes from.
"""

from __future__ import annotations

from typing import Any

from crank_cli.compose.scalars import format_scalar
from crank_cli.compose.shell_words import ShellWordsError, split_words
from crank_cli.compose.where import Where, describe


def mapping_of_strings(value: Any, where: Where, *, bare_value: str | None = None) -> dict[str, str | None]:
    """Return a `KEY=value` list or a mapping as a mapping of strings.

    A list entry without `=` maps to `bare_value`; a mapping value of null stays null.
    """
    if isinstance(value, list):
        result: dict[str, str | None] = {}
        for index, item in enumerate(value):
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                raise where.child(index).fail(f"must be a string such as KEY=value, not {describe(item)}")
            key, separator, text = format_scalar(item).partition("=")
            result[key] = text if separator else bare_value
        return result
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if isinstance(item, (list, dict)):
                raise where.child(key).fail(f"must be a string, a number, a boolean or null, not {describe(item)}")
            result[str(key)] = None if item is None else format_scalar(item)
        return result
    raise where.fail(f"must be a mapping or a list of KEY=value strings, not {describe(value)}")


def shell_command(value: Any, where: Where) -> list[str] | None:
    """Return `command` or `entrypoint` as a list; a string is split into words as a shell does."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return split_words(value)
        except ShellWordsError as error:
            raise where.fail(f"invalid command {value!r}: {error}") from None
    if isinstance(value, list):
        return [where.child(index).expect_string(item) for index, item in enumerate(value)]
    raise where.fail(f"must be a string or a list of strings, not {describe(value)}")


def _list_string(item: Any, where: Where) -> str:
    if isinstance(item, (dict, list)) or item is None:
        raise where.fail(f"must be a string, not {describe(item)}")
    return format_scalar(item)


def string_list(value: Any, where: Where) -> list[str]:
    """Return a string or a list of strings as a list of strings."""
    if isinstance(value, str):
        return [value]
    return [_list_string(item, where.child(index)) for index, item in enumerate(where.expect_list(value))]


def depends_on(value: Any, where: Where) -> dict[str, dict[str, Any]]:
    """Return `depends_on` as a mapping of service name to condition, required and restart."""
    if isinstance(value, list):
        names = [where.child(index).expect_string(item) for index, item in enumerate(value)]
        return {name: {"condition": "service_started", "required": True} for name in names}
    result: dict[str, dict[str, Any]] = {}
    for name, entry in where.expect_mapping(value).items():
        here = where.child(name)
        entry = {} if entry is None else here.expect_mapping(entry)
        result[name] = _dependency(entry, here)
    return result


_CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


def _dependency(entry: dict[str, Any], where: Where) -> dict[str, Any]:
    condition = entry.get("condition", "service_started")
    if condition not in _CONDITIONS:
        raise where.child("condition").fail(f"invalid condition {describe(condition)}: use one of {', '.join(_CONDITIONS)}")
    dependency: dict[str, Any] = {"condition": condition}
    if "restart" in entry:
        dependency["restart"] = _boolean(entry["restart"], where.child("restart"))
    dependency["required"] = _boolean(entry.get("required", True), where.child("required"))
    for key in entry:
        if key not in ("condition", "restart", "required") and not key.startswith("x-"):
            raise where.fail(f"unknown key {key!r}: use condition, required or restart")
    return dependency


def _boolean(value: Any, where: Where) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise where.fail(f"must be true or false, not {describe(value)}")


def service_networks(value: Any, where: Where) -> dict[str, Any]:
    """Return a service's `networks` as a mapping of network name to its options or null."""
    if isinstance(value, list):
        return {where.child(index).expect_string(name): None for index, name in enumerate(value)}
    return dict(where.expect_mapping(value))


def build(value: Any, where: Where) -> dict[str, Any]:
    """Return `build` as a mapping; a string is the context."""
    if isinstance(value, str):
        return {"context": value}
    result = dict(where.expect_mapping(value))
    for key in ("args", "labels"):
        if key in result and result[key] is not None:
            result[key] = mapping_of_strings(result[key], where.child(key))
    return result


def env_files(value: Any, where: Where) -> list[dict[str, Any]]:
    """Return `env_file` as a list of `{path, required}` mappings."""
    entries = [value] if isinstance(value, str) else where.expect_list(value)
    result = []
    for index, entry in enumerate(entries):
        here = where.child(index)
        if isinstance(entry, str):
            result.append({"path": entry, "required": True})
            continue
        entry = here.expect_mapping(entry)
        if "path" not in entry:
            raise here.fail('an env_file entry needs "path"')
        item = {"path": here.child("path").expect_string(entry["path"]), "required": _boolean(entry.get("required", True), here.child("required"))}
        if "format" in entry:
            item["format"] = entry["format"]
        result.append(item)
    return result


def healthcheck(value: Any, where: Where) -> dict[str, Any]:
    """Return `healthcheck` with a string `test` turned into `["CMD-SHELL", test]`."""
    result = dict(where.expect_mapping(value))
    test = result.get("test")
    if isinstance(test, str):
        result["test"] = ["CMD-SHELL", test]
    elif test is not None:
        result["test"] = string_list(test, where.child("test"))
    return result


def extends(value: Any, where: Where) -> dict[str, Any]:
    """Return `extends` as a mapping; a string names a service of the same file."""
    if isinstance(value, str):
        return {"service": value}
    return dict(where.expect_mapping(value))
