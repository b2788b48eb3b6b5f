"""A new project whose `up` fails is left with no network, volume or container it created."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import EngineError, InvalidProjectError, UsageError
from crank_cli.operations.events import NoEvents
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64
NO_VOLUME = EngineError(["docker", "volume", "inspect"], 1, "Error: No such volume: demo_data")


def load(tmp_path: Path, extra: str = "") -> Project:
    text = "services:\n  web:\n    image: busybox\n    volumes: [data:/data]\n" + extra + "volumes:\n  data: {}\n"
    (tmp_path / "compose.yaml").write_text(text)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def new_project_engine(**replies: object) -> FakeRunner:
    """Return an engine with the image present and no object of the project yet."""
    return FakeRunner({("docker", "image", "inspect"): IMAGE_ID, ("docker", "volume", "inspect"): NO_VOLUME,
                       **{("docker", *key.split("_")): reply for key, reply in replies.items()}})


def engine_commands(runner: FakeRunner) -> list[str]:
    return [" ".join(call[1:3]) for call in runner.calls]


def test_spec_error_creates_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORTFIX_UNSET_SECRET", raising=False)
    secret = "    secrets: [token]\nsecrets:\n  token:\n    environment: PORTFIX_UNSET_SECRET\n"
    project = load(tmp_path, secret)
    runner = new_project_engine()

    with pytest.raises(InvalidProjectError, match="PORTFIX_UNSET_SECRET is not set"):
        up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    commands = engine_commands(runner)
    assert "network create" not in commands
    assert "volume create" not in commands
    assert not [command for command in commands if command.startswith("run")]


def test_unexpected_error_removes_new_objects(tmp_path: Path) -> None:
    def crash(argv: list[str]) -> str:
        raise RuntimeError("a bug while creating the container")

    runner = new_project_engine(run=crash)

    with pytest.raises(RuntimeError, match="a bug"):
        up(load(tmp_path), DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert ["docker", "network", "rm", "demo_default"] in runner.calls
    assert ["docker", "volume", "rm", "demo_data"] in runner.calls


def test_failed_volume_removes_new_network(tmp_path: Path) -> None:
    no_space = EngineError(["docker", "volume", "create"], 1, "Error: no space left on device")
    runner = new_project_engine(volume_create=no_space)

    with pytest.raises(EngineError, match="no space left"):
        up(load(tmp_path), DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert ["docker", "network", "rm", "demo_default"] in runner.calls
    assert "volume rm" not in engine_commands(runner)


def test_failed_check_removes_new_objects(tmp_path: Path) -> None:
    runner = new_project_engine()
    calls_at_check: list[list[str]] = []

    def check() -> None:
        calls_at_check.extend(runner.calls)
        raise UsageError("project demo already has containers on podman")

    with pytest.raises(UsageError, match="already has containers"):
        up(load(tmp_path), DockerEngine(runner=runner), UpOptions(before_containers=check), NoEvents())

    checked = [" ".join(call[1:3]) for call in calls_at_check]
    assert "network create" in checked
    assert not [command for command in engine_commands(runner) if command.startswith("run")]
    assert ["docker", "network", "rm", "demo_default"] in runner.calls
    assert ["docker", "volume", "rm", "demo_data"] in runner.calls


def test_failed_check_comes_before_pull(tmp_path: Path) -> None:
    no_image = EngineError(["docker", "image", "inspect"], 1, "Error: No such image: busybox")
    runner = new_project_engine(image_inspect=no_image)
    attached: list[list[str]] = []

    def check() -> None:
        raise UsageError("project demo already has containers on podman")

    def run_attached(argv: list[str], **_: object) -> int:
        attached.append(list(argv))
        return 0

    engine = DockerEngine(runner=runner, attached_runner=run_attached)
    with pytest.raises(UsageError, match="already has containers"):
        up(load(tmp_path), engine, UpOptions(before_containers=check), NoEvents())

    assert attached == []
    assert "network create" not in engine_commands(runner)
    assert "volume create" not in engine_commands(runner)
