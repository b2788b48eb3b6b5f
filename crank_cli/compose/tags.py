"""Values that carry the compose YAML tags `!reset` and `!override` through loading."""

from __future__ import annotations

from typing import Any


class _Tagged:
    """A value with a compose tag, equal to another value with the same tag and value.

    A plain class, because defining a frozen dataclass costs about 0.4 ms (Python 3.11).
    """

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self.value == other.value)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.__class__, self.value))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(value={self.value!r})"


class Reset(_Tagged):
    """A value tagged `!reset`: the merge removes the key instead of merging into it."""

    __slots__ = ()


class Override(_Tagged):
    """A value tagged `!override`: the merge replaces the earlier value instead of merging."""

    __slots__ = ()
