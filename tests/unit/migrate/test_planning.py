"""The migration planner without engines: cut-over rules, findings and the dry-run text."""

from __future__ import annotations

from typing import Any

import pytest

from crank_cli.errors import UsageError
from crank_cli.operations.capabilities import (
    EMULATED,
    MIGRATION,
    UNSUPPORTED,
    EngineFacts,
    Finding,
)
from crank_cli.operations.migrate import FindingsError, check_findings
from crank_cli.operations.migrate.describe import human_size, plan_lines
from crank_cli.operations.migrate.findings import (
    capability_findings,
    service_findings,
    volume_findings,
)
from crank_cli.operations.migrate.plan import (
    ImageCopy,
    Plan,
    SourceContainer,
    VolumeCopy,
    check_cut_over,
    check_shared_volumes,
)

# db <- api <- web, and a worker that depends on nothing.
SERVICES: dict[str, dict[str, Any]] = {
    "db": {"volumes": [{"type": "volume", "source": "data", "target": "/var/lib/db"}]},
    "api": {"depends_on": {"db": {"condition": "service_started"}}},
    "web": {"depends_on": {"api": {"condition": "service_started"}},
            "volumes": [{"type": "volume", "source": "static", "target": "/www"}]},
    "worker": {"volumes": [{"type": "volume", "source": "static", "target": "/out"}]},
}
ROOTLESS_PODMAN = EngineFacts("podman", "4.3.1", schedules_healthchecks=False, rootless=True, unprivileged_port_start=1024)
ROOTFUL_DOCKER = EngineFacts("docker", "20.10.24", schedules_healthchecks=True)


def test_cut_over_allows_service_nobody_needs() -> None:
    check_cut_over(SERVICES, ["web"], source="docker", target="podman")


def test_cut_over_allows_whole_chain() -> None:
    check_cut_over(SERVICES, ["db", "api", "web"], source="docker", target="podman")


def test_cut_over_rejects_dependency_left_behind() -> None:
    with pytest.raises(UsageError) as raised:
        check_cut_over(SERVICES, ["db"], source="docker", target="podman")
    message = raised.value.message
    assert "api depends on db" in message
    assert "it stays on docker" in message
    assert message.endswith("move them together: crank migrate --to podman api db")


def test_cut_over_names_every_blocked_service() -> None:
    with pytest.raises(UsageError) as raised:
        check_cut_over(SERVICES, ["db", "api"], source="docker", target="podman")
    assert "web depends on api" in raised.value.message
    assert "api depends on db" not in raised.value.message


def test_shared_volume_with_running_service_rejected() -> None:
    with pytest.raises(UsageError) as raised:
        check_shared_volumes(SERVICES, ["web"], ["web", "worker", "db"])
    assert "volume static of web is also mounted by worker" in raised.value.message


def test_shared_volume_allowed_when_both_move() -> None:
    check_shared_volumes(SERVICES, ["web", "worker"], ["web", "worker", "db"])


def test_shared_volume_check_skips_undefined_service() -> None:
    # A running container of a service that the compose files no longer define.
    check_shared_volumes(SERVICES, ["web", "worker"], ["web", "worker", "gone"])


def all_findings(services: dict[str, Any], moved: list[str], facts: EngineFacts, source: str) -> list[Finding]:
    model = {"services": {name: {"image": "busybox", **service} for name, service in services.items()}}
    return [*capability_findings(model, moved, facts, {}),
            *service_findings(model["services"], moved, source=source, target=facts.name)]


def test_findings_for_rootless_podman() -> None:
    services = {
        "host": {"network_mode": "host"},
        "low": {"ports": [{"target": 80, "published": "80", "protocol": "tcp"},
                          {"target": 443, "published": "8443", "protocol": "tcp"}]},
        "checked": {"healthcheck": {"test": ["CMD-SHELL", "true"]}, "restart": "always"},
        "scratch": {"volumes": [{"type": "volume", "target": "/tmp/cache"}]},
    }

    findings = all_findings(services, list(services), ROOTLESS_PODMAN, "docker")

    assert [(finding.level, finding.key) for finding in findings] == [
        (EMULATED, "services.checked.healthcheck"),
        (UNSUPPORTED, "services.host.network_mode"),
        (UNSUPPORTED, "services.low.ports[0].published"),
        (MIGRATION, "services.checked.restart"),
    ]
    assert "cannot bind ports below 1024" in findings[1].message
    assert "podman-restart.service" in findings[3].message
    assert not any(finding.blocking for finding in findings)


def test_rootful_docker_no_port_findings() -> None:
    services = {"web": {"network_mode": "host", "ports": [{"target": 80, "published": "80"}],
                        "healthcheck": {"test": ["CMD-SHELL", "true"]}, "restart": "always"}}
    assert all_findings(services, ["web"], ROOTFUL_DOCKER, "podman") == []


def test_port_below_lowered_unprivileged_start_is_fine() -> None:
    facts = EngineFacts("podman", "4.3.1", schedules_healthchecks=True, rootless=True, unprivileged_port_start=80)
    services = {"web": {"ports": [{"target": 80, "published": "80"}]}}
    assert all_findings(services, ["web"], facts, "docker") == []


