"""Recreation keeps the anonymous volumes of the replaced container, with the engine faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.operations import specs
from crank_cli.operations.anonymous_volumes import inherited_mounts
from crank_cli.operations.events import NoEvents
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.models import ContainerSpec, Mount
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64
OLD_VOLUME = "b" * 64
STATE_VOLUME = "c" * 64


def load(tmp_path: Path, text: str) -> Project:
    (tmp_path / "compose.yaml").write_text(text)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def old_record(project: Project, service: str, mounts: list[dict[str, Any]], *,
               config_hash: str | None = "old") -> dict[str, Any]:
    """Return the inspect record of a running container of `service`, with a config hash of `config_hash` unless None."""
    spec = specs.container_spec(project, service)
    labels = dict(spec.labels)
    if config_hash is not None:
        labels["io.crank.config-hash"] = config_hash
    return {"Id": f"{service}0123456789abcdef", "Name": "/" + spec.name, "Image": IMAGE_ID,
            "State": {"Status": "running", "ExitCode": 0}, "Config": {"Image": "busybox", "Labels": labels},
            "NetworkSettings": {"Networks": {"demo_default": {}}}, "Mounts": mounts}


def volume_mount(name: str, destination: str) -> dict[str, Any]:
    return {"Type": "volume", "Name": name, "Source": f"/var/lib/docker/volumes/{name}/_data",
            "Destination": destination, "RW": True}


def running_engine(records: list[dict[str, Any]], image_volumes: tuple[str, ...] = ()) -> FakeRunner:
    """Return a fake docker client that runs the containers of `records` and has the image, declaring `image_volumes`."""
    by_id = {record["Id"]: record for record in records}
    by_id_or_name = {**by_id, **{record["Name"].lstrip("/"): record for record in records}}

    def inspect(argv: list[str]) -> str:
        return json.dumps([by_id_or_name[word] for word in argv[3:] if word in by_id_or_name])

    def image(argv: list[str]) -> str:
        if "--format" in argv:
            return IMAGE_ID
        return json.dumps([{"Id": IMAGE_ID, "Config": {"Volumes": dict.fromkeys(image_volumes, {})}}])

    return FakeRunner({
        ("docker", "ps"): "\n".join(by_id),
        ("docker", "container", "inspect"): inspect,
        ("docker", "network", "ls"): "demo_default",
        ("docker", "image", "inspect"): image,
        ("docker", "run"): "new-id",
    })


def mount_flags(runner: FakeRunner) -> list[str]:
    """Return the --mount values of the one container the runner ran."""
    (run,) = [call for call in runner.calls if call[1] == "run"]
    return [value for flag, value in zip(run, run[1:]) if flag == "--mount"]


ANONYMOUS = "services:\n  db:\n    image: busybox\n    volumes: [/data, {type: volume, target: /cache, read_only: true}]\n"


def test_recreate_mounts_old_anonymous_volume(tmp_path: Path) -> None:
    project = load(tmp_path, ANONYMOUS)
    runner = running_engine([old_record(project, "db", [volume_mount(OLD_VOLUME, "/data"), volume_mount("d" * 64, "/cache")])])

    actions = up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert actions.actions == {"demo-db-1": "recreated"}
    assert mount_flags(runner) == [f"type=volume,source={OLD_VOLUME},target=/data", f"type=volume,source={'d' * 64},target=/cache,ro"]
    # Every old mount is at a path the service mounts, so the image's VOLUME paths are not read.
    assert [call for call in runner.calls if call[1:3] == ["image", "inspect"] and "--format" not in call] == []


def test_recreate_mounts_old_image_volume(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  db:\n    image: busybox\n    volumes: [./conf:/conf]\n")
    mounts = [volume_mount(STATE_VOLUME, "/state"), volume_mount("e" * 64, "/gone"),
              {"Type": "bind", "Source": str(tmp_path / "conf"), "Destination": "/conf", "RW": True}]
    runner = running_engine([old_record(project, "db", mounts)], image_volumes=("/state",))

    up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    # /gone is no VOLUME of the new image, so the new container goes without it.
    assert mount_flags(runner) == [f"type=bind,source={tmp_path / 'conf'},target=/conf",
                                   f"type=volume,source={STATE_VOLUME},target=/state"]


def test_unchanged_up_reads_no_mounts(tmp_path: Path) -> None:
    project = load(tmp_path, ANONYMOUS)
    current = specs.container_spec(project, "db").labels["io.crank.config-hash"]
    runner = running_engine([old_record(project, "db", [volume_mount(OLD_VOLUME, "/data")], config_hash=current)])

    result = up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert result.actions == {"demo-db-1": "running"}
    commands = [" ".join(call[1:3]) for call in runner.calls]
    assert commands.count("container inspect") == 1


def spec_with(*mounts: Mount, tmpfs: tuple[str, ...] = ()) -> ContainerSpec:
    return ContainerSpec(name="demo-db-1", image="busybox", mounts=mounts, tmpfs=tmpfs)


def test_inherited_mounts_keep_named_volume() -> None:
    named = Mount("volume", "/data", "demo_data")
    old = [Mount("volume", "/data", OLD_VOLUME)]

    assert inherited_mounts(spec_with(named), old, ("/data",)) == (named,)


def test_inherited_mounts_skip_tmpfs_paths() -> None:
    old = [Mount("volume", "/state", STATE_VOLUME), Mount("tmpfs", "/run", None)]
    spec = spec_with(Mount("volume", "/run"), tmpfs=("/state:size=1m",))

    assert inherited_mounts(spec, old, ("/state", "/run")) == (Mount("volume", "/run"),)


def test_inherited_mounts_take_definition_read_only() -> None:
    old = [Mount("volume", "/data", OLD_VOLUME, read_only=False)]

    assert inherited_mounts(spec_with(Mount("volume", "/data", read_only=True)), old, ()) == (
        Mount("volume", "/data", OLD_VOLUME, read_only=True),)
