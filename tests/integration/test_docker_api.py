"""Containers made over Docker's socket match those the `docker` client makes from the same spec."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crank_cli.runtime import docker_socket
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.models import (
    ContainerSpec,
    HealthCheck,
    Limits,
    Mount,
    NetworkAttachment,
    PortMapping,
)
from tests.integration.conftest import TEST_IMAGE, Crank, Engine, live_engine

# Fields the daemon fills per container (its own name, paths, IDs), not from the spec.
PER_CONTAINER = {"Hostname", "HostnamePath", "HostsPath", "ResolvConfPath", "LogPath", "Name", "Id", "Created"}
# A list entrypoint whose words contain spaces, and the line its script prints.
LIST_ENTRYPOINT = ("sh", "-c", 'echo "$0|$1"; exec sleep 600', "zero with space")
LIST_COMMAND = ("one with space",)
LIST_OUTPUT = "zero with space|one with space"


@pytest.fixture(scope="module")
def docker() -> Engine:
    return live_engine("docker")


@pytest.fixture
def names(docker: Engine) -> Iterator[dict[str, str]]:
    yield from _object_names(docker, "crank-apitest")


@pytest.fixture
def entrypoint_names(docker: Engine) -> Iterator[dict[str, str]]:
    yield from _object_names(docker, "entrytest")


def _object_names(docker: Engine, prefix: str) -> Iterator[dict[str, str]]:
    """Yield fresh names for two containers, two networks and a volume, and remove those objects after."""
    suffix = secrets.token_hex(3)
    chosen = {kind: f"{prefix}-{kind}-{suffix}" for kind in ("client", "socket", "front", "back", "data")}
    yield chosen
    docker.client("rm", "-f", chosen["client"], chosen["socket"], check=False)
    docker.client("network", "rm", chosen["front"], chosen["back"], check=False)
    docker.client("volume", "rm", chosen["data"], check=False)


def rich_spec(name: str, names: dict[str, str], folder: Path, *, init: bool = True) -> ContainerSpec:
    """Return a spec that sets nearly every field crank passes to an engine."""
    return ContainerSpec(
        name=name,
        image=TEST_IMAGE,
        # One word, which `--entrypoint` states exactly, so the client's flags are compared.
        entrypoint=("sh",),
        command=("-c", "sleep 600"),
        environment={"GREETING": "hello world", "EMPTY": ""},
        labels={"io.crank.project": "apitest", "note": "a=b"},
        ports=(PortMapping(target=80, published="0", host_ip="127.0.0.1"), PortMapping(target=53, protocol="udp")),
        mounts=(Mount("volume", "/data", names["data"]), Mount("bind", "/config", str(folder), read_only=True),
                Mount("tmpfs", "/scratch")),
        networks=(NetworkAttachment(names["front"], aliases=("web", "www")), NetworkAttachment(names["back"], aliases=("api",))),
        restart="on-failure:2",
        # A CMD-SHELL test: a CMD list goes over the socket as a list, which the client cannot send.
        healthcheck=HealthCheck(test=("CMD-SHELL", "test -d /data"), interval=30.0, timeout=5.0, retries=4,
                                start_period=2.5),
        hostname="apitest",
        domainname="example.test",
        user="1000:1000",
        working_dir="/data",
        init=init,
        tmpfs=("/run:size=1m",),
        stop_signal="SIGUSR1",
        stop_timeout=3,
        read_only=True,
        cap_add=("NET_ADMIN",),
        cap_drop=("MKNOD",),
        extra_hosts=("gateway=10.1.2.3",),
        dns=("127.0.0.53",),
        dns_search=("example.test",),
        ulimits=("nofile=1024:2048", "nproc=512"),
        sysctls={"net.core.somaxconn": "1024"},
        security_opt=("no-new-privileges",),
        devices=("/dev/null:/dev/also-null:rw",),
        limits=Limits(memory=64 << 20, memory_reservation=32 << 20, cpus=0.5, pids=100, shm_size=16 << 20),
        expose=("9000-9001/udp",),
        interactive=True,
        log_driver="json-file",
        log_options={"max-size": "1m"},
        ipc="shareable",
    )


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """Return the parts of an inspect record that come from the spec."""
    config = {key: value for key, value in record["Config"].items() if key not in PER_CONTAINER}
    config["Process"] = [record["Path"], *record["Args"]]
    # The client does not keep the order of the environment, so it is compared sorted.
    config["Env"] = sorted(config["Env"])
    host = {key: value for key, value in record["HostConfig"].items() if key not in PER_CONTAINER}
    short_id = record["Id"][:12]
    aliases = {network: sorted(alias for alias in settings.get("Aliases") or () if alias != short_id)
               for network, settings in record["NetworkSettings"]["Networks"].items()}
    return {"Config": config, "HostConfig": host, "Aliases": aliases}


@pytest.mark.parametrize("init", [True, False])
def test_socket_create_matches_client(docker: Engine, names: dict[str, str], tmp_path: Path, init: bool) -> None:
    api = docker_socket.from_environment()
    assert api is not None, "the live Docker daemon is expected on a local socket"
    through_socket = LocalDockerEngine(api)
    through_socket.probe()
    through_client = DockerEngine()
    through_socket.create_network(names["front"], {"io.crank.project": "apitest"}, {"attachable": True})
    through_client.create_network(names["back"], {"io.crank.project": "apitest"}, {"internal": True})
    through_socket.create_volume(names["data"], {"io.crank.project": "apitest"})

    through_client.run_container(rich_spec(names["client"], names, tmp_path, init=init))
    through_socket.run_container(rich_spec(names["socket"], names, tmp_path, init=init))

    records = json.loads(docker.client("container", "inspect", names["client"], names["socket"]).stdout)
    made_by_client, made_over_socket = (comparable(record) for record in records)
    assert made_over_socket["Config"] == made_by_client["Config"]
    assert made_over_socket["HostConfig"] == made_by_client["HostConfig"]
    assert made_over_socket["Aliases"] == made_by_client["Aliases"]
    # docker compose sends `init: false` as an explicit false, not as an unset field.
    assert made_by_client["HostConfig"]["Init"] is init


@pytest.mark.parametrize("start", [True, False])
def test_client_keeps_list_entrypoint_whole(docker: Engine, entrypoint_names: dict[str, str], tmp_path: Path,
                                            start: bool) -> None:
    # docker compose sends a list entrypoint to the API whole, and so must the client path.
    names = entrypoint_names
    api = docker_socket.from_environment()
    assert api is not None, "the live Docker daemon is expected on a local socket"
    through_socket = LocalDockerEngine(api)
    through_client = DockerEngine()
    labels = {"io.crank.project": "entrytest"}
    through_socket.create_network(names["front"], labels, {"attachable": True})
    through_client.create_network(names["back"], labels, {"internal": True})
    through_socket.create_volume(names["data"], labels)

    for engine, name in ((through_client, names["client"]), (through_socket, names["socket"])):
        spec = rich_spec(name, names, tmp_path)._replace(entrypoint=LIST_ENTRYPOINT, command=LIST_COMMAND)
        if start:
            engine.run_container(spec)
        else:
            engine.create_container(spec)

    records = json.loads(docker.client("container", "inspect", names["client"], names["socket"]).stdout)
    made_by_client, made_over_socket = (comparable(record) for record in records)
    assert made_by_client["Config"]["Entrypoint"] == list(LIST_ENTRYPOINT)
    assert made_by_client["Config"]["Cmd"] == list(LIST_COMMAND)
    assert made_by_client["Config"]["Process"] == [*LIST_ENTRYPOINT, *LIST_COMMAND]
    assert made_over_socket["Config"] == made_by_client["Config"]
    assert made_over_socket["HostConfig"] == made_by_client["HostConfig"]
    assert made_over_socket["Aliases"] == made_by_client["Aliases"]
    assert records[0]["State"]["Status"] == ("running" if start else "created")
    if start:
        assert wait_for_log(docker, names["client"], LIST_OUTPUT)


def wait_for_log(docker: Engine, container: str, line: str, seconds: float = 10) -> bool:
    """Wait until a container's output contains `line`, and return whether it did in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if line in docker.client("logs", container).stdout.splitlines():
            return True
        time.sleep(0.2)
    return False


