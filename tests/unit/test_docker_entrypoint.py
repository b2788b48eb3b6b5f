"""`DockerEngine` sends an API request for a container whose entrypoint `--entrypoint` cannot state.

A fake `docker` executable replaces the client. Its `system dial-stdio` reads one HTTP
request from standard input and writes the next canned response. Every other command is
recorded and prints its last argument, as `docker start` does.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from crank_cli.errors import EngineError, EngineNotFoundError
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.models import ContainerSpec, NetworkAttachment
from tests.unit.fakes import FakeRunner

CREATED = {"status": 201, "body": {"Id": "abc123", "Warnings": []}}
ENTRYPOINT = ("/bin/sh", "-c", 'echo "$0|$1"', "zero with space")

FAKE_CLIENT = """\
import json, os, select, sys
folder = os.environ["FAKE_DOCKER_FOLDER"]

def record(entry):
    with open(os.path.join(folder, "calls.jsonl"), "a") as calls:
        calls.write(json.dumps(entry) + "\\n")

arguments = sys.argv[1:]
if arguments[:2] != ["system", "dial-stdio"]:
    record({"argv": arguments})
    print(arguments[-1])
    sys.exit(0)
with open(os.path.join(folder, "replies.json")) as replies_file:
    replies = json.load(replies_file)
reply = replies.pop(0)
with open(os.path.join(folder, "replies.json"), "w") as replies_file:
    json.dump(replies, replies_file)
if "fail" in reply:
    sys.stderr.write(reply["fail"] + "\\n")
    sys.exit(1)
stdin = sys.stdin.buffer
head = b""
while not head.endswith(b"\\r\\n\\r\\n"):
    head += stdin.read(1)
lines = head.decode().split("\\r\\n")
headers = dict(line.split(": ", 1) for line in lines[1:] if line)
body = stdin.read(int(headers["Content-Length"]))
# Standard input at its end now means the caller closed it before the response came.
at_end, _, _ = select.select([stdin], [], [], 0)
record({"request": lines[0], "headers": headers, "body": json.loads(body), "stdin_open": not at_end})
content = json.dumps(reply["body"]).encode()
sys.stdout.buffer.write(b"HTTP/1.0 %d Status\\r\\nContent-Type: application/json\\r\\n" % reply["status"])
sys.stdout.buffer.write(b"Content-Length: %d\\r\\n\\r\\n" % len(content) + content)
sys.stdout.flush()
"""


class FakeClient:
    """A fake `docker` executable in a folder, with its canned responses and its record of calls."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.binary = folder / "docker"
        self.binary.write_text(f"#!{sys.executable}\n{FAKE_CLIENT}")
        self.binary.chmod(self.binary.stat().st_mode | stat.S_IXUSR)
        self.pulls: list[list[str]] = []
        monkeypatch.setenv("FAKE_DOCKER_FOLDER", str(folder))
        self.reply(CREATED)

    def reply(self, *replies: dict[str, Any]) -> None:
        (self.folder / "replies.json").write_text(json.dumps(list(replies)))

    def calls(self) -> list[dict[str, Any]]:
        path = self.folder / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    def requests(self) -> list[dict[str, Any]]:
        return [call for call in self.calls() if "request" in call]

    def commands(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls() if "argv" in call]

    def engine(self) -> DockerEngine:
        def attached(argv: Any, **_: Any) -> int:
            self.pulls.append(list(argv))
            return 0

        return DockerEngine(binary=str(self.binary), attached_runner=attached)


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    return FakeClient(tmp_path, monkeypatch)


def test_list_entrypoint_sent_whole(client: FakeClient) -> None:
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=ENTRYPOINT, command=("one with space",))
    assert client.engine().create_container(spec) == "abc123"

    [request] = client.requests()
    assert request["request"] == "POST /containers/create?name=demo-web-1 HTTP/1.0"
    assert request["body"]["Entrypoint"] == list(ENTRYPOINT)
    assert request["body"]["Cmd"] == ["one with space"]
    assert request["body"]["Image"] == "busybox"
    assert request["stdin_open"] is True
    # A created container is not started.
    assert client.commands() == []


def test_empty_entrypoint_sent_as_empty_list(client: FakeClient) -> None:
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=(), command=("sleep", "1"))
    client.engine().create_container(spec)

    [request] = client.requests()
    assert request["body"]["Entrypoint"] == []
    assert request["body"]["Cmd"] == ["sleep", "1"]


def test_run_connects_networks_before_start(client: FakeClient) -> None:
    networks = (NetworkAttachment("demo_front", ("web",)), NetworkAttachment("demo_back", ("api",)))
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"), command=("sleep 600",),
                         networks=networks)
    assert client.engine().run_container(spec) == "abc123"

    [request] = client.requests()
    assert request["body"]["NetworkingConfig"] == {"EndpointsConfig": {"demo_front": {"Aliases": ["web"]}}}
    assert client.commands() == [
        ["network", "connect", "--alias", "api", "demo_back", "demo-web-1"],
        ["start", "abc123"],
    ]


def test_one_word_entrypoint_uses_flags(client: FakeClient) -> None:
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh",), command=("-c", "sleep 600"))
    client.engine().run_container(spec)

    assert client.requests() == []
    assert client.commands() == [
        ["run", "--detach", "--name", "demo-web-1", "--entrypoint", "sh", "busybox", "-c", "sleep 600"],
    ]


def test_fake_runner_gets_flags() -> None:
    # A dry run's runner prints commands in place of the engine, so nothing may bypass it.
    runner = FakeRunner({("docker",): "abc123"})
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"), command=("sleep 600",))
    DockerEngine(runner=runner).run_container(spec)

    assert runner.calls == [
        ["docker", "run", "--detach", "--name", "demo-web-1", "--entrypoint", "sh", "busybox", "-c", "sleep 600"],
    ]


def test_daemon_error_names_create(client: FakeClient) -> None:
    conflict = 'Conflict. The container name "/demo-web-1" is already in use'
    client.reply({"status": 409, "body": {"message": conflict}})
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"))

    with pytest.raises(EngineError) as raised:
        client.engine().create_container(spec)
    assert raised.value.argv == ["docker", "create", "demo-web-1"]
    assert raised.value.stderr == conflict


def test_missing_image_pulled_then_created(client: FakeClient) -> None:
    client.reply({"status": 404, "body": {"message": "No such image: busybox:latest"}}, CREATED)
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"))

    assert client.engine().create_container(spec) == "abc123"
    assert client.pulls == [[str(client.binary), "pull", "busybox"]]
    assert len(client.requests()) == 2


def test_dial_stdio_failure_reported(client: FakeClient) -> None:
    failure = "failed to open the raw stream connection: connection refused"
    client.reply({"fail": failure})
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"))

    with pytest.raises(EngineError) as raised:
        client.engine().create_container(spec)
    assert raised.value.stderr == failure
    assert client.commands() == []


def test_missing_client_binary(tmp_path: Path) -> None:
    spec = ContainerSpec(name="demo-web-1", image="busybox", entrypoint=("sh", "-c"))
    with pytest.raises(EngineNotFoundError):
        DockerEngine(binary=str(tmp_path / "no-docker")).create_container(spec)
