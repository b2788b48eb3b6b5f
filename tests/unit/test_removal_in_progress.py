"""A container that the engine is already removing (a stopped `run --rm` one) counts as removed once it is gone."""

from __future__ import annotations

from pathlib import Path

from crank_cli.errors import EngineError
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.docker_socket import DockerSocket
from tests.unit.fakes import FakeRunner
from tests.unit.test_docker_socket import FakeDaemon

NAME = "shop-web-run-1a2b"
IN_PROGRESS = f"Error response from daemon: removal of container {NAME} is already in progress"


def test_client_waits_for_removal_in_progress() -> None:
    runner = FakeRunner({("docker", "rm"): EngineError(["docker", "rm"], 1, IN_PROGRESS),
                         ("docker", "container", "inspect"): EngineError(["docker"], 1, f"Error: No such container: {NAME}")})

    DockerEngine(runner=runner).remove_containers([NAME])

    assert [call[1:3] for call in runner.calls] == [["rm", "--force"], ["container", "inspect"]]


def test_socket_waits_for_removal_in_progress(tmp_path: Path) -> None:
    daemon = FakeDaemon(tmp_path / "docker.sock", {
        f"POST /containers/{NAME}/stop": (304, None),
        f"DELETE /containers/{NAME}": (409, {"message": f"removal of container {NAME} is already in progress"}),
        f"GET /containers/{NAME}/json": (404, {"message": f"No such container: {NAME}"}),
    })
    engine = LocalDockerEngine(DockerSocket(str(tmp_path / "docker.sock")), runner=FakeRunner({}))
    try:
        engine.stop_and_remove([NAME])
    finally:
        daemon.close()

    assert daemon.requests == [f"/containers/{NAME}/stop", f"/containers/{NAME}?force=1&v=1", f"/containers/{NAME}/json"]
