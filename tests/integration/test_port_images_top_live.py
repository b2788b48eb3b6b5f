"""`crank port`, `images` and `top` on a running project, live on each engine.

On Docker each check runs twice: through the daemon's socket, and through the `docker`
client that crank drives for a remote daemon, here chosen by a Docker context that points at
the same local daemon.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli.runtime import docker_socket
from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port

# web publishes TCP 80 and UDP 53 on the loopback, and job runs `sleep 600` under a shell.
PROJECT = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    ports: ["127.0.0.1:{{tcp}}:80", "127.0.0.1:{{udp}}:53/udp"]
  job:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
"""

# The keys of an `images --format json` row and their types, as the README's schema lists them.
IMAGE_TYPES = {
    "container": str, "service": str, "repository": (str, type(None)), "tag": (str, type(None)), "platform": str,
    "id": str, "size": (int, type(None)), "created": (str, type(None)), "last_tagged": (str, type(None)),
}
# Docker records when it last tagged an image, and Podman does not.
LAST_TAGGED = {"docker": str, "podman": type(None)}


class Running:
    """A started project, its published ports, and the environments that reach its engine each way."""

    def __init__(self, crank: Crank, tcp: int, udp: int, connections: dict[str, dict[str, str]]) -> None:
        self.crank = crank
        self.tcp = tcp
        self.udp = udp
        self.connections = connections


