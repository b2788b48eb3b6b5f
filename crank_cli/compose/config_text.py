"""Write a project model as `docker compose config` prints it, in JSON or YAML.

Both forms double every `$`, so that the output can be loaded again as a compose file
without a second interpolation. The JSON form is the one the reference prints byte for byte:
two-space indent, `<`, `>` and `&` escaped as Go's encoder escapes them, and no final line
break. The YAML form has the same content in the key order of the reference's YAML output,
but PyYAML may quote some strings differently from Go's yaml package.
"""

from __future__ import annotations

import json
from typing import Any

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
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
    text = json.dumps(escape_dollars(model), indent=2, ensure_ascii=False)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def model_to_yaml(model: dict[str, Any]) -> str:
    """Return the model as YAML, top-level keys in the reference's YAML order."""
    import yaml

    class _IndentedDumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)

    escaped = escape_dollars(model)
    ordered = {key: escaped[key] for key in _YAML_TOP_LEVEL_ORDER if key in escaped}
    ordered.update({key: value for key, value in escaped.items() if key not in ordered})
    return yaml.dump(ordered, Dumper=_IndentedDumper, sort_keys=False, allow_unicode=True, default_flow_style=False, indent=2, width=1_000_000)
