"""The Docker socket reader, against a small HTTP server on a Unix socket standing in for the daemon."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli.errors import EngineError
from crank_cli.runtime import docker_socket
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.docker_socket import ApiError, DockerSocket, SocketUnreachable, from_environment, label_filter
from tests.unit.fakes import FakeRunner


class FakeDaemon:
    """Respond to each request with the status and JSON body that `routes` gives for its method and path."""

    def __init__(self, path: Path, routes: dict[str, tuple[int, object]], delay: float = 0.0) -> None:
        self.routes = routes
        self.delay = delay
        self.requests: list[str] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(4096)
                method, target = (word.decode() for word in request.split(b" ", 2)[:2])
                self.requests.append(target)
                path = target.split("?")[0]
                # A route may name the method, as "DELETE /networks/x", or stand for every method.
                route = self.routes.get(f"{method} {path}") or self.routes.get(path)
                status, body = route or (404, {"message": f"no route {target}"})
                payload = json.dumps(body).encode()
                time.sleep(self.delay)
                connection.sendall(b"HTTP/1.0 %d X\r\nContent-Type: application/json\r\n\r\n%s" % (status, payload))

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def daemon_path(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "docker.sock"


def test_get_sends_query_decodes_json(daemon_path: Path) -> None:
    daemon = FakeDaemon(daemon_path, {"/containers/json": (200, [{"Id": "abc"}])})
    try:
        answer = DockerSocket(str(daemon_path)).get("/containers/json", {"all": "1", **label_filter({"a": "b", "c": None})})
    finally:
        daemon.close()
    assert answer == [{"Id": "abc"}]
    assert daemon.requests == ["/containers/json?all=1&filters=%7B%22label%22%3A+%5B%22a%3Db%22%2C+%22c%22%5D%7D"]


def test_error_status_keeps_message(daemon_path: Path) -> None:
    daemon = FakeDaemon(daemon_path, {"/images/x/json": (500, {"message": "disk on fire"})})
    api = DockerSocket(str(daemon_path))
    try:
        with pytest.raises(ApiError, match="500: disk on fire") as raised:
            api.get("/images/x/json")
        assert raised.value.message == "disk on fire"
    finally:
        daemon.close()


def test_missing_socket_unreachable(tmp_path: Path) -> None:
    with pytest.raises(SocketUnreachable, match="Cannot connect to the Docker daemon at unix://"):
        DockerSocket(str(tmp_path / "none.sock")).get("/version")


def test_engine_reads_without_client(daemon_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The shapes Docker 20.10 returns for a list entry and an inspect record.
    listed = {"Id": "c1", "Names": ["/demo-web-1"], "Image": "localhost/web:1", "ImageID": "sha256:" + "b" * 64,
              "State": "running", "Status": "Up 2 minutes (health: starting)", "Labels": {"io.crank.service": "web"},
              "Ports": [{"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                        {"PrivatePort": 9000, "Type": "tcp"}]}
    exited = {"Id": "c2", "Names": ["/demo-job-1"], "Image": "busybox", "ImageID": "sha256:" + "c" * 64,
              "State": "exited", "Status": "Exited (3) 5 seconds ago", "Labels": {}, "Ports": []}
    record = {"Id": "c1", "Name": "/demo-web-1", "Image": "sha256:" + "b" * 64,
              "State": {"Status": "running"}, "Config": {"Labels": {"io.crank.service": "web"}}}

    daemon = FakeDaemon(daemon_path, {
        "/version": (200, {"Version": "27.1.0"}),
        "/containers/json": (200, [listed, exited]),
        "/containers/c1/json": (200, record),
        "/networks": (200, [{"Name": "demo_default"}]),
        "/volumes": (200, {"Volumes": [{"Name": "demo_data"}]}),
        "/images/busybox%3Alatest/json": (200, {"Id": "sha256:" + "b" * 64, "Config": {"Labels": {"k": "v"}}}),
    })
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    runner = FakeRunner({})
    engine = LocalDockerEngine(DockerSocket(str(daemon_path)), runner=runner)

    try:
        assert engine.probe().version == "27.1.0"
        web, job = engine.list_containers({"io.crank.project": "demo"})
        [inspected] = engine.inspect_containers(["c1"])
        assert engine.list_networks({}) == ["demo_default"]
        assert engine.list_volumes({}) == ["demo_data"]
        facts = engine.image_facts("busybox:latest")
        assert engine.image_id("other") is None
    finally:
        daemon.close()

    assert (web.name, web.service, web.image_id, web.health) == ("demo-web-1", "web", "b" * 64, "starting")
    assert web.ports == ("127.0.0.1:8080->80/tcp",)
    assert (job.state, job.exit_code, job.health) == ("exited", 3, None)
    assert inspected.name == "demo-web-1"
    assert facts is not None and facts.labels == {"k": "v"}
    # One list request serves the listing: no inspect per container, and no client process.
    assert daemon.requests.count("/containers/c1/json") == 1
    assert runner.calls == []


def test_unreachable_daemon_unusable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    engine = LocalDockerEngine(DockerSocket(str(tmp_path / "gone.sock")), runner=FakeRunner({}))
    info = engine.probe()
    assert not info.usable
    assert info.reason is not None and "Cannot connect to the Docker daemon" in info.reason
    with pytest.raises(EngineError):
        engine.list_networks({})


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, None, docker_socket.DEFAULT_SOCKET),
        ({"DOCKER_HOST": "unix:///run/user/1000/docker.sock"}, None, "/run/user/1000/docker.sock"),
        ({"DOCKER_HOST": "tcp://127.0.0.1:2375"}, None, None),
        ({"DOCKER_HOST": "ssh://me@box"}, None, None),
        ({"DOCKER_CONTEXT": "remote"}, None, None),
        ({"DOCKER_CONTEXT": "default"}, None, docker_socket.DEFAULT_SOCKET),
        ({}, {"currentContext": "remote"}, None),
        ({}, {"auths": {}}, docker_socket.DEFAULT_SOCKET),
    ],
)
def test_socket_only_where_client_uses_it(tmp_path: Path, environ: dict[str, str],
                                                                config: dict | None, expected: str | None) -> None:
    if config is not None:
        (tmp_path / "config.json").write_text(json.dumps(config))
    found = from_environment({**environ, "DOCKER_CONFIG": str(tmp_path)})
    assert (found.path if found else None) == expected


def test_socket_without_permission_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    class DeniedSocket(socket.socket):
        def connect(self, address: object) -> None:
            raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(docker_socket.socket, "socket", DeniedSocket)

    with pytest.raises(SocketUnreachable, match="permission denied while connecting .* docker group"):
        DockerSocket("/var/run/docker.sock").get("/version")


def busy_network_daemon(path: Path, containers: dict[str, object]) -> FakeDaemon:
    """Start a daemon that refuses to remove demo_default for active endpoints, with these containers attached."""
    busy = "error while removing network: network demo_default id 0123 has active endpoints"
    return FakeDaemon(path, {
        "DELETE /networks/demo_default": (403, {"message": busy}),
        "GET /networks/demo_default": (200, {"Name": "demo_default", "Containers": containers}),
    })


def test_stale_network_endpoint_explained(daemon_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    daemon = busy_network_daemon(daemon_path, {})
    monkeypatch.setattr("crank_cli.runtime.docker_local.STALE_ENDPOINT_WAIT_SECONDS", 0)
    engine = LocalDockerEngine(DockerSocket(str(daemon_path)), runner=FakeRunner({}))
    try:
        with pytest.raises(EngineError) as raised:
            engine.remove_networks(["demo_default"])
    finally:
        daemon.close()
    assert raised.value.message.endswith("restarting the Docker daemon clears it")
    assert daemon.requests.count("/networks/demo_default") == 6


def test_network_with_container_fails_at_once(daemon_path: Path) -> None:
    daemon = busy_network_daemon(daemon_path, {"c1": {"Name": "demo-web-1"}})
    engine = LocalDockerEngine(DockerSocket(str(daemon_path)), runner=FakeRunner({}))
    try:
        with pytest.raises(EngineError) as raised:
            engine.remove_networks(["demo_default"])
    finally:
        daemon.close()
    assert raised.value.message.endswith("has active endpoints")
    assert daemon.requests.count("/networks/demo_default") == 2


def test_running_containers_query_without_limit(daemon_path: Path) -> None:
    # Docker's list endpoint counts stopped containers too once `limit` is set, even without `all`.
    daemon = FakeDaemon(daemon_path, {"/containers/json": (200, [])})
    engine = LocalDockerEngine(DockerSocket(str(daemon_path)), runner=FakeRunner({}))

    try:
        engine.has_containers({"io.crank.project": "demo"}, running=True)
        engine.has_containers({"io.crank.project": "demo"})
    finally:
        daemon.close()

    running, every = daemon.requests
    assert "limit=" not in running
    assert "all=" not in running
    assert "all=1" in every
    assert "limit=1" in every
