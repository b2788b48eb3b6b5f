"""The YAML reader: anchors, merge keys and key checks, and the C-based parser against the pure-Python one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crank_cli.compose import yaml_reader
from crank_cli.compose.yaml_reader import load_documents
from crank_cli.errors import InvalidProjectError

DATA = Path(__file__).parents[2] / "data" / "compose"
DATA_FILES = sorted(path for pattern in ("*.yaml", "*.yml") for path in DATA.rglob(pattern))


def parse_error(text: str) -> str:
    with pytest.raises(InvalidProjectError) as caught:
        load_documents(text, "f.yaml")
    return caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &s text\nb: *s\n", {"a": "text", "b": "text"}),
        ("a: [&b x, *b, {c: *b}]\n", {"a": ["x", "x", {"c": "x"}]}),
        ("x: &a {p: 1, q: 2}\ny:\n  <<: *a\n  p: 3\n", {"x": {"p": 1, "q": 2}, "y": {"p": 3, "q": 2}}),
        ("x: &a {p: 1}\ny:\n  <<: [*a, {q: 2}]\n  q: 3\n", {"x": {"p": 1}, "y": {"p": 1, "q": 3}}),
        ("=: x\n", {"=": "x"}),
        ("a: !!str\n", {"a": ""}),
        ("a: [yes, on, 0755, 1_000, '1', ~]\n", {"a": ["yes", "on", 0o755, 1000, "1", None]}),
    ],
    ids=["string alias", "list aliases", "merge key", "merge list", "equals key", "empty tagged string", "scalars"],
)
def test_document_values(text: str, expected: dict[str, Any]) -> None:
    assert load_documents(text, "f.yaml") == [expected]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x [*x]\n", "line 1, column 4: invalid YAML: found unconstructable recursive node"),
        ("a: !!seq x\n", "line 1, column 4: invalid YAML: expected a sequence node, but found scalar"),
        ("1: x\n", 'line 1, column 1: invalid YAML: non-string key "1": put the key in quotes'),
        ("? [a]\n: x\n", "line 1, column 3: invalid YAML: a mapping key must be a scalar"),
        ("y:\n  p: 1\n  p: 2\n", 'line 3, column 3: invalid YAML: mapping key "p" already defined'),
        ("x-l: &l [a, b]\ns:\n  w:\n    <<: *l\n    i: x\n",
         "line 4, column 5: invalid YAML: the value of the merge key << must be a mapping or a list of mappings"),
        ("x: &s text\ny:\n  <<: *s\n",
         "line 3, column 3: invalid YAML: the value of the merge key << must be a mapping or a list of mappings"),
        ("s:\n  w:\n    i: x\n\tc: x\n",
         "line 4, column 1: invalid YAML: a tab is used for indentation, and YAML allows only spaces there: "
         "replace it with spaces"),
        ("s:\n\tw:\n    i: x\n",
         "line 2, column 1: invalid YAML: a tab is used for indentation, and YAML allows only spaces there: "
         "replace it with spaces"),
        ("s:\r\n  w:\r\n\t- x\r\n",
         "line 3, column 1: invalid YAML: a tab is used for indentation, and YAML allows only spaces there: "
         "replace it with spaces"),
    ],
    ids=["recursive alias", "sequence tag on scalar", "number key", "list key", "repeated key", "merge of a list",
         "merge of a string", "tab before a key", "tab before the first key", "tab with CRLF line ends"],
)
def test_document_errors(text: str, message: str) -> None:
    assert parse_error(text) == f"f.yaml: {message}"


def test_tab_inside_value_is_accepted() -> None:
    assert load_documents('a: "x\ty"\nb: [1,\t2]\n', "f.yaml") == [{"a": "x\ty", "b": [1, 2]}]


class PurePythonLoader(yaml.SafeLoader):
    """The compose loader's rules on PyYAML's pure-Python parser."""

    yaml_implicit_resolvers = yaml_reader._ComposeLoader.yaml_implicit_resolvers
    yaml_constructors = yaml_reader._ComposeLoader.yaml_constructors
    resolve = yaml_reader._ComposeLoader.resolve


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML is built without libyaml")
@pytest.mark.parametrize("path", DATA_FILES, ids=[str(path.relative_to(DATA)) for path in DATA_FILES])
def test_c_parser_matches_pure_python(path: Path) -> None:
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    try:
        expected = list(yaml.load_all(text, Loader=PurePythonLoader))
    except yaml.YAMLError:
        expected = None
    if expected is None:
        # The two parsers word their errors differently, so only the rejection is compared.
        with pytest.raises(InvalidProjectError):
            load_documents(text, path)
        return
    assert load_documents(text, path) == expected
