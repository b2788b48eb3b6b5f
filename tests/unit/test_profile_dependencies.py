"""Loading a project whose enabled services require a service that only a disabled profile enables."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.compose.profiles import add_required_dependencies
from crank_cli.errors import InvalidProjectError

COMPOSE = """
services:
  app:
    image: busybox
    depends_on:
      db:
        condition: service_started
  db:
    image: busybox
    profiles: [dbprof]
    links: [cache]
  cache:
    image: busybox
    profiles: [dbprof]
  debug:
    image: busybox
    profiles: [dbprof]
"""


def load(tmp_path: Path, text: str, **switches: bool) -> list[str]:
    (tmp_path / "compose.yaml").write_text(text)
    options = LoadOptions(working_dir=tmp_path, environ={}, project_name="demo")._replace(**switches)
    return list(load_project(options).services)


def test_required_disabled_dependency_rejected_by_default(tmp_path: Path) -> None:
    with pytest.raises(InvalidProjectError) as raised:
        load(tmp_path, COMPOSE)

    message = str(raised.value)
    assert "services.app.depends_on" in message
    assert 'service "db" is only in profile "dbprof"' in message
    assert "--profile dbprof or COMPOSE_PROFILES=dbprof" in message


def test_required_dependencies_enabled_on_request(tmp_path: Path) -> None:
    services = load(tmp_path, COMPOSE, enable_required_dependencies=True)

    # db is required through depends_on and cache through db's links. No service requires debug.
    assert services == ["app", "cache", "db"]


def test_optional_dependency_stays_disabled(tmp_path: Path) -> None:
    text = COMPOSE.replace("condition: service_started", "condition: service_started\n        required: false")

    assert load(tmp_path, text, enable_required_dependencies=True) == ["app"]


def test_add_required_dependencies_follows_chain() -> None:
    services = {
        "web": {"depends_on": {"api": {"condition": "service_started", "required": True}}},
        "api": {"profiles": ["p"], "volumes_from": ["store"], "network_mode": "service:net"},
        "store": {"profiles": ["p"]},
        "net": {"profiles": ["p"]},
        "tool": {"profiles": ["p"]},
    }

    enabled = add_required_dependencies({"web": services["web"]}, services)

    assert list(enabled) == ["api", "net", "store", "web"]


def test_add_required_dependencies_skips_undefined_names() -> None:
    services = {"web": {"depends_on": {"missing": {"condition": "service_started"}}}}

    assert list(add_required_dependencies(dict(services), services)) == ["web"]
