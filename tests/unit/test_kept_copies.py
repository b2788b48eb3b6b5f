"""Which containers `start` and `restart` under runtime auto leave stopped after `migrate --keep-source`."""

from __future__ import annotations

from pathlib import Path

from crank_cli.cli.kept_copies import kept_services
from crank_cli.compose import Project
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.plan import Plan

SERVICES = {"db": {"image": "busybox"}, "web": {"image": "busybox"}}


def migrated(tmp_path: Path, services: tuple[str, ...], *, source: str = "docker", target: str = "podman",
             status: str = records.DONE, kept: bool = True) -> None:
    project = Project("shop", tmp_path, (tmp_path / "compose.yaml",), {"name": "shop", "services": SERVICES})
    plan = Plan(project="shop", source=source, target=target, services=services, containers=[], images=[],
                volumes=[], networks=[])
    record = records.create(project, plan, [])
    record.finish(status, source_kept=kept)


def test_no_records_keeps_nothing(tmp_path: Path) -> None:
    assert kept_services(tmp_path, "shop", {"docker", "podman"}) == {}


def test_kept_source_copies_found(tmp_path: Path) -> None:
    migrated(tmp_path, ("web",))

    assert kept_services(tmp_path, "shop", {"docker", "podman"}) == {"docker": {"web"}}


def test_removed_source_keeps_nothing(tmp_path: Path) -> None:
    migrated(tmp_path, ("web",), kept=False)

    assert kept_services(tmp_path, "shop", {"docker", "podman"}) == {}


def test_target_without_containers_keeps_nothing(tmp_path: Path) -> None:
    migrated(tmp_path, ("web",))

    assert kept_services(tmp_path, "shop", {"docker"}) == {}


def test_rolled_back_migration_keeps_nothing(tmp_path: Path) -> None:
    migrated(tmp_path, ("web",), status=records.ROLLED_BACK)

    assert kept_services(tmp_path, "shop", {"docker", "podman"}) == {}


def test_later_migration_back_decides(tmp_path: Path) -> None:
    migrated(tmp_path, ("db", "web"))
    migrated(tmp_path, ("web",), source="podman", target="docker", kept=False)

    assert kept_services(tmp_path, "shop", {"docker", "podman"}) == {"docker": {"db"}}


def test_other_project_keeps_nothing(tmp_path: Path) -> None:
    migrated(tmp_path, ("web",))

    assert kept_services(tmp_path, "other", {"docker", "podman"}) == {}
