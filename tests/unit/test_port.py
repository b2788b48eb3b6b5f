"""`crank port`: which container it reads and which address it prints, with a fake `podman` client on PATH."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crank_cli.errors import ExitCode
from crank_cli.operations.port import parse_mapping
from tests.unit.fakes import PODMAN_UP, enter_podman_project, run_verb


def listed(name: str, replica: str, state: str, ports: list[dict[str, object]] | None,
           one_off: bool = False) -> dict[str, object]:
    """Return a container as Podman 4.3's `ps --all --format json` lists it."""
    labels = {"io.crank.project": "demo", "io.crank.service": "web"}
    if one_off:
        labels["io.crank.oneoff"] = "True"
    else:
        labels["io.crank.replica"] = replica
    return {"Id": name * 4, "Names": [name], "Image": "busybox", "ImageID": "c" * 64, "State": state,
            "Status": "", "ExitCode": 0, "Ports": ports, "Labels": labels}


def published(host_port: int, container_port: int, protocol: str = "tcp", host_ip: str = "") -> dict[str, object]:
    return {"host_ip": host_ip, "container_port": container_port, "host_port": host_port, "range": 1,
            "protocol": protocol}


# Replica 1 has exited, replica 2 runs with TCP 80 and UDP 53 published, replica 3 runs and
# publishes nothing, and a one-off container of `crank run` publishes 80 too.
CONTAINERS = [
    listed("demo-web-1", "1", "exited", [published(40001, 80)]),
    listed("demo-web-2", "2", "running", [published(40002, 80), published(40053, 53, "udp", "127.0.0.1")]),
    listed("demo-web-3", "3", "running", None),
    listed("demo-web-run-0a1b", "", "running", [published(40009, 80)], one_off=True),
]
# Lists the containers above that carry every label of the `--filter label=...` words, as podman does.
CLIENT = """#!{python}
import json, sys
if sys.argv[1] == "version":
    print({version!r})
elif sys.argv[1] == "ps":
    wanted = [word[len("label="):].partition("=") for word in sys.argv if word.startswith("label=")]
    listed = [entry for entry in json.loads({listed!r})
              if all(key in entry["Labels"] and (not value or entry["Labels"][key] == value)
                     for key, _, value in wanted)]
    print(json.dumps(listed))
"""


@pytest.fixture(autouse=True)
def podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Install the fake podman and enter the folder of project demo, whose service web has the containers above."""
    script = CLIENT.format(python=sys.executable, version=PODMAN_UP, listed=json.dumps(CONTAINERS))
    enter_podman_project(tmp_path, monkeypatch, script, "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n")


def port(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_verb(capsys, "port", *argv)


def test_port_reads_lowest_running_replica(capsys: pytest.CaptureFixture[str]) -> None:
    assert port(capsys, "web", "80") == (0, "0.0.0.0:40002\n", "")


def test_port_index_and_protocol(capsys: pytest.CaptureFixture[str]) -> None:
    assert port(capsys, "--protocol", "udp", "web", "53") == (0, "127.0.0.1:40053\n", "")
    assert port(capsys, "--index", "2", "--protocol", "UDP", "web", "53") == (0, "127.0.0.1:40053\n", "")
    # As with docker compose, index 0 is the default: the lowest number running.
    assert port(capsys, "--index", "0", "web", "80") == (0, "0.0.0.0:40002\n", "")


def test_port_not_published_names_published_ports(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = port(capsys, "web", "8080")

    assert code == ExitCode.ENGINE_FAILED
    assert out == ""
    assert err == ("crank: error: port 8080/tcp of container demo-web-2 is not published "
                   "(it publishes 53/udp, 80/tcp): add it to the service's ports and run crank up\n")


def test_port_wrong_protocol_not_published(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = port(capsys, "--protocol", "udp", "web", "80")

    assert code == ExitCode.ENGINE_FAILED
    assert "port 80/udp of container demo-web-2 is not published" in err


def test_port_replica_without_ports(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = port(capsys, "--index", "3", "web", "80")

    assert code == ExitCode.ENGINE_FAILED
    assert err == ("crank: error: port 80/tcp of container demo-web-3 is not published "
                   "(it publishes no port): add it to the service's ports and run crank up\n")


def test_port_stopped_replica_is_not_read(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = port(capsys, "--index", "1", "web", "80")

    assert code == ExitCode.ENGINE_FAILED
    assert out == ""
    assert err == "crank: error: service web has no running container number 1: start it with crank up\n"


def test_port_service_without_containers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = port(capsys, "db", "80")

    assert code == ExitCode.ENGINE_FAILED
    assert err == "crank: error: service db has no running container: start it with crank up\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["nosuch", "80"], "no such service: nosuch (the project has db, web)"),
    (["web", "0"], "invalid value for 'PRIVATE_PORT': 0 is not in the range 1<=x<=65535"),
    (["web", "http"], "invalid value for 'PRIVATE_PORT': 'http' is not a valid integer range"),
    (["--protocol", "sctp", "web", "80"], "invalid value for '--protocol': 'sctp' is not one of 'tcp', 'udp'"),
    (["web"], "missing argument 'PRIVATE_PORT'"),
])
def test_port_bad_input_is_usage_error(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = port(capsys, *argv)

    assert code == ExitCode.USAGE
    assert out == ""
    assert err.startswith(f"crank: error: {message}")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(("mapping", "expected"), [
    ("0.0.0.0:32768->80/tcp", ("0.0.0.0", "32768", 80, "tcp")),
    (":::32768->80/tcp", ("::", "32768", 80, "tcp")),
    ("127.0.0.1:5353->53/udp", ("127.0.0.1", "5353", 53, "udp")),
])
def test_parse_mapping_keeps_ipv6_host(mapping: str, expected: tuple[str, str, int, str]) -> None:
    assert tuple(parse_mapping(mapping)) == expected
