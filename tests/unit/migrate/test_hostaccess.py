"""Choosing between the host copy and helper containers, with engines faked at the process boundary."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from crank_cli.errors import EngineError
from crank_cli.operations.migrate import hostaccess
from crank_cli.runtime import transfer
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

DOCKER_INFO = json.dumps({"SecurityOptions": ["name=seccomp,profile=default"]})
PODMAN_INFO = json.dumps({"host": {"security": {"rootless": False}}})
HELPER = transfer.Helper("busybox-id", transfer.BUSYBOX_TAR)


def volume_record(folder: Path, driver: str = "local", options: dict[str, str] | None = None) -> str:
    return json.dumps([{"Name": "demo_data", "Driver": driver, "Mountpoint": str(folder), "Options": options}])


def engines(replies: dict[tuple[str, ...], Any]) -> tuple[Any, Any, FakeRunner]:
    runner = FakeRunner({("docker", "info"): DOCKER_INFO, ("podman", "info"): PODMAN_INFO, **replies})
    return make_backend("docker", runner), make_backend("podman", runner), runner


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    source, target = tmp_path / "docker-volume", tmp_path / "podman-volume"
    source.mkdir()
    target.mkdir()
    return source, target


def inode_reply(folder: Path) -> str:
    return f"{folder.stat().st_ino}\n"


def test_local_volumes_use_host_copy(folders: tuple[Path, Path]) -> None:
    source_folder, target_folder = folders
    source, target, runner = engines({
        ("docker", "volume", "inspect"): volume_record(source_folder),
        ("podman", "volume", "inspect"): volume_record(target_folder),
        ("docker", "run"): inode_reply(source_folder),
        ("podman", "run"): inode_reply(target_folder),
    })

    method = hostaccess.copy_method(source, target, HELPER, "demo_data")

    assert method == hostaccess.CopyMethod("host", None, str(source_folder), str(target_folder))
    stat_calls = [call for call in runner.calls if "stat" in call]
    assert "type=volume,source=demo_data,target=/crank-volume,ro" in stat_calls[0]
    assert "type=volume,source=demo_data,target=/crank-volume" in stat_calls[1]
    assert os.listdir(target_folder) == []


@pytest.mark.parametrize(("docker_info", "reason"), [
    (json.dumps({"SecurityOptions": ["name=seccomp", "name=rootless"]}), "docker runs rootless"),
    (json.dumps({"SecurityOptions": ["name=userns"]}), "docker remaps user IDs (userns-remap)"),
])
def test_mapped_user_ids_use_containers(folders: tuple[Path, Path], docker_info: str, reason: str) -> None:
    source_folder, target_folder = folders
    source, target, _ = engines({
        ("docker", "info"): docker_info,
        ("docker", "volume", "inspect"): volume_record(source_folder),
        ("podman", "volume", "inspect"): volume_record(target_folder),
    })

    method = hostaccess.planned_method(source, target, "demo_data", on_target=True)

    assert method.method == "containers"
    assert method.reason is not None and method.reason.startswith(reason)


def test_remote_engine_uses_containers(folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:2375")
    source, target, _ = engines({})

    method = hostaccess.planned_method(source, target, "demo_data", on_target=False)

    assert method == hostaccess.CopyMethod("containers", "docker runs on another machine (tcp://127.0.0.1:2375)")


def test_volume_with_options_uses_containers(folders: tuple[Path, Path]) -> None:
    source_folder, _ = folders
    source, target, _ = engines({
        ("docker", "volume", "inspect"): volume_record(source_folder, options={"type": "tmpfs", "device": "tmpfs"}),
    })

    method = hostaccess.planned_method(source, target, "demo_data", on_target=False)

    assert method.reason == "volume demo_data on docker has driver options, so its folder contains data only while mounted"


def test_missing_mount_point_uses_containers(tmp_path: Path) -> None:
    source, target, _ = engines({("docker", "volume", "inspect"): volume_record(tmp_path / "absent")})

    method = hostaccess.planned_method(source, target, "demo_data", on_target=False)

    assert method.reason == f"the mount point {tmp_path / 'absent'} of volume demo_data is not a folder on this machine"


def test_other_driver_uses_containers(folders: tuple[Path, Path]) -> None:
    source, target, _ = engines({("docker", "volume", "inspect"): volume_record(folders[0], driver="nfs-plugin")})

    method = hostaccess.planned_method(source, target, "demo_data", on_target=False)

    assert method.reason == "volume demo_data on docker uses driver nfs-plugin, not local"


def test_other_folder_than_mounted_uses_containers(folders: tuple[Path, Path]) -> None:
    source_folder, target_folder = folders
    source, target, _ = engines({
        ("docker", "volume", "inspect"): volume_record(source_folder),
        ("podman", "volume", "inspect"): volume_record(target_folder),
        ("docker", "run"): "1\n",
        ("podman", "run"): inode_reply(target_folder),
    })

    method = hostaccess.copy_method(source, target, HELPER, "demo_data")

    assert method == hostaccess.CopyMethod("containers", f"{source_folder} is not the folder that docker mounts for volume demo_data")


def test_unreadable_inode_uses_containers(folders: tuple[Path, Path]) -> None:
    source_folder, target_folder = folders
    source, target, _ = engines({
        ("docker", "volume", "inspect"): volume_record(source_folder),
        ("podman", "volume", "inspect"): volume_record(target_folder),
        ("docker", "run"): inode_reply(source_folder),
        ("podman", "run"): EngineError(["podman", "run"], 127, "stat: executable file not found"),
    })

    method = hostaccess.copy_method(source, target, HELPER, "demo_data")

    assert method.reason == "cannot read the root inode of volume demo_data in a helper container on podman"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give files other owners")
def test_chown_probe_leaves_nothing(folders: tuple[Path, Path]) -> None:
    assert hostaccess._ownership_problem(folders[1]) is None
    assert os.listdir(folders[1]) == []


def test_plan_leaves_target_folder_untouched(folders: tuple[Path, Path]) -> None:
    source_folder, target_folder = folders
    os.utime(target_folder, ns=(1, 2))
    source, target, _ = engines({
        ("docker", "volume", "inspect"): volume_record(source_folder),
        ("podman", "volume", "inspect"): volume_record(target_folder),
    })

    method = hostaccess.planned_method(source, target, "demo_data", on_target=True)

    assert method.method == "host"
    assert os.stat(target_folder).st_mtime_ns == 2
