"""A second `up` runs an exited `service_completed_successfully` dependency again (engine faked at the process boundary)."""

from __future__ import annotations

import json
from pathlib import Path

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.operations import specs
from crank_cli.operations.events import NoEvents
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64

JOB_AND_APP = """
services:
  init:
    image: busybox
  app:
    image: busybox
    depends_on:
      init: {condition: service_completed_successfully}
  other:
    image: busybox
"""


def load(tmp_path: Path) -> Project:
    (tmp_path / "compose.yaml").write_text(JOB_AND_APP)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def existing_engine(project: Project, states: dict[str, str]) -> FakeRunner:
    """Return a fake Docker client whose project has one current container per service, in these states."""
    records = []
    for service, status in states.items():
        spec = specs.container_spec(project, service)
        records.append({
            "Id": spec.name, "Name": "/" + spec.name, "Image": IMAGE_ID,
            "State": {"Status": status, "ExitCode": 0, "Running": status == "running"},
            "Config": {"Image": "busybox", "Labels": spec.labels},
            "NetworkSettings": {"Ports": {}},
        })
    return FakeRunner({
        ("docker", "ps"): "\n".join(record["Id"] for record in records),
        ("docker", "container", "inspect"): json.dumps(records),
        ("docker", "network", "ls"): "demo_default",
        ("docker", "image", "inspect"): IMAGE_ID,
    })


def changing_calls(runner: FakeRunner) -> list[list[str]]:
    return [call[1:] for call in runner.calls if call[1] in ("start", "restart", "stop", "run", "rm")]


def test_second_up_reruns_completed_job(tmp_path: Path) -> None:
    project = load(tmp_path)
    runner = existing_engine(project, {"init": "exited", "app": "running", "other": "running"})

    result = up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    # app keeps running: docker compose (v2.40.3) does not restart the dependent either.
    assert changing_calls(runner) == [["start", "demo-init-1"]]
    assert result.actions["demo-init-1"] == "started"
    assert result.actions["demo-app-1"] == "running"
    assert result.changed


def test_up_of_dependent_reruns_job(tmp_path: Path) -> None:
    project = load(tmp_path)
    runner = existing_engine(project, {"init": "exited", "app": "running", "other": "running"})

    up(project, DockerEngine(runner=runner), UpOptions(services=("app",)), NoEvents())

    assert changing_calls(runner) == [["start", "demo-init-1"]]


def test_up_of_unrelated_service_leaves_job(tmp_path: Path) -> None:
    project = load(tmp_path)
    runner = existing_engine(project, {"init": "exited", "app": "running", "other": "running"})

    result = up(project, DockerEngine(runner=runner), UpOptions(services=("other",)), NoEvents())

    assert changing_calls(runner) == []
    assert not result.changed
