"""`crank stats`: one reading of each container, with each engine's client faked at the process boundary."""

from __future__ import annotations

import json

import pytest

from crank_cli.errors import EngineError
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.models import ContainerStats
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

WEB = ContainerStats("shop-web-1", "0.50%", "504KiB / 23.54GiB", "0.00%", "486B / 0B", "0B / 0B", "2")


def test_docker_reads_json_lines() -> None:
    line = {"BlockIO": "0B / 0B", "CPUPerc": "0.50%", "Container": "shop-web-1", "ID": "41564f979b17",
            "MemPerc": "0.00%", "MemUsage": "504KiB / 23.54GiB", "Name": "shop-web-1", "NetIO": "486B / 0B",
            "PIDs": "2"}
    stopped = {**line, "Name": "shop-job-1", "CPUPerc": "0.00%", "PIDs": "0"}
    runner = FakeRunner({("docker", "stats"): f"{json.dumps(line)}\n{json.dumps(stopped)}\n"})

    readings = DockerEngine(runner=runner).read_stats(["shop-web-1", "shop-job-1"])

    assert runner.calls == [["docker", "stats", "--no-stream", "--format", "{{json .}}", "shop-web-1", "shop-job-1"]]
    assert readings[0] == WEB
    assert (readings[1].name, readings[1].cpu_percent, readings[1].pids) == ("shop-job-1", "0.00%", "0")


def test_podman_reads_json_list() -> None:
    record = {"id": "f1e16363f334", "name": "shop-web-1", "cpu_time": "34.98ms", "cpu_percent": "0.50%",
              "avg_cpu": "0.50%", "mem_usage": "504KiB / 23.54GiB", "mem_percent": "0.00%", "net_io": "486B / 0B",
              "block_io": "0B / 0B", "pids": "2"}
    runner = FakeRunner({("podman", "stats"): json.dumps([record], indent=1)})

    readings = PodmanEngine(runner=runner).read_stats(["shop-web-1"])

    assert runner.calls == [["podman", "stats", "--no-stream", "--format", "json", "shop-web-1"]]
    assert readings == [WEB]


def test_no_containers_runs_nothing() -> None:
    runner = FakeRunner()

    assert PodmanEngine(runner=runner).read_stats([]) == []
    assert runner.calls == []


def test_invalid_output_is_engine_error() -> None:
    runner = FakeRunner({("podman", "stats"): "not json"})

    with pytest.raises(EngineError, match="the engine printed invalid JSON"):
        PodmanEngine(runner=runner).read_stats(["shop-web-1"])
