"""A new project whose `up` fails is left with no network, volume or container it created."""

from __future__ import annotations

from pathlib import Path

import json

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import EngineError, ImageError, InvalidProjectError, UsageError
from crank_cli.operations.events import NoEvents
from crank_cli.operations.secrets import remove_unmounted_files, secret_mounts
from crank_cli.operations.specs import container_spec
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


SECRETS = """\
    secrets: [token, missing]
    configs: [settings]
secrets:
  token: {environment: TOKEN}
  missing: {environment: PORTFIX_UNSET_SECRET}
configs:
  settings: {content: debug=1}
"""


@pytest.fixture
def state_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the folder of project demo's secret and config files, with crank's state folder under tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / ".env").write_text("TOKEN=s3cret\n")
    return tmp_path / "state" / "crank" / "demo"


def test_spec_error_removes_written_files(tmp_path: Path, state_folder: Path) -> None:
    # The token file is written before the unset variable of the next secret stops `up`.
    project = load(tmp_path, SECRETS)

    with pytest.raises(InvalidProjectError, match="PORTFIX_UNSET_SECRET is not set"):
        up(project, DockerEngine(runner=new_project_engine()), UpOptions(), NoEvents())

    assert not state_folder.exists()


def test_failed_create_removes_written_files(tmp_path: Path, state_folder: Path) -> None:
    no_device = EngineError(["docker", "run"], 125, "Error: error gathering device information")
    project = load(tmp_path, SECRETS.replace(", missing]", "]"))

    with pytest.raises(EngineError, match="device information"):
        up(project, DockerEngine(runner=new_project_engine(run=no_device, container_inspect="[]")), UpOptions(), NoEvents())

    assert not state_folder.exists()


def test_failed_up_keeps_earlier_files(tmp_path: Path, state_folder: Path) -> None:
    project = load(tmp_path, SECRETS.replace(", missing]", "]"))
    earlier = [mount.source for mount in secret_mounts(project, project.model["services"]["web"])]
    no_device = EngineError(["docker", "run"], 125, "Error: error gathering device information")

    with pytest.raises(EngineError, match="device information"):
        up(project, DockerEngine(runner=new_project_engine(run=no_device, container_inspect="[]")), UpOptions(), NoEvents())

    assert sorted(path.name for path in state_folder.glob("*/*")) == sorted(Path(path).name for path in earlier)


def test_mounting_container_keeps_its_files(tmp_path: Path, state_folder: Path) -> None:
    project = load(tmp_path, SECRETS.replace(", missing]", "]"))
    spec = container_spec(project, "web")
    written = [Path(mount.source) for mount in spec.mounts if mount.type == "bind"]
    unused = state_folder / "configs" / "other-0123456789ab"
    unused.write_text("debug=2")
    record = {"Id": "new", "Name": f"/{spec.name}", "State": {"Status": "created"},
              "Config": {"Image": "busybox", "Labels": spec.labels}, "NetworkSettings": {"Ports": {}},
              "Mounts": [{"Type": "bind", "Source": str(path), "Destination": "/x"} for path in written]}
    runner = FakeRunner({("docker", "ps"): "new", ("docker", "container", "inspect"): json.dumps([record])})

    remove_unmounted_files(project.name, DockerEngine(runner=runner), [*written, unused])

    assert all(path.exists() for path in written)
    assert len(written) == 2
    assert not unused.exists()


def interrupt(argv: list[str], **_: object) -> int:
    """Stand in for an engine command that a second Ctrl-C or SIGTERM interrupts."""
    raise KeyboardInterrupt


@pytest.mark.parametrize("image_source", ["    build: .\n    pull_policy: build\n", "    pull_policy: always\n"], ids=["build", "pull"])
def test_interrupted_image_removes_written_files(tmp_path: Path, state_folder: Path, image_source: str) -> None:
    project = load(tmp_path, image_source + SECRETS.replace(", missing]", "]"))
    runner = new_project_engine()

    with pytest.raises(KeyboardInterrupt):
        up(project, DockerEngine(runner=runner, attached_runner=interrupt), UpOptions(), NoEvents())

    assert not state_folder.exists()
    assert "network create" not in engine_commands(runner)


def test_interrupted_create_keeps_project(tmp_path: Path, state_folder: Path) -> None:
    project = load(tmp_path, SECRETS.replace(", missing]", "]"))

    def interrupted_run(argv: list[str]) -> str:
        raise KeyboardInterrupt

    runner = new_project_engine(run=interrupted_run, container_inspect="[]")

    with pytest.raises(KeyboardInterrupt):
        up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    # As after one Ctrl-C, the next `up` or `down` completes the project, so its network stays.
    assert "network rm" not in engine_commands(runner)
    assert not state_folder.exists()


def test_missing_build_context_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    build: ./nowhere\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    no_image = EngineError(["docker", "image", "inspect"], 1, "Error: No such image: demo-web")
    runner = new_project_engine(image_inspect=no_image)

    with pytest.raises(InvalidProjectError) as raised:
        up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert raised.value.message == (f"services.web.build.context: folder {tmp_path / 'nowhere'} not found; create it, "
                                    "or correct the path in the compose file")
    assert "network create" not in engine_commands(runner)
    assert not [command for command in engine_commands(runner) if command.startswith("build")]


def test_failed_pull_names_service_and_registry(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: 127.0.0.1:5999/shop/web:1\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    no_image = EngineError(["docker", "image", "inspect"], 1, "Error: No such image: 127.0.0.1:5999/shop/web:1")
    runner = new_project_engine(image_inspect=no_image)

    def refused_pull(argv: list[str], **_: object) -> int:
        return 1

    engine = DockerEngine(runner=runner, attached_runner=refused_pull)
    with pytest.raises(ImageError) as raised:
        up(project, engine, UpOptions(), NoEvents())

    assert raised.value.message.startswith("service web: could not pull image 127.0.0.1:5999/shop/web:1 "
                                           "(the engine's output is above). Check that the registry 127.0.0.1:5999")
    assert raised.value.exit_code == 1
    assert "network create" not in engine_commands(runner)


def test_missing_secret_file_creates_nothing(tmp_path: Path) -> None:
    project = load(tmp_path, "    secrets: [token]\nsecrets:\n  token:\n    file: ./missing.txt\n")
    runner = new_project_engine()

    with pytest.raises(InvalidProjectError) as raised:
        up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert raised.value.message == (f"compose.yaml: secrets.token.file: file {tmp_path / 'missing.txt'} not found; "
                                    "create it, or correct the path")
    assert "network create" not in engine_commands(runner)
    assert "volume create" not in engine_commands(runner)
