"""`crank events`: the engines' event streams, with each client faked at the process boundary."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from crank_cli.cli.events import _json_line, _text_line, _wanted
from crank_cli.errors import EngineError
from crank_cli.runtime.engine_events import docker_event, podman_event
from crank_cli.runtime.models import ContainerEvent
from crank_cli.runtime.docker import DockerEngine
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


def test_until_ends_stream_without_error(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    event_line = json.dumps({"ID": "290f2efcd015", "Status": "start", "Time": "2026-12-05T13:12:32Z",
                             "Attributes": LABELS}) + "\n"

    def start_streaming(argv: list[str]) -> FakeStream:
        started.append(argv)
        return FakeStream([event_line], 0)

    monkeypatch.setattr("crank_cli.process.start_streaming", start_streaming)
    monkeypatch.setattr("time.time", lambda: 1_000.0)
    engine = PodmanEngine(runner=FakeRunner())

    found = [event.action for event in engine.follow_events(LABELS, since=1_700_000_000.7, until=2_000_000_000.2)]

    assert found == ["start"]
    assert started[0][6:10] == ["--since", "1700000000", "--until", "2000000001"]


def test_podman_until_in_past_runs_one_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: 1_800_000_000.5)

    window = PodmanEngine(runner=FakeRunner()).event_window_args(None, 1_700_000_000.0)

    # Podman 4.3 prints nothing for an --until in the past, so the stream runs a second more.
    assert window == ["--until", "1800000002"]


def test_docker_until_in_past_passes_as_given() -> None:
    window = DockerEngine(runner=FakeRunner()).event_window_args(1_699_999_999.5, 1_700_000_000.0)

    assert window == ["--since", "1699999999", "--until", "1700000000"]


def test_window_leaves_out_events_outside() -> None:
    moment = DIED.time.timestamp()

    assert _wanted(DIED, (), moment, moment)
    assert not _wanted(DIED, (), moment + 0.5, None)
    assert not _wanted(DIED, (), None, moment - 0.5)
    assert not _wanted(DIED, ("db",), None, None)
    assert _wanted(DIED, ("web",), None, None)
