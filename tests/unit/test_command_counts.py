"""Engine round trips per verb stay bounded as a project grows (counted at the process boundary)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import EngineError
from crank_cli.operations import specs
from crank_cli.operations.down import DownOptions, down
from crank_cli.operations.events import NoEvents
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64


def load(tmp_path: Path, services: int) -> Project:
    lines = ["services:"]
    for number in range(services):
        lines += [f"  s{number}:", "    image: busybox", "    volumes: [data:/data]"]
    lines += ["volumes:", "  data: {}"]
    (tmp_path / "compose.yaml").write_text("\n".join(lines) + "\n")
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


def inspect_record(project: Project, service: str) -> dict:
    spec = specs.container_spec(project, service)
    return {
        "Id": spec.name, "Name": "/" + spec.name, "Image": IMAGE_ID,
        "State": {"Status": "running", "ExitCode": 0},
        "Config": {"Image": "busybox", "Labels": spec.labels},
        "NetworkSettings": {"Ports": {}},
    }


def running_engine(project: Project, binary: str = "docker", networks: tuple[str, ...] = ("demo_default",)) -> FakeRunner:
    """Return a fake client of an engine that runs every service, each container attached to `networks`."""
    records = [inspect_record(project, name) for name in project.model["services"]]
    # Podman lists containers with `ps --format json`, Docker's client with `ps --quiet` and `inspect`.
    listed = [{"Id": record["Id"], "Names": [record["Id"]], "State": "running", "ImageID": IMAGE_ID,
               "Labels": record["Config"]["Labels"], "Networks": list(networks)} for record in records]
    return FakeRunner({
        (binary, "ps"): json.dumps(listed) if binary == "podman" else "\n".join(record["Id"] for record in records),
        (binary, "container", "inspect"): json.dumps(records),
        (binary, "network", "ls"): "demo_default",
        (binary, "volume", "ls"): "demo_data",
        (binary, "image", "inspect"): IMAGE_ID,
    })


def verbs(runner: FakeRunner) -> list[str]:
    return [" ".join(call[1:3]) if call[1] in ("network", "volume", "image", "container") else call[1]
            for call in runner.calls]


@pytest.mark.parametrize("services", [1, 20, 50])
def test_cold_up_costs_one_run_per_container(tmp_path: Path, services: int) -> None:
    project = load(tmp_path, services)
    no_volume = EngineError(["docker", "volume", "inspect"], 1, "Error: No such volume: demo_data")
    runner = FakeRunner({("docker", "image", "inspect"): IMAGE_ID, ("docker", "run"): "id",
                         ("docker", "volume", "inspect"): no_volume})

    up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    calls = verbs(runner)
    assert calls.count("run") == services
    # ps, network ls and create, volume ls, inspect (is an unlabelled one there?) and create,
    # image inspect, and as the project has no containers yet, one ps for each other tool's label.
    assert len(calls) - services == 9
    assert calls.count("volume create") == 1


@pytest.mark.parametrize("services", [1, 20, 50])
def test_unchanged_up_is_constant(tmp_path: Path, services: int) -> None:
    project = load(tmp_path, services)
    runner = running_engine(project)

    result = up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert not result.changed
    assert sorted(verbs(runner)) == ["container inspect", "image inspect", "network ls", "ps", "volume ls"]


@pytest.mark.parametrize("services", [1, 20, 50])
def test_down_is_constant(tmp_path: Path, services: int) -> None:
    project = load(tmp_path, services)
    runner = running_engine(project)

    down(project, "demo", DockerEngine(runner=runner), DownOptions(remove_volumes=True), NoEvents())

    calls = verbs(runner)
    # One parallel round of reads, then one call per change.
    assert sorted(calls[:4]) == ["container inspect", "network ls", "ps", "volume ls"]
    assert calls[4:] == ["stop", "rm", "network rm", "volume rm"]


@pytest.mark.parametrize("services", [1, 20, 50])
def test_podman_down_stops_and_removes_in_one_call(tmp_path: Path, services: int) -> None:
    project = load(tmp_path, services)
    runner = running_engine(project, binary="podman")

    down(project, "demo", PodmanEngine(runner=runner), DownOptions(), NoEvents())

    calls = verbs(runner)
    assert sorted(calls[:2]) == ["network ls", "ps"]
    assert calls[2:] == ["rm", "network rm"]
    remove = next(argv for argv in runner.calls if argv[1] == "rm")
    assert remove[2:4] == ["--force", "--volumes"]
    assert len(remove) == 4 + services


@pytest.mark.parametrize("services", [1, 20, 50])
def test_unchanged_up_on_podman_lists_without_inspect(tmp_path: Path, services: int) -> None:
    project = load(tmp_path, services)
    runner = running_engine(project, binary="podman")

    result = up(project, PodmanEngine(runner=runner), UpOptions(), NoEvents())

    assert not result.changed
    # The containers are attached to the project's network, so Podman has it: no `network ls`.
    assert sorted(verbs(runner)) == ["image inspect", "ps", "volume ls"]


def test_podman_up_lists_networks_containers_lack(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  web:\n    image: busybox\n    networks: [front, back]\nnetworks:\n  front: {}\n  back: {}\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    runner = running_engine(project, binary="podman", networks=("demo_front",))

    up(project, PodmanEngine(runner=runner), UpOptions(), NoEvents())

    calls = verbs(runner)
    assert sorted(calls[:2]) == ["image inspect", "ps"]
    assert calls[2] == "network ls"


def test_unchanged_up_without_volumes_skips_volume_list(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    runner = running_engine(project)

    up(project, DockerEngine(runner=runner), UpOptions(), NoEvents())

    assert "volume ls" not in verbs(runner)
    assert sorted(verbs(runner)) == ["container inspect", "image inspect", "network ls", "ps"]



def test_dry_run_runs_one_command_at_a_time(tmp_path: Path) -> None:
    # One command at a time keeps the printed plan in the same order on every run.
    project = load(tmp_path, 8)
    running = 0
    max_running = 0
    lock = threading.Lock()

    def run_container(argv: list[str]) -> str:
        nonlocal running, max_running
        with lock:
            running += 1
            max_running = max(max_running, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        return "id"

    runner = FakeRunner({("docker", "image", "inspect"): IMAGE_ID, ("docker", "run"): run_container,
                         ("docker", "volume", "inspect"): EngineError(["docker"], 1, "Error: No such volume")})

    up(project, DockerEngine(runner=runner), UpOptions(dry_run=True), NoEvents())

    names = [call[call.index("--name") + 1] for call in runner.calls if call[1] == "run"]
    assert max_running == 1
    assert names == [f"demo-s{number}-1" for number in sorted(range(8), key=str)]
