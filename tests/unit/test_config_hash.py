"""Which edits of a service change crank's config hash, and so make `up` recreate its container."""

from __future__ import annotations

from typing import Any

import pytest

from crank_cli.operations.specs import config_hash

BASE: dict[str, Any] = {
    "image": "busybox",
    "command": ["sleep", "3600"],
    "depends_on": {"db": {"condition": "service_started", "required": True}},
}


@pytest.mark.parametrize("change", [
    {"scale": 1},
    {"profiles": ["debug"]},
    {"pull_policy": "always"},
    {"depends_on": {"db": {"condition": "service_healthy", "required": True, "restart": True}}},
], ids=["scale", "profiles", "pull_policy", "depends_on condition"])
def test_edit_keeps_hash(change: dict[str, Any]) -> None:
    assert config_hash({**BASE, **change}) == config_hash(BASE)


@pytest.mark.parametrize("change", [
    {"command": ["sleep", "60"]},
    {"depends_on": {"db": {"condition": "service_started"}, "cache": {"condition": "service_started"}}},
], ids=["command", "new dependency"])
def test_edit_changes_hash(change: dict[str, Any]) -> None:
    assert config_hash({**BASE, **change}) != config_hash(BASE)
