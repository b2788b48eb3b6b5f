"""Building a plan from engines faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crank_cli.compose import Project
from crank_cli.cli import run_cli
from crank_cli.errors import EngineError, ExitCode, ProjectNotFoundError, UsageError
from crank_cli.operations.migrate import FindingsError, check_findings
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.inventory import build_plan, locate_source, present_disabled_services
from crank_cli.operations.migrate.plan import Plan, VolumeCopy
from crank_cli.runtime import queries
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

IMAGE_ID = "1" * 64
HELPER_TAR = "tar (GNU tar) 1.34"
CRANK_FILTER = "label=io.crank.project=demo"
NOT_FOUND = EngineError(["podman"], 125, "Error: no such object")


def project(services: dict[str, Any] | None = None) -> Project:
    model = {
        "name": "demo",
        "services": services or {
            "db": {"image": "localhost/db:1", "volumes": [{"type": "volume", "source": "data", "target": "/data"}]},
            "web": {"image": "localhost/web:1", "depends_on": {"db": {"condition": "service_started"}},
                    "ports": [{"target": 80, "published": "80", "protocol": "tcp"}]},
        },
        "volumes": {"data": {"name": "demo_data"}},
        "networks": {"default": {"name": "demo_default"}},
    }
    return Project("demo", Path("/srv/demo"), (Path("/srv/demo/compose.yaml"),), model)


def inspect_record(name: str, service: str, *, label: str = "io.crank.project") -> dict[str, Any]:
    service_label = "io.crank.service" if label == "io.crank.project" else "com.docker.compose.service"
    return {
        "Id": f"id-{name}", "Name": f"/{name}", "Image": f"sha256:{IMAGE_ID}",
        "State": {"Status": "running", "ExitCode": 0},
        "Config": {"Image": "localhost/web:1", "Labels": {label: "demo", service_label: service}},
        "NetworkSettings": {"Ports": {}},
    }


def docker_replies(records: list[dict[str, Any]], *, label_filter: str = CRANK_FILTER) -> dict[tuple[str, ...], Any]:
    def run(argv: list[str]) -> str:
        if "--version" in argv:
            return HELPER_TAR
        if "du" in argv:
            return "2048\t/crank-volume\n"
        return ""

    return {
        ("docker", "ps", "--all", "--quiet", "--no-trunc", "--filter", label_filter): "\n".join(r["Id"] for r in records),
        ("docker", "container", "inspect"): json.dumps(records),
        ("docker", "network", "ls"): "demo_default\n",
        ("docker", "image", "inspect", "--format", "{{.Size}}"): "5000\n",
        ("docker", "image", "inspect", "--format", "{{.Id}}"): f"sha256:{IMAGE_ID}\n",
        ("docker", "volume", "inspect"): '[{"Name": "demo_data", "Labels": {}}]',
        ("docker", "run"): run,
    }


def podman_replies() -> dict[tuple[str, ...], Any]:
    return {
        ("podman", "ps"): "",
        ("podman", "image", "inspect"): NOT_FOUND,
        ("podman", "volume", "inspect"): NOT_FOUND,
        ("podman", "info"): '{"host": {"security": {"rootless": true}}}',
    }


def engines(records: list[dict[str, Any]], **options: Any) -> tuple[Any, Any, FakeRunner]:
    runner = FakeRunner({**docker_replies(records, **options), **podman_replies()})
    return make_backend("docker", runner), make_backend("podman", runner), runner


def test_plan_lists_images_volumes_and_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port_start = tmp_path / "ip_unprivileged_port_start"
    port_start.write_text("1024\n")
    monkeypatch.setattr(queries, "UNPRIVILEGED_PORT_START", port_start)
    source, target, _ = engines([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])

    plan, inspected = build_plan(project(), source, target, ())

    assert plan.services == ("db", "web")
    assert plan.running_before == ["demo-db-1", "demo-web-1"]
    assert [(image.image_id, image.references, image.size, image.on_target) for image in plan.images] == [
        (IMAGE_ID, ("localhost/db:1", "localhost/web:1"), 5000, False)]
    assert [(volume.name, volume.services, volume.kilobytes) for volume in plan.volumes] == [("demo_data", ("db",), 2048)]
    assert (plan.helper_image, plan.helper_tar) == (IMAGE_ID, "gnu")
    assert [(finding.level, finding.key) for finding in plan.findings] == [("unsupported", "services.web.ports[0].published")]
    assert len(inspected) == 2


def test_helper_containers_mount_volume_read_only() -> None:
    source, target, runner = engines([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])

    build_plan(project(), source, target, ())

    du = next(call for call in runner.calls if "du" in call)
    assert du[:10] == ["docker", "run", "--rm", "--network", "none", "--log-driver", "none", "--user", "0:0", "--label"]
    assert "type=volume,source=demo_data,target=/crank-volume,ro" in du
    assert du[-4:] == [IMAGE_ID, "-s", "-k", "/crank-volume"]


def test_dependency_left_behind_rejected() -> None:
    source, target, _ = engines([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])

    with pytest.raises(UsageError) as raised:
        build_plan(project(), source, target, ("db",))

    assert "web depends on db" in raised.value.message


def one_off_plan(status: str) -> Plan:
    one_off = inspect_record("demo-web-run-1a2b3c", "web")
    one_off["Config"]["Labels"]["io.crank.oneoff"] = "True"
    one_off["State"]["Status"] = status
    source, target, _ = engines([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web"), one_off])
    plan, _ = build_plan(project(), source, target, ())
    return plan


@pytest.mark.parametrize("status", ["running", "paused"])
def test_running_one_off_blocks_migration(status: str) -> None:
    plan = one_off_plan(status)

    blocking = [finding for finding in plan.findings if finding.key == "container demo-web-run-1a2b3c"]
    assert len(blocking) == 1
    assert blocking[0].blocking
    assert "one-off container of service web" in blocking[0].message
    assert "`docker stop demo-web-run-1a2b3c`" in blocking[0].message


def test_stopped_one_off_does_not_block() -> None:
    plan = one_off_plan("exited")

    assert not any(finding.key.startswith("container ") for finding in plan.findings)


def test_docker_compose_project_found_by_its_label() -> None:
    label = "com.docker.compose.project"
    records = [inspect_record("demo-db-1", "db", label=label), inspect_record("demo-web-1", "web", label=label)]
    source, target, _ = engines(records, label_filter=f"label={label}=demo")

    plan, _ = build_plan(project(), source, target, ())

    assert plan.started_by == "docker compose"
    assert plan.services == ("db", "web")


def test_container_of_undefined_service_stays() -> None:
    # db mounts a volume, so the shared-volume check looks at every service that stays.
    records = [inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web"), inspect_record("demo-gone-1", "gone")]
    source, target, _ = engines(records)

    plan, _ = build_plan(project(), source, target, ())

    assert plan.services == ("db", "web")
    assert [container.name for container in plan.moved_containers] == ["demo-db-1", "demo-web-1"]


def test_disabled_service_with_container_is_present() -> None:
    records = [inspect_record("demo-db-1", "db"), inspect_record("demo-extra-1", "extra")]
    source, _, _ = engines(records)
    disabled = project()._replace(disabled_services=("extra", "tools"))

    assert present_disabled_services(disabled, source) == ("extra",)
    assert present_disabled_services(project(), source) == ()


def test_disabled_service_of_docker_compose_is_present() -> None:
    label = "com.docker.compose.project"
    records = [inspect_record("demo-db-1", "db", label=label), inspect_record("demo-extra-1", "extra", label=label)]
    source, _, _ = engines(records, label_filter=f"label={label}=demo")

    assert present_disabled_services(project()._replace(disabled_services=("extra",)), source) == ("extra",)


def test_unknown_service_rejected() -> None:
    source, target, _ = engines([inspect_record("demo-db-1", "db")])
    with pytest.raises(UsageError) as raised:
        build_plan(project(), source, target, ("cache",))
    assert raised.value.message == "no such service: cache (the project has db, web)"


def test_source_is_engine_with_containers() -> None:
    source, target, _ = engines([inspect_record("demo-db-1", "db")])
    assert locate_source({"docker": source, "podman": target}, "demo") == "docker"


def test_no_engine_with_containers_not_found() -> None:
    source, target, _ = engines([])
    with pytest.raises(ProjectNotFoundError) as raised:
        locate_source({"docker": source, "podman": target}, "demo")
    assert raised.value.kind == "project-not-found"
    assert raised.value.message == ("no containers of project demo found on any usable engine (searched: docker, podman): "
                                    "start the project first, or name another one with -p")


def test_source_without_containers_not_found() -> None:
    source, target, _ = engines([])
    with pytest.raises(ProjectNotFoundError) as raised:
        build_plan(project(), source, target, ())
    assert raised.value.kind == "project-not-found"
    assert raised.value.message == "no containers of project demo found on docker: check --from, or start the project first"


def test_dry_run_json_reports_project_not_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("name: demo\nservices:\n  web:\n    image: busybox\n")
    monkeypatch.chdir(tmp_path)
    source, target, _ = engines([])
    monkeypatch.setattr("crank_cli.cli.migrate._usable_engine", {"docker": source, "podman": target}.__getitem__)
    monkeypatch.setattr("crank_cli.cli.migrate._engines_with_project", lambda: {"docker": source, "podman": target})

    code = run_cli(["migrate", "--to", "podman", "--dry-run", "--format", "json"])
    document = json.loads(capsys.readouterr().out)

    assert code == ExitCode.INVALID_PROJECT
    assert document["error"] == "project-not-found"
    assert document["message"].startswith("no containers of project demo found on any usable engine")


def busybox_engines(volume_record: dict[str, Any]) -> tuple[Any, Any]:
    replies = docker_replies([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])
    replies[("docker", "run")] = lambda argv: "tar (busybox) 1.36" if "--version" in argv else "8\t/crank-volume\n"
    replies[("docker", "volume", "inspect")] = json.dumps([volume_record])
    replies[("docker", "info")] = json.dumps({"SecurityOptions": []})
    podman = {**podman_replies(), ("podman", "info"): json.dumps({"host": {"security": {"rootless": False}}})}
    runner = FakeRunner({**replies, **podman})
    return make_backend("docker", runner), make_backend("podman", runner)


def test_busybox_finding_only_for_containers() -> None:
    source, target = busybox_engines({"Name": "demo_data", "Driver": "local", "Mountpoint": "/nonexistent/_data"})

    plan, _ = build_plan(project(), source, target, ())

    assert [(volume.method, volume.method_reason) for volume in plan.volumes] == [
        ("containers", "the mount point /nonexistent/_data of volume demo_data is not a folder on this machine")]
    busybox = [finding for finding in plan.findings if "BusyBox tar" in finding.message]
    assert len(busybox) == 1
    assert (busybox[0].level, busybox[0].key) == ("migration", "volume demo_data")


def test_host_copy_plan_has_no_busybox_finding(tmp_path: Path) -> None:
    source, target = busybox_engines({"Name": "demo_data", "Driver": "local", "Mountpoint": str(tmp_path)})

    plan, _ = build_plan(project(), source, target, ())

    assert [(volume.method, volume.method_reason) for volume in plan.volumes] == [("host", None)]
    assert not [finding for finding in plan.findings if "BusyBox tar" in finding.message]


def test_image_label_reaches_capability_check() -> None:
    replies = docker_replies([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])
    labels = json.dumps({"org.crank.runtime.compatible": "docker"})
    replies[("docker", "image", "inspect", "--format", "{{.Id}} {{json .Config.Labels}}")] = f"sha256:{IMAGE_ID} {labels}\n"
    runner = FakeRunner({**replies, **podman_replies()})
    source, target = make_backend("docker", runner), make_backend("podman", runner)

    plan, _ = build_plan(project(), source, target, ())

    image_findings = [(finding.level, finding.key) for finding in plan.findings if finding.key.endswith(".image")]
    assert image_findings == [("unsupported", "services.db.image"), ("unsupported", "services.web.image")]
    reads = [call for call in runner.calls if call[0] == "docker" and "{{.Id}} {{json .Config.Labels}}" in call and IMAGE_ID in call]
    # One read resolves the image ID and one reads its labels; a read per service would make three.
    assert len(reads) == 2


OTHER_IMAGE_ID = "2" * 64


def replacing_engines(podman: dict[tuple[str, ...], Any]) -> tuple[Any, Any]:
    replies = docker_replies([inspect_record("demo-db-1", "db"), inspect_record("demo-web-1", "web")])
    runner = FakeRunner({**replies, **podman_replies(), **podman})
    return make_backend("docker", runner), make_backend("podman", runner)


def image_on_podman(argv: list[str]) -> str:
    # The target has its own image named localhost/db:1, and nothing under the source's image ID.
    if "localhost/db:1" in argv:
        return f"sha256:{OTHER_IMAGE_ID} {{}}\n"
    raise NOT_FOUND


def test_existing_tag_blocks_migration() -> None:
    source, target = replacing_engines({("podman", "image", "inspect"): image_on_podman})

    plan, _ = build_plan(project(), source, target, ())

    retags = [finding for finding in plan.findings if finding.key == "image localhost/db:1"]
    assert len(retags) == 1
    assert retags[0].blocking
    assert f"localhost/db:1 names image {OTHER_IMAGE_ID[:12]} on podman" in retags[0].message
    assert "pass --replace-existing" in retags[0].message
    with pytest.raises(FindingsError, match="these findings block the migration"):
        check_findings(plan.findings, strict=False)


def test_replace_existing_accepts_retag() -> None:
    source, target = replacing_engines({("podman", "image", "inspect"): image_on_podman})

    plan, _ = build_plan(project(), source, target, (), replace_existing=True)

    retags = [finding for finding in plan.findings if finding.key == "image localhost/db:1"]
    assert len(retags) == 1
    assert not retags[0].blocking
    assert "--replace-existing accepts this" in retags[0].message


PROJECT_VOLUME = json.dumps([{"Name": "demo_data", "Labels": {"io.crank.project": "demo"}, "Mountpoint": "/nonexistent"}])


def test_existing_project_volume_blocks() -> None:
    source, target = replacing_engines({("podman", "volume", "inspect"): PROJECT_VOLUME})

    plan, _ = build_plan(project(), source, target, ())

    existing = [finding for finding in plan.findings if finding.key == "volume demo_data"]
    assert len(existing) == 1
    assert existing[0].blocking
    assert "an undo cannot bring the old content back" in existing[0].message
    assert "pass --replace-existing" in existing[0].message
    assert [volume.on_target for volume in plan.volumes] == [True]


def test_replace_existing_accepts_project_volume() -> None:
    source, target = replacing_engines({("podman", "volume", "inspect"): PROJECT_VOLUME})

    plan, _ = build_plan(project(), source, target, (), replace_existing=True)

    existing = [finding for finding in plan.findings if finding.key == "volume demo_data"]
    assert len(existing) == 1
    assert not existing[0].blocking
    check_findings(plan.findings, strict=False)


def test_foreign_volume_blocks_even_when_replacing() -> None:
    foreign = json.dumps([{"Name": "demo_data", "Labels": {"io.crank.project": "other"}, "Mountpoint": "/nonexistent"}])
    source, target = replacing_engines({("podman", "volume", "inspect"): foreign})

    plan, _ = build_plan(project(), source, target, (), replace_existing=True)

    existing = [finding for finding in plan.findings if finding.key == "volume demo_data"]
    assert len(existing) == 1
    assert existing[0].blocking
    assert "does not belong to project demo" in existing[0].message


def test_docker_compose_volume_of_project_is_project_volume() -> None:
    made_by_compose = json.dumps([{"Name": "demo_data", "Labels": {"com.docker.compose.project": "demo"},
                                   "Mountpoint": "/nonexistent"}])
    source, target = replacing_engines({("podman", "volume", "inspect"): made_by_compose})

    plan, _ = build_plan(project(), source, target, (), replace_existing=True)

    existing = [finding for finding in plan.findings if finding.key == "volume demo_data"]
    assert len(existing) == 1
    assert not existing[0].blocking
    assert "with the labels of project demo" in existing[0].message


def test_volume_left_by_migration_names_rollback(tmp_path: Path) -> None:
    moved_back = project()._replace(working_dir=tmp_path)
    earlier = Plan(project="demo", source="podman", target="docker", services=("db", "web"), containers=[],
                   images=[], volumes=[VolumeCopy(name="demo_data", services=("db",), kilobytes=8, on_target=False)],
                   networks=[])
    records.create(moved_back, earlier, []).finish(records.DONE)
    source, target = replacing_engines({("podman", "volume", "inspect"): PROJECT_VOLUME})

    plan, _ = build_plan(moved_back, source, target, ())

    existing = [finding for finding in plan.findings if finding.key == "volume demo_data"]
    assert len(existing) == 1
    assert existing[0].blocking
    assert "the copy that the migration from podman to docker left there" in existing[0].message
    assert "`crank migrate --rollback` moves the project back to podman" in existing[0].message
