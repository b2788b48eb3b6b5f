"""Values that carry the compose YAML tags `!reset` and `!override` through loading."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reset:
    """A value tagged `!reset`: the merge removes the key instead of merging into it."""

    value: Any


@dataclass(frozen=True)
class Override:
    """A value tagged `!override`: the merge replaces the earlier value instead of merging."""

    value: Any
