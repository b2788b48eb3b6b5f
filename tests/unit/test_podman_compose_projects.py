"""A podman-compose project, whose containers carry docker compose's project label too, is named once and found under auto."""

from __future__ import annotations

import json

import pytest

from crank_cli.errors import UsageError
from crank_cli.operations.down import DownOptions, down_foreign
from crank_cli.operations.events import NoEvents
from crank_cli.operations.foreign import started_by
from crank_cli.operations.status import projects, status
from crank_cli.runtime.models import EngineInfo
from crank_cli.runtime.podman import PodmanEngine
from crank_cli.runtime.resolve import resolve_where
from crank_cli.settings import load_settings
from tests.unit.fakes import DOCKER_UP, PODMAN_UP, FakeRunner

# The labels podman-compose 1.6.0 puts on a container of project `shop`.
PODMAN_COMPOSE_LABELS = {
    "com.docker.compose.project": "shop",
    "com.docker.compose.service": "web",
    "io.podman.compose.project": "shop",
    "io.podman.compose.service": "web",
}
PODMAN_INFO = EngineInfo("podman", usable=True, version="4.3.1")


def filtered_listing(command: list[str]) -> str:
    """Reply to `podman ps --format json` with the podman-compose container if it matches every label filter."""
    wanted = [value.removeprefix("label=") for flag, value in zip(command, command[1:]) if flag == "--filter"]
    labels = PODMAN_COMPOSE_LABELS
    matches = all(key in labels and (not value or labels[key] == value)
                  for key, _, value in (item.partition("=") for item in wanted))
    entry = {"Id": "4f2a", "Names": ["shop_web_1"], "State": "running", "Image": "busybox", "Labels": labels}
    return json.dumps([entry] if matches else [])


def podman_engine() -> PodmanEngine:
    return PodmanEngine(runner=FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): filtered_listing}))


def test_started_by_names_podman_compose() -> None:
    assert started_by("shop", podman_engine()) == "podman-compose"


def test_down_names_podman_compose() -> None:
    with pytest.raises(UsageError) as raised:
        down_foreign("shop", podman_engine(), DownOptions(), NoEvents())

    assert raised.value.message.startswith("project shop was started by podman-compose, not crank; stop it with podman-compose")


def test_status_lists_container_once() -> None:
    rows = status([(podman_engine(), PODMAN_INFO)], None)

    assert [(row.container, row.tool) for row in rows] == [("shop_web_1", "podman-compose")]
    assert [(row.name, row.tool) for row in projects(rows)] == [("shop", "podman-compose")]


def test_auto_finds_other_tool_project_on_podman() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("docker", "ps"): "",
                         ("podman", "version"): PODMAN_UP, ("podman", "ps"): lambda command: "4f2a\n"
                         if "label=com.docker.compose.project=shop" in command else ""})
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    chosen = resolve_where(settings, {"io.crank.project": "shop"}, runner=runner,
                           other_tool_labels={"com.docker.compose.project": "shop"})

    assert chosen.info.name == "podman"
    assert chosen.reason == "the engine where another tool's containers of the project are"
