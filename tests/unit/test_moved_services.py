"""Which services `up` under runtime auto leaves on the engine that a migration moved them to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crank_cli.cli.moved import containers_by_engine, engine_running_service, leave_moved_services, services_left_elsewhere
from crank_cli.compose import Project
from crank_cli.errors import UsageError

SERVICES = {"db": {}, "web": {"depends_on": {"db": {"condition": "service_started"}}}, "worker": {}}


def test_service_elsewhere_is_left() -> None:
    left = services_left_elsewhere(SERVICES, {"db", "web", "worker"}, {"db", "web"}, {"worker": "podman"})

    assert left == {"worker": "podman"}


def test_service_on_both_engines_stays() -> None:
    left = services_left_elsewhere(SERVICES, {"db", "web", "worker"}, {"db", "web", "worker"}, {"worker": "podman"})

    assert left == {}


def test_service_nowhere_is_created() -> None:
    left = services_left_elsewhere(SERVICES, {"db", "web", "worker"}, {"db"}, {})

    assert left == {}


def test_unselected_service_is_ignored() -> None:
    left = services_left_elsewhere(SERVICES, {"db"}, {"db"}, {"worker": "podman"})

    assert left == {}


def test_dependency_elsewhere_is_rejected() -> None:
    with pytest.raises(UsageError) as raised:
        services_left_elsewhere(SERVICES, {"db", "web"}, {"web"}, {"db": "podman"})

    message = raised.value.message
    assert "service web depends on db, which runs on podman" in message
    assert "`crank --runtime podman up web`" in message
    assert "`crank migrate --to podman web`" in message


class Untouchable:
    """A stand-in for the context and the engine that fails the test on any use."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"unexpected use of {name}")


def test_never_migrated_project_costs_nothing(tmp_path: Path) -> None:
    project = Project("shop", tmp_path, (tmp_path / "compose.yaml",), {"name": "shop", "services": SERVICES})
    untouchable: Any = Untouchable()

    assert leave_moved_services(untouchable, project, untouchable, (), no_deps=False) is project
    assert engine_running_service(untouchable, project, untouchable, "web") is untouchable
    assert containers_by_engine(untouchable, project, untouchable, []) == [(untouchable, [])]
