"""External volumes and networks: `up` and `run` check that they exist before making anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import EngineError, ExitCode, InvalidProjectError
from crank_cli.operations.events import NoEvents
from crank_cli.operations.run import ContainerOptions
from crank_cli.operations.run_service import ServiceRunOptions, prepare
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64
# Engine commands that make or start something, which must not run when the check fails.
CHANGES = {"run", "create", "start"}

VOLUME = """\
services:
  web:
    image: busybox
    volumes: [ext:/data, own:/own]
volumes:
  ext:
    external: true
    name: shared-data
  own: {}
"""

NETWORK = """\
services:
  web:
    image: busybox
    networks: [front]
networks:
  front:
    external: true
    name: shared-net
"""

RUN_WITH_DEPENDENCY = """\
services:
  db:
    image: busybox
  job:
    image: busybox
    depends_on: [db]
    volumes: [ext:/data]
volumes:
  ext:
    external: true
"""


def load(tmp_path: Path, text: str) -> Project:
    (tmp_path / "compose.yaml").write_text(text)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def engine_with(binary: str, *, volumes: str = "", networks: str = "") -> FakeRunner:
    """Return a fake client with no containers, every image, and these unlabelled volumes and networks."""
    return FakeRunner({
        (binary, "image", "inspect"): IMAGE_ID,
        (binary, "ps"): "[]" if binary == "podman" else "",
        (binary, "volume", "ls"): lambda argv: "" if "--filter" in argv else volumes,
        (binary, "network", "ls"): lambda argv: "" if "--filter" in argv else networks,
        (binary, "volume", "inspect"): EngineError([binary, "volume", "inspect"], 1, "Error: no such volume"),
        (binary, "run"): "id",
    })


def changes(runner: FakeRunner) -> list[list[str]]:
    return [call for call in runner.calls if call[1] in CHANGES or call[2:3] == ["create"]]


def unfiltered_lists(runner: FakeRunner, kind: str) -> list[list[str]]:
    return [call for call in runner.calls if call[1:3] == [kind, "ls"] and "--filter" not in call]


@pytest.mark.parametrize(("engine", "binary"), [(DockerEngine, "docker"), (PodmanEngine, "podman")])
def test_missing_external_volume_stops_up(tmp_path: Path, engine: type, binary: str) -> None:
    runner = engine_with(binary, volumes="other\n")

    with pytest.raises(InvalidProjectError) as raised:
        up(load(tmp_path, VOLUME), engine(runner=runner), UpOptions(), NoEvents())

    message = str(raised.value)
    assert raised.value.exit_code == ExitCode.INVALID_PROJECT
    assert message.startswith('volumes.ext: external volume "shared-data" not found on ')
    assert f"`{binary} volume create shared-data`" in message
    assert "remove `external` from volumes.ext" in message
    assert changes(runner) == []


@pytest.mark.parametrize(("engine", "binary"), [(DockerEngine, "docker"), (PodmanEngine, "podman")])
def test_missing_external_network_stops_up(tmp_path: Path, engine: type, binary: str) -> None:
    runner = engine_with(binary, networks="bridge\n")

    with pytest.raises(InvalidProjectError) as raised:
        up(load(tmp_path, NETWORK), engine(runner=runner), UpOptions(), NoEvents())

    message = str(raised.value)
    assert message.startswith('networks.front: external network "shared-net" not found on ')
    assert f"`{binary} network create shared-net`" in message
    assert changes(runner) == []


def test_present_external_volume_costs_one_list(tmp_path: Path) -> None:
    runner = engine_with("docker", volumes="shared-data\n")

    up(load(tmp_path, VOLUME), DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert len(unfiltered_lists(runner, "volume")) == 1
    # The external volume is used as it is: never inspected, never created.
    assert not [call for call in runner.calls if call[1:3] == ["volume", "inspect"] and "shared-data" in call]
    created = [call[-1] for call in runner.calls if call[1:3] == ["volume", "create"]]
    assert created == ["demo_own"]


def test_project_without_external_lists_nothing_more(tmp_path: Path) -> None:
    runner = engine_with("docker")

    up(load(tmp_path, "services:\n  web:\n    image: busybox\n"), DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert unfiltered_lists(runner, "volume") == []
    assert unfiltered_lists(runner, "network") == []


def test_podman_reads_attached_external_network(tmp_path: Path) -> None:
    # A container attached to the external network shows that Podman has it, so no list is needed.
    project = load(tmp_path, NETWORK)
    listed = ('[{"Id": "c1", "Names": ["demo-web-1"], "State": "running", "ImageID": "' + IMAGE_ID + '", '
              '"Labels": {"io.crank.project": "demo", "io.crank.service": "web", "io.crank.replica": "1"}, '
              '"Networks": ["shared-net"]}]')
    runner = engine_with("podman")
    runner.replies[("podman", "ps")] = listed
    # The container has no config hash, so up recreates it and first reads its mounts.
    runner.replies[("podman", "container")] = "[]"

    up(project, PodmanEngine(runner=runner), UpOptions(start=False), NoEvents())

    assert unfiltered_lists(runner, "network") == []


def test_run_checks_external_before_dependencies(tmp_path: Path) -> None:
    runner = engine_with("docker")
    options = ServiceRunOptions(service="job", container=ContainerOptions())

    with pytest.raises(InvalidProjectError, match='volumes.ext: external volume "ext" not found on docker'):
        prepare(load(tmp_path, RUN_WITH_DEPENDENCY), DockerEngine(runner=runner), options, NoEvents())

    assert changes(runner) == []


@pytest.mark.parametrize("name", ["host", "bridge", "none"])
def test_built_in_network_not_looked_for(tmp_path: Path, name: str) -> None:
    # Podman does not list these, so a check would reject a project that runs.
    runner = engine_with("podman", networks="podman\n")
    project = load(tmp_path, NETWORK.replace("shared-net", name))

    up(project, PodmanEngine(runner=runner), UpOptions(start=False), NoEvents())

    assert unfiltered_lists(runner, "network") == []
