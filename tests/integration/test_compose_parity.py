"""Containers crank creates carry what docker compose v2 sets for the same service, on each engine.

The expected values come from `docker compose up` (v2.40.3) on Docker 20.10 and, through
Podman's Docker-compatible socket, on Podman 4.3.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import ENGINES, TEST_IMAGE, Crank, Engine, live_engine

COMPOSE = f"""
services:
  default-init:
    image: {TEST_IMAGE}
    command: [sleep, "600"]
  no-init:
    image: {TEST_IMAGE}
    init: false
    command: [sleep, "600"]
  whole-entrypoint:
    image: {TEST_IMAGE}
    entrypoint: [sh, -c, "sleep 600"]
  entrypoint-and-command:
    image: {TEST_IMAGE}
    entrypoint: [sh, -c]
    command: ["sleep 600"]
"""


@dataclass
class Started:
    """A project brought up by crank, with the inspect record of each service's container."""

    engine: Engine
    name: str
    records: dict[str, dict[str, Any]]

    def container(self, service: str) -> str:
        return f"{self.name}-{service}-1"

    def network_settings(self, service: str) -> dict[str, Any]:
        return self.records[service]["NetworkSettings"]["Networks"][f"{self.name}_default"]


@pytest.fixture(scope="module", params=ENGINES)
def started(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Started]:
    engine = live_engine(request.param)
    name = f"crank-parity-{secrets.token_hex(3)}"
    folder = tmp_path_factory.mktemp(name)
    (folder / "compose.yaml").write_text(COMPOSE)
    try:
        result = Crank(folder, engine.name, name)("-p", name, "up", "-d")
        assert result.returncode == 0, result.stderr
        services = ("default-init", "no-init", "whole-entrypoint", "entrypoint-and-command")
        listed = json.loads(engine.client("container", "inspect", *(f"{name}-{service}-1" for service in services)).stdout)
        yield Started(engine, name, dict(zip(services, listed)))
    finally:
        engine.remove_project(name)


def entrypoint_matches(record: dict[str, Any], words: list[str]) -> bool:
    # Podman 4.3 prints Config.Entrypoint as one string, the words joined by spaces.
    value = record["Config"]["Entrypoint"]
    return value == (" ".join(words) if isinstance(value, str) else words)


def test_init_false_is_explicit(started: Started) -> None:
    no_init = started.records["no-init"]["HostConfig"].get("Init")
    if started.engine.name == "podman":
        # Podman 4.3's inspect leaves Init out unless it is true, so false and unset look alike there.
        assert no_init is None
    else:
        assert no_init is False
    assert started.records["default-init"]["HostConfig"].get("Init") is None


def test_list_entrypoint_kept_whole(started: Started) -> None:
    record = started.records["whole-entrypoint"]
    assert entrypoint_matches(record, ["sh", "-c", "sleep 600"]), record["Config"]["Entrypoint"]
    assert not record["Config"]["Cmd"]
    assert [record["Path"], *record["Args"]] == ["sh", "-c", "sleep 600"]


def test_command_follows_list_entrypoint(started: Started) -> None:
    record = started.records["entrypoint-and-command"]
    assert entrypoint_matches(record, ["sh", "-c"]), record["Config"]["Entrypoint"]
    assert record["Config"]["Cmd"] == ["sleep 600"]
    assert [record["Path"], *record["Args"]] == ["sh", "-c", "sleep 600"]


def test_aliases_name_container_and_service(started: Started) -> None:
    for service in started.records:
        aliases = started.network_settings(service)["Aliases"]
        assert started.container(service) in aliases, (service, aliases)
        assert service in aliases, (service, aliases)


def test_container_name_resolves(started: Started) -> None:
    # BusyBox's nslookup sends its own DNS queries, so it works where the static libc resolver fails.
    target = started.container("no-init")
    lookup = started.engine.client("exec", started.container("default-init"), "nslookup", "-type=a", target, check=False)
    assert lookup.returncode == 0, lookup.stdout + lookup.stderr
    assert started.network_settings("no-init")["IPAddress"] in lookup.stdout
