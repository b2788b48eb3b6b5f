"""Merge compose files that are already in canonical form, with the reference's rules.

Mappings merge key by key and a later scalar replaces an earlier one. Lists are appended,
then made unique where the specification requires it: ports by address, volumes by target,
and so on. A later entry takes the place of an earlier one with the same key. `command`,
`entrypoint` and `healthcheck.test` are replaced whole. A null value in a later file keeps
the earlier value. To remove the earlier value, the later file tags its value `!reset`. To
replace a mapping or list instead of merging into it, it tags the value `!override`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from crank_cli.compose.tags import Override, Reset

KeyPath = tuple[str, ...]

_REPLACED = ("services.*.command", "services.*.entrypoint", "services.*.healthcheck.test")
# Mappings that the reference merges as KEY=value lists, so that a later null wins.
_LATER_WINS = (
    "services.*.environment",
    "services.*.labels",
    "services.*.annotations",
    "services.*.sysctls",
    "services.*.build.args",
    "services.*.build.labels",
    "services.*.build.additional_contexts",
    "services.*.deploy.labels",
    "networks.*.labels",
    "volumes.*.labels",
)


def _volume_key(entry: Any) -> str:
    return str(entry.get("target", "")) if isinstance(entry, dict) else str(entry)


def _port_key(entry: Any) -> str:
    if not isinstance(entry, dict):
        return str(entry)
    host_ip = entry.get("host_ip") or "0.0.0.0"  # noqa: S104 - the reference's key for "any address"
    return f"{host_ip}:{entry.get('published', '')}:{entry.get('target')}/{entry.get('protocol', 'tcp')}"


def _mount_key(default_dir: str) -> Callable[[Any], str]:
    def key(entry: Any) -> str:
        if not isinstance(entry, dict):
            return f"{default_dir}/{entry}" if default_dir else str(entry)
        target = entry.get("target")
        if target:
            return str(target)
        source = entry.get("source", "")
        return f"{default_dir}/{source}" if default_dir else f"/{source}"

    return key


def _plain_key(entry: Any) -> str:
    return repr(entry)


def _env_file_key(entry: Any) -> str:
    return str(entry.get("path")) if isinstance(entry, dict) else str(entry)


_UNIQUE: dict[str, Callable[[Any], str]] = {
    "services.*.ports": _port_key,
    "services.*.volumes": _volume_key,
    "services.*.secrets": _mount_key("/run/secrets"),
    "services.*.configs": _mount_key(""),
    "services.*.env_file": _env_file_key,
    "services.*.cap_add": _plain_key,
    "services.*.cap_drop": _plain_key,
    "services.*.dns": _plain_key,
    "services.*.dns_opt": _plain_key,
    "services.*.dns_search": _plain_key,
    "services.*.expose": _plain_key,
    "services.*.links": _plain_key,
    "services.*.profiles": _plain_key,
    "services.*.tmpfs": _plain_key,
    "services.*.build.tags": _plain_key,
    "services.*.build.platforms": _plain_key,
    "services.*.networks.*.aliases": _plain_key,
    "services.*.networks.*.link_local_ips": _plain_key,
}


# The types of the immutable values of a parsed tree, which the tree walks below handle
# without a call of their own.
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})

PatternTable = dict[int, list[tuple[str, list[str]]]]


def _pattern_table(patterns: Iterable[str]) -> PatternTable:
    """Group key path patterns by their number of keys, each split at its `*` wildcards."""
    table: PatternTable = {}
    for pattern in patterns:
        table.setdefault(pattern.count(".") + 1, []).append((pattern, pattern.split("*")))
    return table


_REPLACED_TABLE = _pattern_table(_REPLACED)
_LATER_WINS_TABLE = _pattern_table(_LATER_WINS)
_UNIQUE_TABLE = _pattern_table(_UNIQUE)
_LOGGING_TABLE = _pattern_table(("services.*.logging",))


def _matches(path: KeyPath, table: PatternTable) -> str | None:
    """Return the first pattern of `table`, in the order given, that matches `path`.

    A pattern matches a key path with as many keys when it matches the dotted path as an
    `fnmatch` pattern does, where `*` stands for any text, dots included.
    """
    candidates = table.get(len(path))
    if not candidates:
        return None
    dotted = ".".join(path)
    for pattern, parts in candidates:
        if _wildcard_match(dotted, parts):
            return pattern
    return None


def _wildcard_match(text: str, parts: list[str]) -> bool:
    """Return whether `text` is `parts` joined with any text in place of each `*`."""
    if len(parts) == 1:
        return text == parts[0]
    first, *middle, last = parts
    end = len(text) - len(last)
    if end < len(first) or not text.startswith(first) or not text.endswith(last):
        return False
    # Taking the leftmost occurrence of each middle part never rules out a match.
    position = len(first)
    for part in middle:
        found = text.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


def _copy_tree(value: Any) -> Any:
    """Return a deep copy of a parsed compose tree, faster than `copy.deepcopy`.

    Dicts and lists are copied and immutable scalars are shared. Unlike `copy.deepcopy`,
    this copies a dict or list that appears twice in `value` twice. That is safe because
    the loader's trees share only values that it never changes in place.
    """
    if isinstance(value, dict):
        return {key: item if item.__class__ in _SCALAR_TYPES else _copy_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [item if item.__class__ in _SCALAR_TYPES else _copy_tree(item) for item in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return copy.deepcopy(value)


def merge_values(base: Any, other: Any, path: KeyPath = ()) -> Any:
    """Return `other` merged over `base`; neither argument is changed."""
    if other is None:
        return _copy_tree(base)
    if _matches(path, _REPLACED_TABLE):
        return _copy_tree(other)
    if isinstance(base, dict) and isinstance(other, dict):
        if _matches(path, _LOGGING_TABLE) and _drivers_differ(base, other):
            return _copy_tree(other)
        return _merge_mappings(base, other, path)
    if isinstance(base, list) and isinstance(other, list):
        return unique_entries(_copy_tree(base) + _copy_tree(other), path)
    return _copy_tree(other)


def _drivers_differ(base: dict[str, Any], other: dict[str, Any]) -> bool:
    """Return whether two logging settings name different drivers, so options do not mix."""
    return "driver" in base and "driver" in other and base["driver"] != other["driver"]


def merges_as_key_value_list(path: KeyPath) -> bool:
    """Tell whether the reference merges the mapping at `path` as a list of KEY=value, such as `environment`."""
    return _matches(path, _LATER_WINS_TABLE) is not None


def _merge_mappings(base: dict[str, Any], other: dict[str, Any], path: KeyPath) -> dict[str, Any]:
    later_wins = merges_as_key_value_list(path)
    merged = _copy_tree(base)
    for key, value in other.items():
        if key not in merged or later_wins or key.startswith("x-"):
            merged[key] = _copy_tree(value)
        else:
            merged[key] = merge_values(merged[key], value, (*path, key))
    return merged


def unique_entries(entries: list[Any], path: KeyPath) -> list[Any]:
    """Return the entries without those that a later entry with the same key replaces.

    The later entry takes the place of the first one with its key.
    """
    pattern = _matches(path, _UNIQUE_TABLE)
    if pattern is None:
        return entries
    key_of = _UNIQUE[pattern]
    result: list[Any] = []
    positions: dict[str, int] = {}
    for entry in entries:
        key = key_of(entry)
        if key in positions:
            result[positions[key]] = entry
        else:
            positions[key] = len(result)
            result.append(entry)
    return result


def extract_tags(value: Any, path: KeyPath = ()) -> tuple[Any, list[KeyPath], list[KeyPath]]:
    """Remove `!reset` values and unwrap `!override` ones.

    Returns the cleaned tree, the key paths that were reset and those that were overridden.
    """
    resets: list[KeyPath] = []
    overrides: list[KeyPath] = []

    def walk(node: Any, where: KeyPath) -> Any:
        if isinstance(node, dict):
            cleaned = {}
            for key, item in node.items():
                if item.__class__ in _SCALAR_TYPES:
                    cleaned[key] = item
                    continue
                if isinstance(item, Reset):
                    resets.append((*where, key))
                    continue
                if isinstance(item, Override):
                    overrides.append((*where, key))
                    item = item.value
                cleaned[key] = walk(item, (*where, key))
            return cleaned
        if isinstance(node, list):
            return [walk(item.value if isinstance(item, (Reset, Override)) else item, where) for item in node]
        return node

    return walk(value, path), resets, overrides


def remove_path(tree: dict[str, Any], path: KeyPath) -> None:
    """Delete the value at a key path, if there is one."""
    node: Any = tree
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        node.pop(path[-1], None)


_UNIQUE_DEPTH = max(_UNIQUE_TABLE)


def enforce_unicity(value: Any, path: KeyPath = ()) -> Any:
    """Return the tree with duplicate entries removed from the lists that must be unique.

    Every pattern in `_UNIQUE` starts with `services.` and has at most `_UNIQUE_DEPTH`
    keys, and no other top-level key starts with `services.`. So only that part of the
    tree is copied, and the result shares the other subtrees with `value`.
    """
    if isinstance(value, dict):
        if len(path) >= _UNIQUE_DEPTH or path[:1] not in ((), ("services",)):
            return value
        return {
            key: item if item.__class__ in _SCALAR_TYPES else enforce_unicity(item, (*path, key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return unique_entries(value, path)
    return value
