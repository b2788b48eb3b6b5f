"""Merge rules on canonical trees: copies, key path patterns and unique lists."""

from __future__ import annotations

import copy
import fnmatch
import itertools

from crank_cli.compose import merge
from crank_cli.compose.merge import enforce_unicity, merge_values

PORT_80 = {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}
PORT_80_AGAIN = {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp", "name": "again"}


def test_merge_values_leaves_inputs_unchanged() -> None:
    base = {"services": {"web": {"image": "a", "ports": [PORT_80], "environment": {"A": "1"}}}}
    other = {"services": {"web": {"ports": [PORT_80_AGAIN], "environment": {"B": None}}}}
    base_before = copy.deepcopy(base)
    other_before = copy.deepcopy(other)

    merged = merge_values(base, other)

    assert merged["services"]["web"]["ports"] == [PORT_80_AGAIN]
    assert merged["services"]["web"]["environment"] == {"A": "1", "B": None}
    assert base == base_before
    assert other == other_before
    merged["services"]["web"]["environment"]["C"] = "3"
    assert "C" not in base["services"]["web"]["environment"]


def test_key_path_patterns_match_like_fnmatch() -> None:
    keys = ["services", "web.1", "ports", "x-a.ports", "networks", "n.1", "aliases", "labels", ""]
    tables = [
        (merge._REPLACED_TABLE, merge._REPLACED),
        (merge._LATER_WINS_TABLE, merge._LATER_WINS),
        (merge._UNIQUE_TABLE, tuple(merge._UNIQUE)),
    ]
    for length in range(1, 6):
        for path in itertools.product(keys, repeat=length):
            dotted = ".".join(path)
            for table, patterns in tables:
                expected = next(
                    (pattern for pattern in patterns if pattern.count(".") + 1 == length and fnmatch.fnmatchcase(dotted, pattern)),
                    None,
                )
                assert merge._matches(path, table) == expected, path


def test_enforce_unicity_only_below_services() -> None:
    tree = {
        "services": {"web": {"ports": [PORT_80, PORT_80_AGAIN], "command": ["a", "a"]}},
        "x-ports": {"ports": [PORT_80, PORT_80_AGAIN]},
    }

    unique = enforce_unicity(tree)

    assert unique["services"]["web"]["ports"] == [PORT_80_AGAIN]
    assert unique["services"]["web"]["command"] == ["a", "a"]
    assert unique["x-ports"]["ports"] == [PORT_80, PORT_80_AGAIN]
