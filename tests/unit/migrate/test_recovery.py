"""Recovering an interrupted migration from its record, with engines faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.compose import Project
from crank_cli.errors import EngineError
from crank_cli.operations.events import NoEvents
from crank_cli.operations.migrate import recover
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.migration import SourceRestartError
from crank_cli.operations.migrate.plan import ImageCopy, Plan, SourceContainer, VolumeCopy
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

IMAGE_ID = "a" * 64
STOPPED_WEB = json.dumps([{
    "Id": "id-web", "Name": "/demo-web-1", "Image": f"sha256:{IMAGE_ID}",
    "State": {"Status": "exited", "ExitCode": 0},
    "Config": {"Image": "localhost/web:1", "Labels": {"io.crank.project": "demo", "io.crank.service": "web"}},
    "NetworkSettings": {"Ports": {}},
}])


def recorded(tmp_path: Path, step: str, changes: dict[str, list[object]] | None = None,
             source: str = "docker", target: str = "podman") -> tuple[Project, records.MigrationRecord]:
    project = Project("demo", tmp_path, (tmp_path / "compose.yaml",), {"name": "demo", "services": {"web": {}}})
    plan = Plan(
        project="demo", source=source, target=target, services=("web",),
        containers=[SourceContainer("demo-web-1", "web", IMAGE_ID, running=True)],
        images=[ImageCopy(IMAGE_ID, ("localhost/web:1",), 100, on_target=False)],
        volumes=[VolumeCopy("demo_data", ("web",), 4, on_target=False)],
        networks=["demo_default"], helper_image=IMAGE_ID, helper_tar="busybox",
    )
    record = records.create(project, plan, [])
    for kind, values in (changes or {}).items():
        for value in values:
            record.add_change(kind, value)
    record.reached(step)
    return project, record


def run_recover(project: Project, runner: FakeRunner) -> str | None:
    return recover(project, lambda name: make_backend(name, runner), NoEvents())


def test_verified_migration_is_finished(tmp_path: Path) -> None:
    project, record = recorded(tmp_path, records.VERIFIED)
    runner = FakeRunner({("docker", "ps", "--all", "--format"): "demo-web-1\n", ("podman", "ps"): ""})

    outcome = run_recover(project, runner)

    assert outcome == "finished the interrupted migration to podman"
    assert ["docker", "rm", "--force", "--volumes", "demo-web-1"] in runner.calls
    assert ["docker", "network", "rm", "demo_default"] in runner.calls
    assert not any(call[:2] == ["podman", "rm"] for call in runner.calls)
    assert records.records(tmp_path, "demo")[-1].status == records.DONE


def test_unverified_migration_is_undone(tmp_path: Path) -> None:
    changes = {"volumes": ["demo_data"], "images": [IMAGE_ID], "tags": [["localhost/web:1", "b" * 64]]}
    project, record = recorded(tmp_path, records.VOLUMES_COPIED, changes)
    runner = FakeRunner({
        ("docker", "ps", "--all", "--format"): "demo-web-1\n",
        ("docker", "container", "inspect"): STOPPED_WEB,
        ("podman", "ps"): "",
        ("podman", "network"): "",
        ("podman", "image", "inspect", "--format"): f"{IMAGE_ID} null",
        ("podman", "image", "inspect", IMAGE_ID): json.dumps([{"Id": IMAGE_ID, "RepoTags": []}]),
    })

    outcome = run_recover(project, runner)

    assert outcome == "undid the interrupted migration to podman; the project runs on docker"
    assert ["podman", "volume", "rm", "demo_data"] in runner.calls
    assert ["podman", "tag", "b" * 64, "localhost/web:1"] in runner.calls
    assert ["podman", "image", "rm", IMAGE_ID] in runner.calls
    assert runner.calls.index(["podman", "tag", "b" * 64, "localhost/web:1"]) < runner.calls.index(
        ["podman", "image", "rm", IMAGE_ID])
    assert not any("--force" in call for call in runner.calls if call[:3] == ["podman", "image", "rm"])
    assert ["docker", "start", "demo-web-1"] in runner.calls
    assert records.records(tmp_path, "demo")[-1].status == records.UNDONE


def test_stopping_source_is_stopped_before_start(tmp_path: Path) -> None:
    project, _ = recorded(tmp_path, records.SOURCE_STOPPED, source="podman", target="docker")
    stopping = STOPPED_WEB.replace('"Status": "exited"', '"Status": "stopping"')
    runner = FakeRunner({
        ("podman", "ps", "--all", "--format", "{{.Names}}"): "demo-web-1\n",
        ("podman", "ps"): "[]",
        ("podman", "container", "inspect"): stopping,
        ("docker", "ps"): "",
        ("docker", "network"): "",
    })

    outcome = run_recover(project, runner)

    assert outcome == "undid the interrupted migration to docker; the project runs on podman"
    assert ["podman", "stop", "demo-web-1"] in runner.calls
    assert ["podman", "start", "demo-web-1"] in runner.calls
    assert runner.calls.index(["podman", "stop", "demo-web-1"]) < runner.calls.index(["podman", "start", "demo-web-1"])


def test_nothing_to_recover_without_record(tmp_path: Path) -> None:
    project = Project("demo", tmp_path, (), {"name": "demo", "services": {}})
    assert run_recover(project, FakeRunner()) is None


def test_record_is_private(tmp_path: Path) -> None:
    _, record = recorded(tmp_path, records.PLANNED)
    assert record.path.stat().st_mode & 0o777 == 0o600
    assert record.path.parent.stat().st_mode & 0o777 == 0o700


def test_failed_restart_still_closes_record(tmp_path: Path) -> None:
    project, record = recorded(tmp_path, records.VOLUMES_COPIED, {"volumes": ["demo_data"]})
    taken = EngineError(["docker", "start", "demo-web-1"], 1, "Error: address already in use")
    runner = FakeRunner({
        ("docker", "ps", "--all", "--format"): "demo-web-1\n",
        ("docker", "container", "inspect"): STOPPED_WEB,
        ("docker", "start"): taken,
        ("podman", "ps"): "",
        ("podman", "network"): "",
        ("podman", "image", "inspect", "--format"): f"{IMAGE_ID} null",
        ("podman", "image", "inspect", IMAGE_ID): json.dumps([{"Id": IMAGE_ID, "RepoTags": []}]),
    })

    with pytest.raises(SourceRestartError) as raised:
        run_recover(project, runner)

    assert raised.value.message == ("could not start demo-web-1 again on docker (Error: address already in use); "
                                    "fix that, then run `crank --runtime docker up -d`")
    assert records.records(tmp_path, "demo")[-1].status == records.UNDONE
