"""Anonymous volumes in a migration plan and on the target, with the engines faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crank_cli.compose import Project
from crank_cli.operations.events import NoEvents
from crank_cli.operations.migrate.describe import plan_lines
from crank_cli.operations.migrate.inventory import build_plan
from crank_cli.operations.migrate.plan import Plan, SourceContainer, VolumeCopy, copy_labels, source_containers
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.models import Mount
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner
from tests.unit.migrate.test_inventory import IMAGE_ID, docker_replies, inspect_record, podman_replies

CACHE_VOLUME = "c" * 64
STATE_VOLUME = "d" * 64


def project(*, scale: int = 1) -> Project:
    model = {
        "name": "demo",
        "services": {
            "db": {"image": "localhost/db:1", "scale": scale,
                   "volumes": [{"type": "volume", "target": "/cache"},
                               {"type": "volume", "source": "data", "target": "/data"}]},
        },
        "volumes": {"data": {"name": "demo_data"}},
        "networks": {"default": {"name": "demo_default"}},
    }
    return Project("demo", Path("/srv/demo"), (Path("/srv/demo/compose.yaml"),), model)


def volume_mount(name: str, destination: str) -> dict[str, Any]:
    return {"Type": "volume", "Name": name, "Source": f"/var/lib/docker/volumes/{name}/_data",
            "Destination": destination, "RW": True}


def db_record(name: str, replica: str, mounts: list[dict[str, Any]]) -> dict[str, Any]:
    record = inspect_record(name, "db")
    record["Config"]["Labels"]["io.crank.replica"] = replica
    record["Mounts"] = mounts
    return record


def plan_for(records: list[dict[str, Any]], image_volumes: tuple[str, ...], *, scale: int = 1) -> tuple[Plan, FakeRunner]:
    """Build the plan of moving `records` from Docker to Podman, the image declaring `image_volumes`."""
    replies = docker_replies(records)
    image = json.dumps([{"Id": f"sha256:{IMAGE_ID}", "Config": {"Volumes": dict.fromkeys(image_volumes, {})}}])
    replies[("docker", "image", "inspect", IMAGE_ID)] = image
    runner = FakeRunner({**replies, **podman_replies()})
    plan, _ = build_plan(project(scale=scale), make_backend("docker", runner), make_backend("podman", runner), ())
    return plan, runner


def copies(plan: Plan) -> list[tuple[str, str | None, str | None]]:
    """Return the name, container and path of each volume copy but the named volume's, which every plan has."""
    assert (plan.volumes[0].name, plan.volumes[0].container) == ("demo_data", None)
    return [(volume.name, volume.container, volume.path) for volume in plan.volumes[1:]]


def test_plan_copies_anonymous_and_image_volumes() -> None:
    mounts = [volume_mount(CACHE_VOLUME, "/cache"), volume_mount("demo_data", "/data"), volume_mount(STATE_VOLUME, "/state")]

    plan, _ = plan_for([db_record("demo-db-1", "1", mounts)], ("/state", "/data"))

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache"), (STATE_VOLUME, "demo-db-1", "/state")]
    assert [volume.services for volume in plan.volumes] == [("db",), ("db",), ("db",)]
    assert plan.findings == []
    assert plan.adopted_volumes() == {"demo-db-1": (Mount("volume", "/cache", CACHE_VOLUME),
                                                    Mount("volume", "/state", STATE_VOLUME))}


def test_plan_reads_no_image_when_mounts_covered() -> None:
    mounts = [volume_mount(CACHE_VOLUME, "/cache"), volume_mount("demo_data", "/data")]

    plan, runner = plan_for([db_record("demo-db-1", "1", mounts)], ())

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache")]
    assert [call for call in runner.calls if call[1:3] == ["image", "inspect"] and "--format" not in call] == []


def test_volume_of_undeclared_path_not_copied() -> None:
    # A volume at a path that neither the service nor the image declares came from elsewhere.
    mounts = [volume_mount("demo_data", "/data"), volume_mount(STATE_VOLUME, "/extra")]

    plan, _ = plan_for([db_record("demo-db-1", "1", mounts)], ("/state",))

    assert copies(plan) == []


def test_scaled_replica_volume_travels() -> None:
    # `up --scale db=2` made replica 2, beyond the compose file's count, and the target gets it too.
    records = [db_record("demo-db-1", "1", [volume_mount(CACHE_VOLUME, "/cache")]),
               db_record("demo-db-2", "2", [volume_mount(STATE_VOLUME, "/cache")])]

    plan, _ = plan_for(records, ())

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache"), (STATE_VOLUME, "demo-db-2", "/cache")]
    assert plan.findings == []
    assert plan.replicas == {"db": (1, 2)}


