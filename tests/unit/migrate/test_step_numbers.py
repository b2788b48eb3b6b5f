"""The numbered progress lines of a migration, with the engines faked at the process boundary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crank_cli.compose import Project
from crank_cli.operations import up as up_module
from crank_cli.operations.migrate import Engines, MigrateOptions, migrate
from crank_cli.operations.migrate import migration as migration_module
from crank_cli.operations.migrate.plan import ImageCopy, Plan, SourceContainer, VolumeCopy
from crank_cli.operations.up import UpResult
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

IMAGE_ID = "a" * 64


class RecordedEvents:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def emit(self, subject: str, status: str) -> None:
        self.lines.append((subject, status))


class NoCopy:
    """A stand-in for the volume copy, which needs helper containers."""

    def __init__(self, *args: Any) -> None:
        pass

    def first_pass(self, name: str) -> None:
        pass

    def final_pass(self, name: str) -> None:
        pass


def planned(volumes: list[VolumeCopy]) -> Plan:
    return Plan(
        project="demo", source="docker", target="podman", services=("web",),
        containers=[SourceContainer("demo-web-1", "web", IMAGE_ID, running=True)],
        images=[ImageCopy(IMAGE_ID, (), 100, on_target=True)],
        volumes=volumes, networks=[],
    )


def run_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan: Plan) -> list[str]:
    """Run `migrate` with the engine work stubbed out; return the subjects of the step lines."""
    project = Project("demo", tmp_path, (tmp_path / "compose.yaml",), {"name": "demo", "services": {"web": {}}})
    monkeypatch.setattr("crank_cli.operations.migrate.build_plan", lambda *args, **options: (plan, []))
    monkeypatch.setattr(migration_module, "VolumePasses", NoCopy)
    monkeypatch.setattr(migration_module.Migration, "ensure_target_volume", lambda self, volume: None)
    monkeypatch.setattr(migration_module, "wait_until_ready", lambda *args: None)
    monkeypatch.setattr(up_module, "up", lambda *args: UpResult(services={"web": ["demo-web-1"]}))
    runner = FakeRunner({("docker", "ps", "--all", "--format"): "demo-web-1\n", ("podman", "ps"): "",
                         ("podman", "image", "inspect"): f"sha256:{IMAGE_ID} null\n"})
    engines = Engines(source=make_backend("docker", runner), target=make_backend("podman", runner))
    events = RecordedEvents()

    migrate(project, engines, MigrateOptions(), events)

    return [subject for subject, _ in events.lines if subject.startswith("step")]


def test_steps_without_volumes_are_consecutive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = run_migration(tmp_path, monkeypatch, planned(volumes=[]))

    assert steps == [f"step {number}" for number in range(1, 8)]


def test_steps_with_volumes_are_consecutive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    steps = run_migration(tmp_path, monkeypatch, planned(volumes=[VolumeCopy("demo_data", ("web",), 4, on_target=False)]))

    assert steps == [f"step {number}" for number in range(1, 10)]
