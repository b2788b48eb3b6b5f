"""The position of a value inside a compose file, for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crank_cli.compose.problems import invalid_key, join_key, quote
from crank_cli.errors import InvalidProjectError


class Where:
    """A compose file and a key path in it, such as `services.web.ports[1]`.

    A position made by `child` stores its parent and key, and joins them into `path` only
    when something reads it, which is rare, because the loader makes a position for every
    value it checks but reads the path only for an error message.
    """

    __slots__ = ("_key", "_parent", "_path", "source")

    def __init__(self, source: Path | str, path: str = "") -> None:
        self.source = source
        self._parent: Where | None = None
        self._key: str | int = ""
        self._path: str | None = path

    @property
    def path(self) -> str:
        """The key path inside the file, empty for the whole file."""
        if self._path is None:
            assert self._parent is not None
            self._path = join_key(self._parent.path, self._key)
        return self._path

    def __repr__(self) -> str:
        return f"Where({self.source!r}, {self.path!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Where):
            return NotImplemented
        return (self.source, self.path) == (other.source, other.path)

    def __hash__(self) -> int:
        return hash((self.source, self.path))

    def child(self, key: str | int) -> Where:
        """Return the position of a key or list index below this one."""
        child = _new_where(Where)
        child.source = self.source
        child._parent = self
        child._key = key
        child._path = None
        return child

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


# Makes a position without a call to `__init__`, because `child` runs for every checked value.
_new_where = object.__new__


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
