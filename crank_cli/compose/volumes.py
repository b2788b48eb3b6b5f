"""Turn a service's `volumes` entries into the long syntax the reference prints.

The short syntax is `[source:]target[:options]`. A source that starts with `.`, `/` or `~`
(or a Windows drive such as `c:`) is a host path. It makes a bind mount that creates the
host path when it is missing. Any other source names a volume. The options are a comma-separated list
of `ro`, `rw`, `nocopy`, `z`, `Z` and the bind propagations; unknown options are ignored,
as the reference ignores them.
"""

from __future__ import annotations

from typing import Any

from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

_PROPAGATIONS = ("rprivate", "private", "rshared", "shared", "rslave", "slave")
_SELINUX = ("z", "Z")
_LONG_KEYS = ("type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image")


def canonical_volumes(value: Any, where: Where) -> list[dict[str, Any]]:
    """Return every entry of a service's `volumes` in long syntax."""
    result = []
    for index, entry in enumerate(where.expect_list(value)):
        here = where.child(index)
        if isinstance(entry, str):
            result.append(parse_volume_spec(entry, here))
        elif isinstance(entry, dict):
            result.append(_long_volume(entry, here))
        else:
            raise here.fail(f"invalid volume {describe(entry)}: use \"source:target[:options]\" or a mapping")
    return result


def _long_volume(entry: dict[str, Any], where: Where) -> dict[str, Any]:
    if "target" not in entry and entry.get("type") != "npipe":
        raise where.fail('a volume mapping needs "target": add the path inside the container')
    volume_type = entry.get("type")
    if volume_type not in ("volume", "bind", "tmpfs", "npipe", "cluster", "image"):
        raise where.child("type").fail(
            f"invalid volume type {describe(volume_type)}: use volume, bind, tmpfs, npipe, cluster or image"
        )
    result = {key: entry[key] for key in _LONG_KEYS if key in entry and entry[key] is not None}
    for key in entry:
        if key not in _LONG_KEYS and not key.startswith("x-"):
            raise where.fail(f"unknown key {quote(key)} in a volume mapping")
    return result


def parse_volume_spec(spec: str, where: Where) -> dict[str, Any]:
    """Parse one short-syntax volume, such as `./data:/data:ro`."""
    if not spec:
        raise where.fail("invalid volume \"\": give at least the target path")
    if len(spec) <= 2:
        # The reference takes a spec this short as an anonymous volume without parsing it.
        return {"type": "volume", "target": spec}
    fields = _split_fields(spec, where)
    volume: dict[str, Any] = {}
    if len(fields) == 1:
        volume["target"] = fields[0]
    else:
        volume["source"], volume["target"] = fields[0], fields[1]
    options = fields[2].split(",") if len(fields) == 3 else []
    return _with_type(volume, options)


def _split_fields(spec: str, where: Where) -> list[str]:
    """Split at colons, keeping a Windows drive letter (`c:`) with its path."""
    fields: list[str] = []
    buffer = ""
    for char in spec:
        if char == ":" and len(buffer) == 1 and buffer.isalpha():
            buffer += char
        elif char == ":":
            fields.append(_field(buffer, spec, where))
            buffer = ""
        else:
            buffer += char
    fields.append(_field(buffer, spec, where))
    if len(fields) > 3:
        raise where.fail(f"invalid volume {quote(spec)}: too many colons")
    return fields


def _field(buffer: str, spec: str, where: Where) -> str:
    if not buffer:
        raise where.fail(f"invalid volume {quote(spec)}: empty section between colons")
    return buffer


def _with_type(volume: dict[str, Any], options: list[str]) -> dict[str, Any]:
    source = volume.get("source", "")
    is_bind = is_host_path(source)
    result: dict[str, Any] = {"type": "bind" if is_bind else "volume", **volume}
    bind: dict[str, Any] = {}
    nested_volume: dict[str, Any] = {}
    for option in options:
        if option == "ro":
            result["read_only"] = True
        elif option == "rw":
            result.pop("read_only", None)
        elif option == "nocopy":
            nested_volume["nocopy"] = True
        elif option in _PROPAGATIONS:
            bind["propagation"] = option
        elif option in _SELINUX:
            bind["selinux"] = option
    if is_bind:
        result["bind"] = {**bind, "create_host_path": True}
    else:
        if bind:
            result["bind"] = bind
        result["volume"] = nested_volume
    return result


def is_host_path(source: str) -> bool:
    """Return whether a short-syntax source is a host path rather than a volume name."""
    if not source:
        return False
    if source[0] in "./~" or source.startswith("\\\\"):
        return True
    return len(source) > 1 and source[0].isalpha() and source[1] == ":"
