"""Read compose YAML the way the reference does (Go's yaml.v3), not the way PyYAML does by default.

PyYAML follows YAML 1.1, where `yes`, `on` and `off` are booleans and `1_000` is a string.
The reference follows YAML 1.2's core schema with yaml.v3's additions: only `true`/`false`
in three spellings are booleans, underscores are dropped from numbers, and `0755` is octal.
Duplicate keys are an error, and the compose tags `!reset` and `!override` mark values for
the merge of several files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from crank_cli.compose.problems import invalid_file, quote
from crank_cli.compose.scalars import format_scalar
from crank_cli.compose.tags import Override, Reset

try:  # The C parser is about ten times faster; the resolvers below still run in Python.
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


_INT = re.compile(r"[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {
    **{s: math.inf for s in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{s: -math.inf for s in ("-.inf", "-.Inf", "-.INF")},
    **{s: math.nan for s in (".nan", ".NaN", ".NAN")},
}
_NUMBER_START = list("-+.0123456789")
_MAX_INT64 = 2**63 - 1


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Key tags that `flatten_mapping` rewrites: merge keys (`<<`) and PyYAML's `!!value` (`=`).
_FLATTENED_KEY_TAGS = (_MERGE_TAG, "tag:yaml.org,2002:value")


class _ComposeLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader with yaml.v3's scalar rules and compose's tags."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """Return a node's tag as `BaseResolver.resolve` does.

        The parser calls this for every node, so a plain scalar whose first character
        starts no implicit type returns after one lookup. This loader registers no path
        resolvers, so the base method's code for them is left out.
        """
        if kind is yaml.ScalarNode:
            if implicit[0]:
                resolvers = self.yaml_implicit_resolvers
                candidates = resolvers.get(value[:1], ())
                wildcards = resolvers.get(None, ())
                for tag, pattern in (*candidates, *wildcards) if wildcards else candidates:
                    if pattern.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


def _resolve(tag: str, pattern: str, first: list[str]) -> None:
    _ComposeLoader.add_implicit_resolver(tag, re.compile(pattern), first)


_resolve("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
_resolve("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF"))
_resolve("tag:yaml.org,2002:float", r"^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$", ["-", "+", "."])
_resolve(
    "tag:yaml.org,2002:timestamp",
    r"^\d{4}-\d{1,2}-\d{1,2}(?:[Tt ]\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:Z|[-+]\d{1,2}(?::\d{2})?)?)?$",
    list("0123456789"),
)
# Numbers: the constructor below decides between int, float and string, as yaml.v3 does.
_resolve("tag:yaml.org,2002:int", r"^[-+]?[0-9._][0-9a-fA-FxXoObB_.eE+-]*$", _NUMBER_START)
_resolve("tag:yaml.org,2002:merge", r"^<<$", ["<"])


def _parse_number(text: str) -> int | float | str:
    """Return the number yaml.v3 reads from a plain scalar, or the text when it is not a number."""
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    plain = text.replace("_", "")
    if _INT.fullmatch(plain):
        value = _parse_int(plain)
        if value is not None:
            return value
    if _FLOAT.fullmatch(plain):
        return float(plain)
    return text


def _parse_int(plain: str) -> int | None:
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    prefix = digits[:2].lower()
    bases = {"0b": 2, "0o": 8, "0x": 16}
    if prefix in bases:
        value = int(digits[2:], bases[prefix])
    elif len(digits) > 1 and digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    value *= sign
    if value > 2**64 - 1 or value < -(2**63):
        return None
    return value


def _construct_number(loader: _ComposeLoader, node: yaml.ScalarNode) -> int | float | str:
    text = loader.construct_scalar(node)
    return _parse_number(str(text))


def _construct_float(loader: _ComposeLoader, node: yaml.ScalarNode) -> float | int | str:
    text = str(loader.construct_scalar(node))
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    return _parse_number(text)


def _is_plain_string(node: yaml.Node) -> bool:
    """Return whether `construct_object` would return the node's text as it is."""
    return node.tag == _STR_TAG and node.__class__ is yaml.ScalarNode


def _flatten_merges(loader: _ComposeLoader, node: yaml.MappingNode) -> None:
    """Apply the `<<` merges of a mapping node, and report a value that cannot be merged at its `<<` key.

    PyYAML reports such a value where it was defined, which for an alias is the anchor,
    often far from the merge at fault.
    """
    merges = [(key_node, value_node) for key_node, value_node in node.value if key_node.tag == _MERGE_TAG]
    try:
        loader.flatten_mapping(node)
    except yaml.constructor.ConstructorError:
        key_node = next((key for key, value in merges if not _is_mergeable(value)), None)
        if key_node is None:
            raise
        problem = "the value of the merge key << must be a mapping or a list of mappings"
        raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark) from None


def _is_mergeable(node: yaml.Node) -> bool:
    if isinstance(node, yaml.SequenceNode):
        return all(isinstance(item, yaml.MappingNode) for item in node.value)
    return isinstance(node, yaml.MappingNode)


