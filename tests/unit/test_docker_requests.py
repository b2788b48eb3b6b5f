"""Docker API request bodies: the parsing of flag-style values the live comparison does not cover."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.runtime import argv, docker_requests
from crank_cli.runtime.docker_requests import InvalidSetting, container_body
from crank_cli.runtime.models import ContainerSpec, GpuRequest, HealthCheck


def host_config(**fields: object) -> dict:
    return container_body(ContainerSpec(name="c", image="i", **fields))["HostConfig"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nofile=1024:2048", {"Name": "nofile", "Soft": 1024, "Hard": 2048}),
        ("nproc=512", {"Name": "nproc", "Soft": 512, "Hard": 512}),
        ("core=-1", {"Name": "core", "Soft": -1, "Hard": -1}),
    ],
)
def test_ulimit_values(value: str, expected: dict) -> None:
    assert host_config(ulimits=(value,))["Ulimits"] == [expected]


def test_invalid_ulimit_names_value() -> None:
    with pytest.raises(InvalidSetting, match="invalid ulimit 'nofile=many'"):
        host_config(ulimits=("nofile=many",))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/dev/fuse", ("/dev/fuse", "/dev/fuse", "rwm")),
        ("/dev/fuse:r", ("/dev/fuse", "/dev/fuse", "r")),
        ("/dev/sda:/dev/xvda", ("/dev/sda", "/dev/xvda", "rwm")),
        ("/dev/sda:/dev/xvda:rw", ("/dev/sda", "/dev/xvda", "rw")),
    ],
)
def test_device_values(value: str, expected: tuple[str, str, str]) -> None:
    [device] = host_config(devices=(value,))["Devices"]
    assert (device["PathOnHost"], device["PathInContainer"], device["CgroupPermissions"]) == expected


def test_exposed_range_and_restart_retries() -> None:
    body = container_body(ContainerSpec(name="c", image="i", expose=("8000-8002/udp", "9000"), restart="on-failure:3"))
    assert sorted(body["ExposedPorts"]) == ["8000/udp", "8001/udp", "8002/udp", "9000/tcp"]
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}


def test_seccomp_profile_file_is_inlined(tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW"}))
    options = host_config(security_opt=(f"seccomp={profile}", "seccomp=unconfined", "no-new-privileges"))["SecurityOpt"]
    assert options == ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "seccomp=unconfined", "no-new-privileges"]


def test_gpu_requests() -> None:
    assert host_config(gpus=GpuRequest())["DeviceRequests"][0]["Count"] == -1
    assert host_config(gpus=GpuRequest(count=2))["DeviceRequests"][0]["Count"] == 2
    assert host_config(gpus=GpuRequest(device_ids=("0", "3")))["DeviceRequests"][0]["DeviceIDs"] == ["0", "3"]


def test_healthcheck_start_interval_only_when_supported() -> None:
    check = HealthCheck(test=("CMD", "true"), interval=1.5, start_interval=0.5)
    assert docker_requests.healthcheck(check, start_interval=False) == {"Test": ["CMD-SHELL", "true"], "Interval": 1_500_000_000}
    assert docker_requests.healthcheck(check, start_interval=True)["StartInterval"] == 500_000_000
    assert docker_requests.healthcheck(HealthCheck(test=("NONE",)), start_interval=True) == {"Test": ["NONE"]}


def test_healthcheck_list_kept_in_exec_form() -> None:
    check = HealthCheck(test=("CMD", "pg_isready", "-U", "app user"))
    assert docker_requests.healthcheck(check, start_interval=False, exec_form=True)["Test"] == list(check.test)
    assert docker_requests.healthcheck(check, start_interval=False)["Test"] == ["CMD-SHELL", "pg_isready -U 'app user'"]


def test_list_entrypoint_kept_whole() -> None:
    body = container_body(ContainerSpec(name="c", image="i", entrypoint=("sh", "-c"), command=("echo hi",)))
    assert body["Entrypoint"] == ["sh", "-c"]
    assert body["Cmd"] == ["echo hi"]


def test_list_entrypoint_without_command() -> None:
    body = container_body(ContainerSpec(name="c", image="i", entrypoint=("sh", "-c", "echo hi")))
    assert body["Entrypoint"] == ["sh", "-c", "echo hi"]
    assert "Cmd" not in body


def test_empty_entrypoint_clears_image_entrypoint() -> None:
    assert container_body(ContainerSpec(name="c", image="i", entrypoint=()))["Entrypoint"] == []
    assert "Entrypoint" not in container_body(ContainerSpec(name="c", image="i"))


@pytest.mark.parametrize(("init", "expected"), [(None, None), (False, False), (True, True)])
def test_init_sent_as_given(init: bool | None, expected: bool | None) -> None:
    assert host_config(init=init)["Init"] is expected


def test_network_ipam_matches_client_flags() -> None:
    ipam = {"driver": "default", "config": [{"subnet": "10.9.0.0/24", "ip_range": "10.9.0.128/25", "gateway": "10.9.0.1",
                                             "aux_addresses": {"router": "10.9.0.2"}}], "options": {"a": "b"}}
    body = docker_requests.network_body("n", {}, {"ipam": ipam})
    assert body["IPAM"] == {"Driver": "default", "Options": {"a": "b"}, "Config": [
        {"Subnet": "10.9.0.0/24", "IPRange": "10.9.0.128/25", "Gateway": "10.9.0.1", "AuxiliaryAddresses": {"router": "10.9.0.2"}}]}
    assert argv.network_flags({"ipam": ipam}) == [
        "--ipam-driver", "default", "--subnet", "10.9.0.0/24", "--ip-range", "10.9.0.128/25", "--gateway", "10.9.0.1",
        "--aux-address", "router=10.9.0.2", "--ipam-opt", "a=b"]
