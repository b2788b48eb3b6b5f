"""down and stop order containers of services outside the enabled model by their labels (engine faked at the process boundary)."""

from __future__ import annotations

import json
from pathlib import Path

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.operations.down import DownOptions, down, stop
from crank_cli.operations.events import NoEvents
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64

WITH_TOOL = """
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
  tool:
    image: busybox
    profiles: [tools]
    depends_on: [web]
"""


def load(tmp_path: Path) -> Project:
    (tmp_path / "compose.yaml").write_text(WITH_TOOL)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def record(service: str, depends_on: str) -> dict[str, object]:
    name = f"demo-{service}-1"
    labels = {"io.crank.project": "demo", "io.crank.service": service, "io.crank.replica": "1",
              "io.crank.depends-on": depends_on}
    return {"Id": name, "Name": "/" + name, "Image": IMAGE_ID, "State": {"Status": "running", "Running": True},
            "Config": {"Image": "busybox", "Labels": labels}, "NetworkSettings": {"Ports": {}}}


def running_engine(*records: dict[str, object]) -> FakeRunner:
    return FakeRunner({
        ("docker", "ps"): "\n".join(str(item["Id"]) for item in records),
        ("docker", "container", "inspect"): json.dumps(list(records)),
        ("docker", "network", "ls"): "demo_default",
    })


def stopped_in_order(runner: FakeRunner) -> list[list[str]]:
    return [call[2:] for call in runner.calls if call[1] == "stop"]


def profile_engine() -> FakeRunner:
    # tool was started with `up tool`; its profile is not enabled now.
    return running_engine(record("db", ""), record("web", "db:service_started:false:true"),
                          record("tool", "web:service_started:false:true"))


def test_down_stops_disabled_dependent_first(tmp_path: Path) -> None:
    runner = profile_engine()

    down(load(tmp_path), "demo", DockerEngine(runner=runner), DownOptions(), NoEvents())

    assert stopped_in_order(runner) == [["demo-tool-1"], ["demo-web-1"], ["demo-db-1"]]


def test_stop_stops_disabled_dependent_first(tmp_path: Path) -> None:
    runner = profile_engine()

    stop(load(tmp_path), "demo", DockerEngine(runner=runner), (), None, NoEvents())

    assert stopped_in_order(runner) == [["demo-tool-1"], ["demo-web-1"], ["demo-db-1"]]


def test_down_orders_orphan_by_labels(tmp_path: Path) -> None:
    # `old` is in no compose file any more, and its label records that it depends on db.
    runner = running_engine(record("db", ""), record("web", "db:service_started:false:true"),
                            record("old", "db:service_started:false:true"))

    down(load(tmp_path), "demo", DockerEngine(runner=runner), DownOptions(remove_orphans=True), NoEvents())

    assert stopped_in_order(runner) == [["demo-web-1", "demo-old-1"], ["demo-db-1"]]


CYCLE = """
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on:
      db: {condition: service_started}
      tool: {condition: service_started, required: false}
  tool:
    image: busybox
    profiles: [tools]
    depends_on: [web]
"""


def test_down_with_cycle_through_labels(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(CYCLE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    runner = profile_engine()

    down(project, "demo", DockerEngine(runner=runner), DownOptions(), NoEvents())

    # web depends on tool in the model and tool on web by its label: tool keeps no order and stops last.
    assert stopped_in_order(runner) == [["demo-web-1"], ["demo-db-1"], ["demo-tool-1"]]


def test_down_stops_independent_service_first(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(WITH_TOOL.replace("    depends_on: [web]\n", ""))
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    # tool depends on nothing and nothing depends on it, so it need not wait for web or db.
    runner = running_engine(record("db", ""), record("web", "db:service_started:false:true"), record("tool", ""))

    down(project, "demo", DockerEngine(runner=runner), DownOptions(), NoEvents())

    assert [sorted(level) for level in stopped_in_order(runner)] == [["demo-tool-1", "demo-web-1"], ["demo-db-1"]]