def test_context_keeps_list_entrypoint_whole(docker: Engine, tmp_path: Path) -> None:
    # A Docker context other than `default` makes crank drive the client, here one that
    # points at the same local daemon. Its configuration folder is the test's own.
    api = docker_socket.from_environment()
    assert api is not None, "the live Docker daemon is expected on a local socket"
    config = tmp_path / "docker-config"
    context = f"entrytest-{secrets.token_hex(3)}"
    docker.client("--config", str(config), "context", "create", context, "--docker", f"host={api.address}")
    folder = tmp_path / "project"
    folder.mkdir()
    project = compose_project(folder, (
        "services:\n"
        "  whole:\n"
        f"    image: {TEST_IMAGE}\n"
        f"    entrypoint: {json.dumps(list(LIST_ENTRYPOINT)).replace('$', '$$')}\n"
        f"    command: {json.dumps(list(LIST_COMMAND))}\n"
        "  empty:\n"
        f"    image: {TEST_IMAGE}\n"
        "    entrypoint: []\n"
        "    command: [sleep, '600']\n"
    ), prefix="entrytest")
    try:
        result = project("-vv", "-p", project.project, "up", "-d",
                         env={"DOCKER_CONFIG": str(config), "DOCKER_CONTEXT": context})
        assert result.returncode == 0, result.stderr
        # Under -vv, crank logs each client command it runs, and the socket path probes with a request instead.
        assert "run: docker version" in result.stderr, "crank was expected to drive the client, not the socket"

        containers = [f"{project.project}-{service}-1" for service in ("whole", "empty")]
        whole, empty = json.loads(docker.client("container", "inspect", *containers).stdout)
        assert whole["Config"]["Entrypoint"] == list(LIST_ENTRYPOINT)
        assert whole["Config"]["Cmd"] == list(LIST_COMMAND)
        assert [whole["Path"], *whole["Args"]] == [*LIST_ENTRYPOINT, *LIST_COMMAND]
        assert wait_for_log(docker, containers[0], LIST_OUTPUT)
        # docker compose v2.40.3 on Docker 20.10 gives these records too. It keeps `entrypoint: []`
        # as an empty list, where `--entrypoint ""` gives null.
        assert empty["Config"]["Entrypoint"] == []
        assert empty["Config"]["Cmd"] == ["sleep", "600"]
    finally:
        docker.remove_project(project.project)


