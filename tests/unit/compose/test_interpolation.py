"""interpolate_tree: substituted copies, and the key path of the first template that fails."""

from __future__ import annotations

import pytest

from crank_cli.compose.interpolation import collect_unset_variables, interpolate_tree
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


@pytest.mark.parametrize(
    ("template", "recorded"),
    [
        ("$UNSET", ["UNSET"]),
        ("${UNSET}", ["UNSET"]),
        ("a-${UNSET}-b $UNSET ${UNSET}", ["UNSET"]),
        ("$UNSET ${OTHER}", ["UNSET", "OTHER"]),
        ("${UNSET:-default}", []),
        ("${UNSET-default}", []),
        ("${UNSET:+alt}", []),
        ("${UNSET+alt}", []),
        ("$${UNSET} $$UNSET", []),
        ("${EMPTY} $EMPTY", []),
        ("${EMPTY:-$UNSET}", ["UNSET"]),
        ("${A:-$UNSET}", []),
        ("${UNSET:-${OTHER:-deep}}", []),
    ],
)
def test_unset_variables_recorded(template: str, recorded: list[str]) -> None:
    with collect_unset_variables() as names:
        interpolate({"value": template})
    assert names == recorded


def test_required_variable_not_recorded() -> None:
    with collect_unset_variables() as names, pytest.raises(TemplateFailure):
        interpolate({"value": "${UNSET:?set it}"})
    assert names == []


def test_unset_variables_only_recorded_inside() -> None:
    with collect_unset_variables() as names:
        pass
    assert interpolate({"value": "$UNSET"}) == {"value": ""}
    assert names == []