def _construct_mapping(loader: _ComposeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    merged_count = 0
    if any(key_node.tag in _FLATTENED_KEY_TAGS for key_node, _ in node.value):
        own_count = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
        _flatten_merges(loader, node)
        merged_count = len(node.value) - own_count
    mapping: dict[Any, Any] = {}
    own_keys: set[Any] = set()
    # A string node is read directly. `construct_object` returns the same text, after
    # bookkeeping for anchors and recursion that a string does not need.
    for position, (key_node, value_node) in enumerate(node.value):
        key = key_node.value if _is_plain_string(key_node) else _construct_key(loader, key_node)
        # Keys from `<<` merges come first; the mapping's own keys may replace them, not repeat.
        if position >= merged_count:
            if key in own_keys:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {quote(key)} already defined", key_node.start_mark
                )
            own_keys.add(key)
        if _is_plain_string(value_node):
            mapping[key] = value_node.value
        else:
            mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_key(loader: _ComposeLoader, key_node: yaml.Node) -> str:
    key = loader.construct_object(key_node, deep=True)
    if not isinstance(key, (str, int, float, bool)) and key is not None:
        raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar", key_node.start_mark)
    if not isinstance(key, str):
        raise yaml.constructor.ConstructorError(
            None, None, f"non-string key {quote(format_scalar(key))}: put the key in quotes", key_node.start_mark
        )
    return key


def _construct_sequence(loader: _ComposeLoader, node: yaml.Node) -> Iterator[list[Any]]:
    """Construct a list as `SafeConstructor.construct_yaml_seq` does, strings taken directly."""
    data: list[Any] = []
    yield data
    if not isinstance(node, yaml.SequenceNode):
        data.extend(loader.construct_sequence(node))  # raises the constructor's error
        return
    data.extend(child.value if _is_plain_string(child) else loader.construct_object(child) for child in node.value)


def _construct_tagged(wrapper: type[Reset] | type[Override]) -> Any:
    def construct(loader: _ComposeLoader, node: yaml.Node) -> Reset | Override:
        if isinstance(node, yaml.MappingNode):
            return wrapper(_construct_mapping(loader, node))
        if isinstance(node, yaml.SequenceNode):
            return wrapper(loader.construct_sequence(node, deep=True))
        return wrapper(_construct_plain_scalar(loader, node))

    return construct


def _construct_plain_scalar(loader: _ComposeLoader, node: yaml.ScalarNode) -> Any:
    """Construct a tagged scalar as if it had no tag, so `!reset null` is None."""
    text = str(loader.construct_scalar(node))
    if node.style:
        return text
    tag = loader.resolve(yaml.ScalarNode, text, (True, False))
    return loader.construct_object(yaml.ScalarNode(tag, text, node.start_mark, node.end_mark))


def _construct_binary_as_text(loader: _ComposeLoader, node: yaml.ScalarNode) -> str:
    """Decode a `!!binary` scalar to text, as the reference does for a string field."""
    data = yaml.constructor.SafeConstructor.construct_yaml_binary(loader, node)
    return data.decode("utf-8", errors="replace")


def _reject_timestamp(loader: _ComposeLoader, node: yaml.ScalarNode) -> str:
    """Reject an unquoted date: yaml.v3 reads it as a time, which no compose field accepts."""
    text = str(loader.construct_scalar(node))
    raise yaml.constructor.ConstructorError(None, None, f"unquoted date {quote(text)}: put it in quotes", node.start_mark)


_ComposeLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)
_ComposeLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_ComposeLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_ComposeLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_ComposeLoader.add_constructor("tag:yaml.org,2002:timestamp", _reject_timestamp)
_ComposeLoader.add_constructor("tag:yaml.org,2002:binary", _construct_binary_as_text)
_ComposeLoader.add_constructor("!reset", _construct_tagged(Reset))
_ComposeLoader.add_constructor("!override", _construct_tagged(Override))


def load_documents(text: str, source: Path | str) -> list[Any]:
    """Parse every YAML document of a compose file; raise InvalidProjectError with the position."""
    try:
        return list(yaml.load_all(text, Loader=_ComposeLoader))  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        raise invalid_file(source, _describe_yaml_error(error, text)) from None
    except yaml.YAMLError as error:
        raise invalid_file(source, f"invalid YAML: {error}") from None
    except (RecursionError, ValueError, OverflowError) as error:
        raise invalid_file(source, f"invalid YAML: {error}") from None


def _describe_yaml_error(error: yaml.MarkedYAMLError, text: str) -> str:
    mark = error.problem_mark or error.context_mark
    problem = " ".join(part for part in (error.context, error.problem) if part)
    if mark is None:
        return f"invalid YAML: {problem}"
    if _is_indenting_tab(text, mark.line, mark.column):
        problem = "a tab is used for indentation, and YAML allows only spaces there: replace it with spaces"
    return f"line {mark.line + 1}, column {mark.column + 1}: invalid YAML: {problem}"


def _is_indenting_tab(text: str, line: int, column: int) -> bool:
    """Return whether a position (counted from 0) is a tab among the blanks that start its line."""
    # The line breaks YAML 1.1 counts, which differ from those of str.splitlines.
    lines = re.split("\r\n|[\n\r\x85\u2028\u2029]", text)
    if line >= len(lines) or column >= len(lines[line]):
        return False
    return lines[line][column] == "\t" and lines[line][:column].strip(" \t") == ""
