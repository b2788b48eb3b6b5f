"""`crank events`: the engines' event streams, with each client faked at the process boundary."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from crank_cli.cli.events import _json_line, _text_line
from crank_cli.errors import EngineError
from crank_cli.runtime.engine_events import docker_event, podman_event
from crank_cli.runtime.models import ContainerEvent
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

LABELS = {"io.crank.project": "shop", "io.crank.service": "web"}
DIED = ContainerEvent(datetime(2026, 12, 5, 13, 12, 32, 901969, tzinfo=timezone.utc), "die", "290f2efcd015",
                      "shop-web-1", "busybox:latest", "web", "3")


def test_docker_line_becomes_event() -> None:
    line = json.dumps({"status": "die", "id": "290f2efcd015", "Type": "container", "Action": "die",
                       "Actor": {"ID": "290f2efcd015", "Attributes": {**LABELS, "exitCode": "3",
                                                                      "image": "busybox:latest", "name": "shop-web-1"}},
                       "time": 1796476352, "timeNano": 1796476352901969551})

    event = docker_event(line)

    assert event is not None
    assert event._replace(time=DIED.time) == DIED
    assert abs((event.time - DIED.time).total_seconds()) < 1e-3


def test_podman_line_becomes_event() -> None:
    record = {"ID": "290f2efcd015", "Image": "busybox:latest", "Name": "shop-web-1", "Status": "died",
              "Time": "2026-12-05T13:12:32.901969551Z", "Type": "container", "ContainerExitCode": 3,
              "Attributes": LABELS}

    assert podman_event(json.dumps(record)) == DIED._replace(action="died")
    # The exit code belongs to the died event only.
    started = podman_event(json.dumps({**record, "Status": "start", "ContainerExitCode": 0}))
    assert started is not None
    assert started.exit_code is None


@pytest.mark.parametrize("line", ["Error: something failed\n", "[]\n", "{broken\n"])
def test_other_lines_are_not_events(line: str) -> None:
    assert docker_event(line) is None
    assert podman_event(line) is None


def test_lines_as_docker_compose_prints_them() -> None:
    moment = DIED.time.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")

    assert _text_line(DIED) == (f"{moment} container die 290f2efcd015 "
                                "(exitCode=3, image=busybox:latest, name=shop-web-1)")
    assert json.loads(_json_line(DIED)) == {
        "schema": 1, "action": "die", "attributes": {"exitCode": "3", "image": "busybox:latest", "name": "shop-web-1"},
        "id": "290f2efcd015", "service": "web", "time": "2026-12-05T13:12:32.901969Z", "type": "container",
    }


class FakeStream:
    """An event stream process that prints `lines` and then exits with `code`."""

    def __init__(self, lines: list[str], code: int) -> None:
        self.stdout = iter(lines)
        self.code = code

    def wait(self) -> int:
        return self.code

    def poll(self) -> int:
        return self.code


def test_stream_error_raises_with_engine_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    event_line = json.dumps({"ID": "290f2efcd015", "Status": "start", "Time": "2026-12-05T13:12:32Z",
                             "Attributes": LABELS}) + "\n"

    def start_streaming(argv: list[str]) -> FakeStream:
        started.append(argv)
        return FakeStream([event_line, "Error: the events file is gone\n"], 125)

    monkeypatch.setattr("crank_cli.process.start_streaming", start_streaming)
    found = []

    with pytest.raises(EngineError) as raised:
        for event in PodmanEngine(runner=FakeRunner()).follow_events({"io.crank.project": "shop", "io.crank.service": None}):
            found.append(event.action)

    assert found == ["start"]
    assert started == [["podman", "events", "--filter", "type=container", "--format", "json",
                        "--filter", "label=io.crank.project=shop", "--filter", "label=io.crank.service"]]
    assert raised.value.returncode == 125
    assert "the events file is gone" in raised.value.stderr
