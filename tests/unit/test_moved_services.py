"""Which services `up` under runtime auto leaves on the engine that a migration moved them to."""

from __future__ import annotations

import pytest

from crank_cli.cli.moved import services_left_elsewhere
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
