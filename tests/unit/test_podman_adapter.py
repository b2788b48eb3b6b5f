"""Podman's differences, handled in its adapter."""

from __future__ import annotations

from crank_cli.errors import EngineError
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner


def test_podman_retries_network_create_race() -> None:
    failures = [EngineError(["podman"], 125, "Error: route ip+net: no such network interface")]

    def reply(command: list[str]) -> str:
        if failures:
            raise failures.pop()
        return "demo_default"

    runner = FakeRunner({("podman", "network", "create"): reply})

    PodmanEngine(runner=runner).create_network("demo_default", {"io.crank.project": "demo"})

    assert [call[:3] for call in runner.calls] == [["podman", "network", "create"]] * 2