def test_socket_networks_match_client(docker: Engine, names: dict[str, str]) -> None:
    api = docker_socket.from_environment()
    assert api is not None, "the live Docker daemon is expected on a local socket"
    through_socket = LocalDockerEngine(api)
    labels = {"io.crank.project": "apitest"}
    subnets = [{"subnet": f"10.{secrets.randbelow(200) + 20}.{number}.0/24"} for number in (1, 2)]
    options = {"driver": "bridge", "driver_opts": {"com.docker.network.bridge.enable_icc": "true"}, "internal": True}
    DockerEngine().create_network(names["front"], labels, {**options, "ipam": {"config": [subnets[0]]}})
    through_socket.create_network(names["back"], labels, {**options, "ipam": {"config": [subnets[1]]}})

    records = json.loads(docker.client("network", "inspect", names["front"], names["back"]).stdout)
    keys = ("Driver", "Options", "Internal", "Attachable", "EnableIPv6", "Labels")
    made_by_client, made_over_socket = ({key: record[key] for key in keys} for record in records)
    assert made_over_socket == made_by_client
    assert [record["IPAM"]["Config"][0]["Subnet"] for record in records] == [pool["subnet"] for pool in subnets]


def compose_project(folder: Path, compose: str, prefix: str = "crank-apitest") -> Crank:
    """Write a compose file into `folder` and return a runner for it on Docker, with a fresh project name."""
    (folder / "compose.yaml").write_text(compose)
    return Crank(folder, "docker", f"{prefix}-{secrets.token_hex(3)}")


def test_stop_waits_out_a_long_grace_period(docker: Engine, tmp_path: Path) -> None:
    # A main process that ignores SIGTERM keeps the daemon's stop request open for the whole
    # grace period, longer than any fixed client-side limit crank might set.
    project = compose_project(tmp_path, (
        "services:\n"
        "  stubborn:\n"
        f"    image: {TEST_IMAGE}\n"
        "    command: [sh, -c, \"trap '' TERM; while true; do sleep 1; done\"]\n"
        "    stop_grace_period: 12s\n"
    ))
    try:
        assert project("-p", project.project, "up", "-d").returncode == 0
        started = time.monotonic()
        stopped = project("-p", project.project, "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert time.monotonic() - started >= 11
    finally:
        docker.remove_project(project.project)


def test_exec_healthcheck_needs_no_shell(docker: Engine, tmp_path: Path) -> None:
    # An image with only the busybox binary has no /bin/sh, so only a check run as a list passes.
    image = f"localhost/crank-apitest-noshell:{secrets.token_hex(3)}"
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(shutil.which("busybox") or "/bin/busybox", build / "busybox")
    (build / "Dockerfile").write_text("FROM scratch\nCOPY busybox /busybox\n")
    docker.client("build", "-q", "-t", image, str(build))
    project = compose_project(tmp_path, (
        "services:\n"
        "  bare:\n"
        f"    image: {image}\n"
        "    command: [/busybox, sleep, '600']\n"
        "    init: true\n"
        "    healthcheck:\n"
        "      test: [CMD, /busybox, 'true']\n"
        "      interval: 1s\n"
    ))
    try:
        result = project("-p", project.project, "up", "-d", "--wait", "--wait-timeout", "30")
        assert result.returncode == 0, result.stderr
        assert "healthcheck.test" not in result.stderr
    finally:
        docker.remove_project(project.project)
        docker.client("image", "rm", image, check=False)