def test_replica_gap_keeps_numbers() -> None:
    records = [db_record("demo-db-1", "1", [volume_mount(CACHE_VOLUME, "/cache")]),
               db_record("demo-db-3", "3", [volume_mount(STATE_VOLUME, "/cache")])]

    plan, _ = plan_for(records, ())

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache"), (STATE_VOLUME, "demo-db-3", "/cache")]
    assert plan.replicas == {"db": (1, 3)}


def test_second_replica_volume_goes_to_second_replica() -> None:
    records = [db_record("demo-db-1", "1", [volume_mount(CACHE_VOLUME, "/cache")]),
               db_record("demo-db-2", "2", [volume_mount(STATE_VOLUME, "/cache")])]

    plan, _ = plan_for(records, (), scale=2)

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache"), (STATE_VOLUME, "demo-db-2", "/cache")]
    assert plan.findings == []


def test_stopped_one_off_volume_is_finding() -> None:
    one_off = db_record("demo-db-run-1a2b", "1", [volume_mount(STATE_VOLUME, "/cache")])
    one_off["Config"]["Labels"]["io.crank.oneoff"] = "True"
    one_off["State"]["Status"] = "exited"

    plan, _ = plan_for([db_record("demo-db-1", "1", [volume_mount(CACHE_VOLUME, "/cache")]), one_off], ())

    assert copies(plan) == [(CACHE_VOLUME, "demo-db-1", "/cache")]
    assert [finding.key for finding in plan.findings] == ["container demo-db-run-1a2b volume /cache"]
    assert "it is a one-off container (from `run`)" in plan.findings[0].message


def test_replica_read_from_compose_label() -> None:
    record = inspect_record("demo-db-3", "db", label="com.docker.compose.project")
    record["Config"]["Labels"]["com.docker.compose.container-number"] = "3"
    unnumbered = inspect_record("demo-db-x", "db")

    containers = source_containers([record, unnumbered], "com.docker.compose.service")

    assert [(container.name, container.replica) for container in containers] == [("demo-db-3", 3), ("demo-db-x", 0)]


def sample_plan() -> Plan:
    return Plan(
        project="demo", source="docker", target="podman", services=("db",),
        containers=[SourceContainer("demo-db-1", "db", "a" * 64, running=True, replica=1)],
        images=[], networks=["demo_default"], helper_image="a" * 64, helper_tar="gnu",
        volumes=[VolumeCopy("demo_data", ("db",), 8, on_target=False),
                 VolumeCopy(CACHE_VOLUME, ("db",), 4, on_target=False, container="demo-db-1", path="/cache")],
    )


def test_plan_with_anonymous_copy_round_trips() -> None:
    plan = sample_plan()
    assert Plan.from_dict(json.loads(json.dumps(plan.as_dict()))) == plan


def test_dry_run_text_names_anonymous_path() -> None:
    lines = plan_lines(sample_plan())

    assert (f"  {CACHE_VOLUME}: copy 4.0 KiB (created on the target), anonymous volume at /cache of demo-db-1, "
            "through helper containers") in lines
    assert "  demo_data: copy 8.0 KiB (created on the target), mounted by db, through helper containers" in lines


def test_copy_labels_leave_out_volume_key() -> None:
    plan = sample_plan()

    named, anonymous = (copy_labels("demo", volume) for volume in plan.volumes)

    assert named["io.crank.volume"] == "demo_data"
    assert anonymous["io.crank.project"] == "demo"
    assert "io.crank.volume" not in anonymous


def test_up_mounts_adopted_volumes_in_new_container() -> None:
    runner = FakeRunner({("docker", "ps"): "", ("docker", "network", "ls"): "demo_default",
                         ("docker", "image", "inspect"): f"sha256:{IMAGE_ID}", ("docker", "run"): "new-id"})
    adopted = {"demo-db-1": (Mount("volume", "/cache", CACHE_VOLUME), Mount("volume", "/state", STATE_VOLUME),
                             Mount("volume", "/data", "e" * 64))}

    up(project(), DockerEngine(runner=runner), UpOptions(adopted_volumes=adopted), NoEvents())

    (run,) = [call for call in runner.calls if call[1] == "run"]
    mounts = [value for flag, value in zip(run, run[1:]) if flag == "--mount"]
    # /data has a named volume in the service, which an adopted volume does not replace.
    assert mounts == [f"type=volume,source={CACHE_VOLUME},target=/cache", "type=volume,source=demo_data,target=/data",
                      f"type=volume,source={STATE_VOLUME},target=/state"]