@pytest.fixture(scope="module")
def running(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    name = f"hpinfo-{secrets.token_hex(4)}"
    # The project takes the folder's name.
    folder = tmp_path_factory.mktemp("hpinfo") / name
    folder.mkdir()
    tcp, udp = free_port(), free_port()
    (folder / "compose.yaml").write_text(PROJECT.format(tcp=tcp, udp=udp))
    crank = Crank(folder, engine.name, name)
    try:
        started = crank("up", "-d")
        assert started.returncode == 0, started.stderr
        yield Running(crank, tcp, udp, connections(engine, folder, name))
    finally:
        engine.remove_project(name)


def connections(engine: Engine, folder: Path, name: str) -> dict[str, dict[str, str]]:
    """Return the environments to run crank in: as it is, and on Docker also through the client."""
    if engine.name != "docker":
        return {"client": {}}
    api = docker_socket.from_environment()
    assert api is not None, "the live Docker daemon is expected on a local socket"
    config = folder / "docker-config"
    # A Docker context other than `default` makes crank drive the client. The context lives in the test's folder.
    engine.client("--config", str(config), "context", "create", name, "--docker", f"host={api.address}")
    return {"socket": {}, "client": {"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": name}}


def test_port_prints_published_address(running: Running) -> None:
    crank = running.crank
    for way, environ in running.connections.items():
        tcp = crank("port", "web", "80", env=environ)
        udp = crank("port", "--protocol", "udp", "--index", "1", "web", "53", env=environ)
        missing = crank("port", "web", "8080", env=environ)
        unpublished = crank("port", "job", "80", env=environ)

        assert (tcp.returncode, tcp.stdout) == (0, f"127.0.0.1:{running.tcp}\n"), f"{way}: {tcp.stderr}"
        assert (udp.returncode, udp.stdout) == (0, f"127.0.0.1:{running.udp}\n"), f"{way}: {udp.stderr}"
        assert missing.returncode == 1, way
        assert missing.stdout == "", way
        assert missing.stderr == (f"crank: error: port 8080/tcp of container {crank.project}-web-1 is not "
                                  "published (it publishes 53/udp, 80/tcp): add it to the service's ports "
                                  "and run crank up\n"), way
        assert unpublished.returncode == 1, way
        assert "(it publishes no port)" in unpublished.stderr, way


def test_images_match_engine_records(engine: Engine, running: Running) -> None:
    crank = running.crank
    facts = engine.client("image", "inspect", "--format", "{{.Id}} {{.Size}}", TEST_IMAGE).stdout.split()
    image_id, size = facts[0].removeprefix("sha256:"), int(facts[1])
    for way, environ in running.connections.items():
        listed = crank("images", "--format", "json", env=environ)
        quiet = crank("images", "-q", env=environ)
        table = crank("images", "job", env=environ)

        assert listed.returncode == 0, f"{way}: {listed.stderr}"
        document = json.loads(listed.stdout)
        assert document["schema"] == 1, way
        rows = document["images"]
        assert [row["container"] for row in rows] == [f"{crank.project}-job-1", f"{crank.project}-web-1"], way
        for row in rows:
            assert set(row) == set(IMAGE_TYPES), way
            for key, expected in IMAGE_TYPES.items():
                assert isinstance(row[key], expected), f"{way}: {key} is {row[key]!r}"
            assert (row["repository"], row["tag"]) == ("localhost/crank-test-busybox", "latest"), way
            assert (row["id"], row["size"]) == (image_id, size), way
            assert row["platform"].startswith("linux/"), way
            assert isinstance(row["created"], str), way
            assert isinstance(row["last_tagged"], LAST_TAGGED[engine.name]), way
        assert quiet.stdout == f"{image_id}\n", way
        lines = table.stdout.splitlines()
        assert lines[0].split() == ["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE", "ID", "SIZE", "CREATED"]
        assert lines[1].split()[:5] == [f"{crank.project}-job-1", "localhost/crank-test-busybox", "latest",
                                        rows[0]["platform"], image_id[:12]], way
        assert len(lines) == 2, way
    if engine.name == "docker":
        # Under -vv crank logs each client command it runs. Through the socket it sends requests instead.
        through_client = crank("-vv", "images", "-q", env=running.connections["client"])
        assert "run: docker image inspect" in through_client.stderr


def test_top_lists_processes_per_container(running: Running) -> None:
    crank = running.crank
    for way, environ in running.connections.items():
        result = crank("top", env=environ)
        only_job = crank("top", "job", env=environ)

        assert result.returncode == 0, f"{way}: {result.stderr}"
        lines = result.stdout.splitlines()
        headers = lines[0].split()
        assert headers[:2] == ["SERVICE", "#"], way
        assert headers[-1] in ("CMD", "COMMAND"), way
        services = [tuple(line.split()[:2]) for line in lines[1:]]
        # The rows of each container follow each other, job's before web's.
        assert services == sorted(services), way
        assert set(services) == {("job", "1"), ("web", "1")}, way
        assert any(line.startswith("job ") and line.endswith(" sleep 600") for line in lines), result.stdout
        assert only_job.returncode == 0, f"{way}: {only_job.stderr}"
        assert {tuple(line.split()[:2]) for line in only_job.stdout.splitlines()[1:]} == {("job", "1")}, way


# The keys of a `stats --format json` row and their types, as the README's schema lists them.
STATS_TYPES = {
    "name": str, "service": str, "replica": int, "state": str, "cpu_percent": str, "memory_usage": str,
    "memory_percent": str, "net_io": str, "block_io": str, "pids": str,
}


def test_stats_reads_each_container_once(engine: Engine, running: Running) -> None:
    crank = running.crank
    for way, environ in running.connections.items():
        document_result = crank("stats", "--no-stream", "--format", "json", env=environ)
        table = crank("stats", "--no-stream", "web", env=environ)

        assert document_result.returncode == 0, f"{way}: {document_result.stderr}"
        document = json.loads(document_result.stdout)
        assert document["schema"] == 1, way
        rows = document["containers"]
        assert [(row["service"], row["replica"], row["name"]) for row in rows] == [
            ("job", 1, f"{crank.project}-job-1"), ("web", 1, f"{crank.project}-web-1")], way
        for row in rows:
            assert set(row) == set(STATS_TYPES), way
            for key, expected in STATS_TYPES.items():
                assert isinstance(row[key], expected), f"{way}: {key} is {row[key]!r}"
            assert row["state"] == "running", way
            # job's shell and sleep, or web's shell and its loop's sleep at times.
            assert int(row["pids"]) >= 1, way
            assert row["cpu_percent"].endswith("%"), way
            assert " / " in row["memory_usage"], way
        assert table.returncode == 0, f"{way}: {table.stderr}"
        lines = table.stdout.splitlines()
        assert lines[0].split()[:4] == ["SERVICE", "#", "NAME", "CPU"], way
        assert [line.split()[:3] for line in lines[1:]] == [["web", "1", f"{crank.project}-web-1"]], way


def test_stats_live_view_ends_on_ctrl_c(running: Running) -> None:
    crank = running.crank
    # Ctrl-C on a terminal reaches crank and the engine's client, which share a process group.
    view = subprocess.Popen([sys.executable, "-m", "crank_cli", "stats", "web"], cwd=crank.folder,
                            env=crank.environ(None), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        time.sleep(4)
        os.killpg(view.pid, signal.SIGINT)
        output, errors = view.communicate(timeout=30)
    finally:
        if view.poll() is None:
            os.killpg(view.pid, signal.SIGKILL)

    # Ctrl-C ends the live view with exit code 130, as it ends docker compose 2.40.3's.
    assert view.returncode == 130, errors
    assert errors == ""
    assert f"{crank.project}-web-1" in output
