"""Write a project model as `docker compose config` prints it, in JSON or YAML.

Both forms double every `$`, so that the output can be loaded again as a compose file
without a second interpolation. The JSON form is the one the reference prints byte for byte:
two-space indent, `<`, `>` and `&` escaped as Go's encoder escapes them, and no final line
break. The YAML form has the content and key order of the reference's YAML output, which
leaves out some empty values that its JSON prints (see `yaml_content`), and strings that need
quotes get double quotes, as from Go's yaml package.
"""

from __future__ import annotations

import json
from typing import Any

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
# Plain strings that YAML 1.1 reads as booleans and PyYAML's resolver does not know.
_OLD_BOOLEAN_LETTERS = frozenset({"y", "Y", "n", "N"})
_YAML_TOP_LEVEL_ORDER = ("name", "services", "networks", "volumes", "secrets", "configs", "models")


def escape_dollars(value: Any) -> Any:
    """Return a copy of a model with every `$` in keys and strings doubled."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {escape_dollars(key): escape_dollars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_dollars(item) for item in value]
    return value


def model_to_json(model: dict[str, Any]) -> str:
    """Return the model as the reference's `config --format json` prints it."""
    return escape_like_go(json.dumps(escape_dollars(model), indent=2, ensure_ascii=False))


def escape_like_go(text: str) -> str:
    """Return JSON text with the characters escaped that Go's encoder escapes and Python's does not."""
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def raw_model_to_json(model: dict[str, Any]) -> str:
    """Return a `config --no-interpolate` model as the reference prints it: keys sorted, `$` as written."""
    return escape_like_go(json.dumps(model, indent=2, ensure_ascii=False, sort_keys=True))


def raw_model_to_yaml(model: dict[str, Any]) -> str:
    """Return a `config --no-interpolate` model as YAML with sorted keys and `$` as written."""
    import yaml

    return yaml.dump(model, Dumper=_go_like_dumper(), sort_keys=True, allow_unicode=True, default_flow_style=False,
                     indent=2, width=1_000_000)


def model_to_yaml(model: dict[str, Any]) -> str:
    """Return the model as YAML, top-level keys in the reference's YAML order."""
    import yaml

    escaped = escape_dollars(yaml_content(model))
    ordered = {key: escaped[key] for key in _YAML_TOP_LEVEL_ORDER if key in escaped}
    ordered.update({key: value for key, value in escaped.items() if key not in ordered})
    return yaml.dump(ordered, Dumper=_go_like_dumper(), sort_keys=False, allow_unicode=True, default_flow_style=False,
                     indent=2, width=1_000_000)


def _go_like_dumper() -> type:
    """Return a PyYAML dumper that indents lists and writes strings as Go's yaml package (v3) does.

    Go's package writes a string with a line break as a literal block. It puts a string that
    cannot be plain in double quotes, where PyYAML uses single quotes. It also quotes the
    YAML 1.1 booleans `y` and `n`, which PyYAML writes plain.
    """
    import yaml

    class GoLikeDumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

        def represent_str(self, data: str) -> yaml.ScalarNode:
            if "\n" in data:
                return self.represent_scalar("tag:yaml.org,2002:str", data, style="|")
            return super().represent_str(data)

        def choose_scalar_style(self) -> str:
            style = super().choose_scalar_style()
            if style == "'" or (style == "" and self.event.value in _OLD_BOOLEAN_LETTERS):
                return '"'
            return style

    GoLikeDumper.add_representer(str, GoLikeDumper.represent_str)
    return GoLikeDumper


# The reference prints both forms from the same compose-go structs, and its YAML leaves out
# values that its JSON prints. These follow the field tags in compose-go's types/types.go,
# and docker compose 2.40.3 prints them so:
# - `command` and `entrypoint` have `omitempty` in their YAML tag only, so JSON prints an
#   unset one as null.
# - Go's JSON encoder prints an empty struct field that is not a pointer as `{}`, where the
#   YAML encoder leaves it out: `ipam`, `deploy.resources`, `deploy.placement` and
#   `develop.watch[].exec`.
# - The blkio device entries have no field tags, so JSON prints Go's field names (`Path`)
#   and YAML lowercases them (`path`).
_NULL_IN_JSON_ONLY = ("command", "entrypoint")
_BLKIO_DEVICE_LISTS = ("weight_device", "device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops")


def yaml_content(model: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a model without the values that the reference prints in JSON only."""
    result = dict(model)
    if model.get("services"):
        result["services"] = {name: _yaml_service(service) for name, service in model["services"].items()}
    if model.get("networks"):
        result["networks"] = {key: _without_empty(network, ("ipam",)) for key, network in model["networks"].items()}
    return result


def _yaml_service(service: dict[str, Any]) -> dict[str, Any]:
    result = _without_null(service, _NULL_IN_JSON_ONLY)

    deploy = result.get("deploy")
    if isinstance(deploy, dict):
        result["deploy"] = _without_empty(deploy, ("resources", "placement"))

    develop = result.get("develop")
    if isinstance(develop, dict) and isinstance(develop.get("watch"), list):
        result["develop"] = {**develop, "watch": [_yaml_watch_rule(rule) for rule in develop["watch"]]}

    blkio = result.get("blkio_config")
    if isinstance(blkio, dict):
        blkio = dict(blkio)
        for key in _BLKIO_DEVICE_LISTS:
            if isinstance(blkio.get(key), list):
                blkio[key] = [_lowercase_keys(entry) for entry in blkio[key]]
        result["blkio_config"] = blkio
    return result


def _yaml_watch_rule(rule: Any) -> Any:
    if not isinstance(rule, dict) or not isinstance(rule.get("exec"), dict):
        return rule
    return _without_empty({**rule, "exec": _without_null(rule["exec"], ("command",))}, ("exec",))


def _without_null(mapping: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if not (key in keys and value is None)}


def _without_empty(mapping: Any, keys: tuple[str, ...]) -> Any:
    if not isinstance(mapping, dict):
        return mapping
    return {key: value for key, value in mapping.items() if not (key in keys and value == {})}


def _lowercase_keys(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {key.lower(): value for key, value in entry.items()}
