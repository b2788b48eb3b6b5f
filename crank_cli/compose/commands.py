"""Read a service's `command` or `entrypoint` as the list of words the container runs."""

from __future__ import annotations

from typing import Any

from crank_cli.compose.shell_words import ShellWordsError, split_words
from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote


def shell_command(value: Any, where: Where) -> list[str] | None:
    """Return `command` or `entrypoint` as a list; a string is split into words as the reference does."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return split_words(value)
        except ShellWordsError as error:
            raise where.fail(f"invalid command {quote(value)}: {error}") from None
    if isinstance(value, list):
        return [where.child(index).expect_string(item) for index, item in enumerate(value)]
    raise where.fail(f"must be a string or a list of strings, not {describe(value)}")
