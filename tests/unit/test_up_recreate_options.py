"""`up -V`, `--always-recreate-deps` and `--quiet-build`, with the engine faked at the process boundary."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from crank_cli.compose import Project
from crank_cli.operations import specs
from crank_cli.operations.events import NoEvents
from crank_cli.operations.resources import ImagePolicy
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fake_podman import FakePodman, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import FakeRunner, enter_project, run_verb
from tests.unit.test_anonymous_volumes import (
    ANONYMOUS,
    IMAGE_ID,
    OLD_VOLUME,
    load,
    mount_flags,
    old_record,
    running_engine,
    volume_mount,
)


def test_renew_anon_volumes_mounts_new_volume(tmp_path: Path) -> None:
    project = load(tmp_path, ANONYMOUS)
    runner = running_engine([old_record(project, "db", [volume_mount(OLD_VOLUME, "/data")], config_hash=None)])

    up(project, DockerEngine(runner=runner), UpOptions(recreate="force", renew_anonymous_volumes=True), NoEvents())

    assert mount_flags(runner) == ["type=volume,target=/data", "type=volume,target=/cache,ro"]
    # The old container goes with its volumes, as nothing uses them now.
    assert ["docker", "rm", "--force", "--volumes", "db0123456789_demo-db-1"] in runner.calls



CHAIN = """\
services:
  base:
    image: busybox
  mid:
    image: busybox
    depends_on: [base]
  top:
    image: busybox
    depends_on: [mid]
"""


def current_records(project: Project) -> list[dict[str, Any]]:
    return [old_record(project, name, [], config_hash=specs.container_spec(project, name).labels["io.crank.config-hash"])
            for name in project.model["services"]]


def ran(runner: FakeRunner) -> list[str]:
    return sorted(call[call.index("--name") + 1] for call in runner.calls if call[1] == "run")


@pytest.mark.parametrize(("services", "expected"), [
    (("top",), ["demo-base-1", "demo-mid-1"]),
    (("mid",), ["demo-base-1"]),
    ((), []),
])
def test_always_recreate_deps_recreates_dependencies(tmp_path: Path, services: tuple[str, ...],
                                                     expected: list[str]) -> None:
    project = load(tmp_path, CHAIN)
    runner = running_engine(current_records(project))

    up(project, DockerEngine(runner=runner), UpOptions(services=services, always_recreate_dependencies=True), NoEvents())

    assert ran(runner) == expected


def test_quiet_build_hides_build_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = load(tmp_path, "services:\n  app:\n    build: .\n    image: demo-app\n")
    runner = FakeRunner({("docker", "image", "inspect"): IMAGE_ID, ("docker", "run"): "new-id"})
    builds: list[list[str]] = []

    def run_attached(argv: list[str], *, stdout: Any = None, lines: Any = None, **_: object) -> int:
        builds.append(list(argv))
        (lines or (stdout or sys.stderr).write)("Step 1/1 : FROM scratch\n")
        return 0

    engine = DockerEngine(runner=runner, attached_runner=run_attached)
    up(project, engine, UpOptions(images=ImagePolicy(build="always", quiet_build=True)), NoEvents())

    assert builds[0][1] == "build"
    assert "Step 1/1" not in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--always-recreate-deps", "--renew-anon-volumes", "-V"])
def test_flag_rejects_no_recreate(fake_podman: FakePodman, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                  capsys: pytest.CaptureFixture[str], flag: str) -> None:
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  db:\n    image: busybox\n")

    code, _, err = run_verb(capsys, "up", "-d", flag, "--no-recreate")

    assert code == 2
    long_flag = "--renew-anon-volumes" if flag == "-V" else flag
    assert err == f"crank: error: {long_flag} and --no-recreate cannot be used together\n"
    assert fake_podman.calls("run") == []
