"""interpolate_tree: substituted copies, and the key path of the first template that fails."""

from __future__ import annotations

import pytest

from crank_cli.compose.interpolation import interpolate_tree
from crank_cli.compose.tags import Override, Reset

VARIABLES = {"A": "a", "EMPTY": ""}


class TemplateFailure(Exception):
    def __init__(self, key_path: str, problem: str) -> None:
        super().__init__(f"{key_path}: {problem}")
        self.key_path = key_path
        self.problem = problem


def interpolate(value: object) -> object:
    return interpolate_tree(value, VARIABLES.get, "", TemplateFailure)


def test_tree_values_substituted() -> None:
    tree = {"x": ["$A", {"y": "${A}-${MISSING:-d}"}], "plain": "no dollar", "n": 1, "tag": Reset("$A")}

    result = interpolate(tree)

    assert result == {"x": ["a", {"y": "a-d"}], "plain": "no dollar", "n": 1, "tag": Reset("a")}
    assert tree["x"] == ["$A", {"y": "${A}-${MISSING:-d}"}]


@pytest.mark.parametrize(
    ("tree", "key_path"),
    [
        ({"services": {"web": {"image": "${X:?no X}"}}}, "services.web.image"),
        ({"a": ["ok", "$A", "${EMPTY:?first}"], "b": "${X:?second}"}, "a[2]"),
        ({"a": Override(["${X?in override}"])}, "a[0]"),
        ({"${X:?key}": "keys are not substituted", "b": "${"}, "b"),
    ],
    ids=["nested key", "first in document order", "override tag", "key kept as written"],
)
def test_first_failure_key_path(tree: dict[str, object], key_path: str) -> None:
    with pytest.raises(TemplateFailure) as caught:
        interpolate(tree)
    assert caught.value.key_path == key_path


def test_failure_problem_text() -> None:
    with pytest.raises(TemplateFailure) as caught:
        interpolate({"a": ["${EMPTY:?set EMPTY}"]})
    assert caught.value.problem == "required variable EMPTY is missing a value: set EMPTY"
