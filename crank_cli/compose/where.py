"""The position of a value inside a compose file, for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crank_cli.compose.problems import invalid_key, join_key, quote
from crank_cli.errors import InvalidProjectError


@dataclass(frozen=True)
class Where:
    """A compose file and a key path in it, such as `services.web.ports[1]`."""

    source: Path | str
    path: str = ""

    def child(self, key: str | int) -> Where:
        """Return the position of a key or list index below this one."""
        return Where(self.source, join_key(self.path, key))

    def fail(self, problem: str) -> InvalidProjectError:
        """Return the error to raise for a problem with the value at this position."""
        return invalid_key(self.source, self.path, problem)

    def expect_mapping(self, value: Any) -> dict[str, Any]:
        """Return `value` if it is a mapping, else raise naming this position."""
        if not isinstance(value, dict):
            raise self.fail(f"must be a mapping, not {describe(value)}")
        return value

    def expect_list(self, value: Any) -> list[Any]:
        """Return `value` if it is a list, else raise naming this position."""
        if not isinstance(value, list):
            raise self.fail(f"must be a list, not {describe(value)}")
        return value

    def expect_string(self, value: Any) -> str:
        """Return `value` if it is a string, else raise naming this position."""
        if not isinstance(value, str):
            raise self.fail(f"must be a string, not {describe(value)}")
        return value


def describe(value: Any) -> str:
    """Name the YAML type of a value, for messages: `a list`, `the number 3`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {quote(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
