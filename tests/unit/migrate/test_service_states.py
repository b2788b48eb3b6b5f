"""Each moved service keeps its state (running, paused or stopped), with engines faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crank_cli.compose import Project
from crank_cli.operations.events import NoEvents
from crank_cli.operations.migrate import recover
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.describe import plan_lines
from crank_cli.operations.migrate.inventory import build_plan
from crank_cli.operations.migrate.plan import Plan, SourceContainer
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner
from tests.unit.migrate.test_inventory import IMAGE_ID, docker_replies, inspect_record, podman_replies

# seed is a one-shot job that web depends on, and tool depends on nothing.
SERVICES: dict[str, Any] = {
    "seed": {"image": "localhost/web:1"},
    "web": {"image": "localhost/web:1", "depends_on": {"seed": {"condition": "service_completed_successfully"}}},
    "tool": {"image": "localhost/web:1"},
}


def project(folder: Path = Path("/srv/demo")) -> Project:
    model = {"name": "demo", "services": SERVICES, "networks": {"default": {"name": "demo_default"}}}
    return Project("demo", folder, (folder / "compose.yaml",), model)


def with_status(record: dict[str, Any], status: str) -> dict[str, Any]:
    return {**record, "State": {"Status": status, "ExitCode": 0}}


def plan_for(statuses: dict[str, str], networks: Any = "") -> Plan:
    inspected = [with_status(inspect_record(f"demo-{name}-1", name), status) for name, status in statuses.items()]
    replies = {**docker_replies(inspected), **podman_replies(), ("docker", "network", "ls"): networks}
    runner = FakeRunner(replies)
    plan, _ = build_plan(project(), make_backend("docker", runner), make_backend("podman", runner), ())
    return plan


def test_paused_container_counts_as_running() -> None:
    plan = plan_for({"seed": "exited", "web": "paused", "tool": "running"})

    assert plan.running_before == ["demo-tool-1", "demo-web-1"]
    assert plan.paused_before == ["demo-web-1"]
    lines = plan_lines(plan)
    assert "stop on docker: demo-tool-1, demo-web-1 (paused)" in lines
    assert "pause on podman once verified: demo-web-1" in lines


def test_stopped_service_is_created_only() -> None:
    plan = plan_for({"seed": "exited", "web": "running", "tool": "exited"})

    assert plan.created_only == ("tool",)
    assert plan.started_services == ("seed", "web")
    lines = plan_lines(plan)
    assert ("start on podman: seed, web (seed stopped on docker, started because a service that runs "
            "depends on it, as docker compose up does)") in lines
    assert "create on podman, not started (stopped on docker): tool" in lines
    assert plan.as_dict()["created_only"] == ("tool",)


def test_scaled_service_keeps_replica_count() -> None:
    inspected = [inspect_record(f"demo-web-{number}", "web") for number in (1, 2, 3)]
    one_off = with_status(inspect_record("demo-web-run-1a2b3c", "web"), "exited")
    one_off["Config"]["Labels"]["io.crank.oneoff"] = "True"
    inspected += [with_status(inspect_record("demo-seed-1", "seed"), "exited"), inspect_record("demo-tool-1", "tool"),
                  one_off]
    runner = FakeRunner({**docker_replies(inspected), **podman_replies()})

    plan, _ = build_plan(project(), make_backend("docker", runner), make_backend("podman", runner), ())

    assert plan.replicas == {"seed": (1,), "tool": (1,), "web": (1, 2, 3)}
    assert Plan.from_dict(json.loads(json.dumps(plan.as_dict()))).replicas == plan.replicas
    assert ("start on podman: seed, tool, web (3 containers) (seed stopped on docker, started because a service "
            "that runs depends on it, as docker compose up does)") in plan_lines(plan)


def test_stopped_project_starts_nothing() -> None:
    plan = plan_for({"seed": "exited", "web": "exited", "tool": "exited"})

    assert plan.created_only == ("seed", "tool", "web")
    assert "start on podman: nothing" in plan_lines(plan)
    assert "stop on docker: nothing running" in plan_lines(plan)


def test_plan_lists_crank_networks() -> None:
    # crank's networks carry the project label but not the service label of its containers.
    def networks(argv: list[str]) -> str:
        return "" if any("io.crank.service" in word for word in argv) else "demo_default\n"

    plan = plan_for({"seed": "exited", "web": "running", "tool": "running"}, networks)

    assert plan.networks == ["demo_default"]


def test_undo_pauses_restarted_container(tmp_path: Path) -> None:
    plan = Plan(
        project="demo", source="docker", target="podman", services=("web",),
        containers=[SourceContainer("demo-web-1", "web", IMAGE_ID, running=False, paused=True)],
        images=[], volumes=[], networks=["demo_default"],
    )
    record = records.create(project(tmp_path), plan, [])
    record.reached(records.SOURCE_STOPPED)
    stopped = with_status(inspect_record("demo-web-1", "web"), "exited")
    runner = FakeRunner({
        ("docker", "ps", "--all", "--format"): "demo-web-1\n",
        ("docker", "container", "inspect"): json.dumps([stopped]),
        ("podman", "ps"): "",
        ("podman", "network"): "",
    })

    outcome = recover(project(tmp_path), lambda name: make_backend(name, runner), NoEvents())

    assert outcome == "undid the interrupted migration to podman; the project runs on docker"
    assert ["docker", "start", "demo-web-1"] in runner.calls
    assert ["docker", "pause", "demo-web-1"] in runner.calls
    assert runner.calls.index(["docker", "start", "demo-web-1"]) < runner.calls.index(["docker", "pause", "demo-web-1"])