def test_capability_check_covers_moved_services_only() -> None:
    services = {"web": {"domainname": "example.org"}, "other": {"domainname": "example.org"}}
    labels = {"web": {"org.crank.runtime.compatible": "docker"}, "other": {"org.crank.runtime.compatible": "docker"}}
    model = {"services": {name: {"image": "busybox", **service} for name, service in services.items()}}

    findings = capability_findings(model, ["web"], ROOTLESS_PODMAN, labels)

    assert [(finding.level, finding.key) for finding in findings] == [
        (UNSUPPORTED, "services.web.domainname"), (UNSUPPORTED, "services.web.image")]


def test_dependency_left_behind_is_finding() -> None:
    findings = service_findings(SERVICES, ["web"], source="podman", target="docker")
    assert [(finding.level, finding.service, finding.key) for finding in findings] == [
        (MIGRATION, "web", "services.web.depends_on.api")]
    assert "api stays on podman" in findings[0].message


def test_volume_driver_and_external_findings() -> None:
    volumes = {
        "plain": {"name": "demo_plain"},
        "nfs": {"name": "demo_nfs", "driver_opts": {"type": "nfs", "device": ":/export"}},
        "shared": {"name": "shared", "external": True},
    }

    findings = volume_findings(volumes, ["plain", "nfs", "shared"], "docker")

    assert [finding.key for finding in findings] == ["volumes.nfs.driver", "volumes.shared.external"]
    assert "plain local volume" in findings[0].message
    assert "is external" in findings[1].message


def test_findings_stop_only_with_strict() -> None:
    advisory = [Finding(EMULATED, "web", "services.web.healthcheck", "crank runs the check")]
    check_findings(advisory, strict=False)
    with pytest.raises(FindingsError) as raised:
        check_findings(advisory, strict=True)
    assert raised.value.message == "--strict makes every finding an error: emulated: services.web.healthcheck: crank runs the check"


def test_blocking_finding_stops_without_strict() -> None:
    blocking = [Finding(MIGRATION, "web", "services.web.container_name", "name taken", blocking=True)]
    with pytest.raises(FindingsError) as raised:
        check_findings(blocking, strict=False)
    assert raised.value.exit_code == 2


def sample_plan() -> Plan:
    return Plan(
        project="demo", source="docker", target="podman", services=("web",),
        containers=[SourceContainer("demo-web-1", "web", "a" * 64, running=True),
                    SourceContainer("demo-worker-1", "worker", "b" * 64, running=False)],
        images=[ImageCopy("a" * 64, ("localhost/web:1",), 5 * 1024 * 1024, on_target=False)],
        volumes=[VolumeCopy("demo_static", ("web",), 2048, on_target=False, method="host"),
                 VolumeCopy("demo_cache", ("web",), 0, on_target=True, method_reason="docker runs on another machine")],
        networks=["demo_default"],
        findings=[Finding(MIGRATION, "web", "services.web.restart", "differs. kept")],
        helper_image="a" * 64, helper_tar="gnu",
    )


def test_plan_round_trips_through_record() -> None:
    plan = sample_plan()
    assert Plan.from_dict(plan.as_dict()) == plan


def test_plan_reads_findings_of_older_records() -> None:
    document = sample_plan().as_dict()
    document["findings"] = [{"subject": "volume demo_x", "problem": "exists", "action": "remove it", "blocking": True}]

    plan = Plan.from_dict(document)

    assert plan.findings == [Finding(MIGRATION, None, "volume demo_x", "exists. remove it", blocking=True)]


def test_plan_lists_moved_containers() -> None:
    plan = sample_plan()
    assert not plan.full
    assert plan.running_before == ["demo-web-1"]


def test_dry_run_text_shows_sizes_and_findings() -> None:
    lines = plan_lines(sample_plan())
    assert lines[0] == "migrate project demo (started by crank) from docker to podman"
    assert "services: web (per-service cut-over)" in lines
    assert f"  {'a' * 12} (localhost/web:1): copy 5.0 MiB" in lines
    assert "  demo_static: copy 2.0 MiB (created on the target), mounted by web, on the host, between the volume folders" in lines
    assert ("  demo_cache: copy 0 B (exists on the target), mounted by web, "
            "through helper containers (docker runs on another machine)") in lines
    assert "stop on docker: demo-web-1" in lines
    assert "  migration: services.web.restart: differs. kept" in lines


def test_dry_run_text_names_helper_use() -> None:
    plan = sample_plan()
    mixed = plan_lines(plan)
    plan.volumes = [volume for volume in plan.volumes if volume.method == "host"]
    host_only = plan_lines(plan)

    assert f"helper image for the volume copies: {'a' * 12} (gnu tar)" in mixed
    assert f"helper image for the volume checks: {'a' * 12} (gnu tar)" in host_only


def test_human_size_units() -> None:
    assert human_size(512) == "512 B"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(3 * 1024**3) == "3.0 GiB"
