"""`crank logs` options, with Podman's client faked as a script on PATH."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import UsageError
from crank_cli.operations.log_times import engine_time
from tests.unit.fakes import PODMAN_UP, enter_project, podman_script_on_path

# A podman client that logs each command line to a file, lists two replicas of `web` and
# prints one line as each container's log.
CLIENT = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in
  version) echo '{version}' ;;
  ps) echo '{listing}' ;;
  logs) for word in "$@"; do name="$word"; done; echo "hello from $name" ;;
esac
exit 0
"""

# Two replicas of web, and a one-off container of `crank run`, which logs leaves out as docker compose does.
LISTING = json.dumps([
    *({"Id": f"id{replica}", "Names": [f"shop-web-{replica}"], "State": "running",
       "Labels": {"io.crank.project": "shop", "io.crank.service": "web", "io.crank.replica": str(replica)}}
      for replica in (1, 2)),
    {"Id": "idrun", "Names": ["shop-web-run-1a2b3c"], "State": "running",
     "Labels": {"io.crank.project": "shop", "io.crank.service": "web", "io.crank.oneoff": "True"}},
])

NOW = datetime(2026, 12, 5, 10, 0, 0, 500000, tzinfo=timezone.utc)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman and enter a project folder `shop`; return the client's log."""
    log = tmp_path / "calls.log"
    podman_script_on_path(tmp_path, monkeypatch, CLIENT.format(log=log, version=PODMAN_UP, listing=LISTING))
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  web:\n    image: busybox\n")
    return log


def logs_calls(log: Path) -> list[str]:
    """Return the logged `logs` commands, sorted: crank starts one per container at once, in any order."""
    return sorted(line for line in log.read_text().splitlines() if line.startswith("logs"))


@pytest.mark.parametrize(("value", "expected"), [
    ("42m", "2026-12-05T09:18:00Z"),
    ("1h30m", "2026-12-05T08:30:00Z"),
    ("1.5s", "2026-12-05T09:59:59Z"),
    ("0", "1970-01-01T00:00:00Z"),
    ("1357133017", "2013-01-02T13:23:37Z"),
    ("1357133017.25", "2013-01-02T13:23:37.250000000Z"),
    ("2013-01-02T13:23:37Z", "2013-01-02T13:23:37Z"),
    ("2013-01-02T13:23:37.123456789+02:00", "2013-01-02T11:23:37.123456789Z"),
    ("2013-01-02T13:23-01:00", "2013-01-02T14:23:00Z"),
    ("2013-01-02Z", "2013-01-02T00:00:00Z"),
])
def test_engine_time_forms(value: str, expected: str) -> None:
    assert engine_time(value, "--since", NOW) == expected


def test_engine_time_without_zone_is_local(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        assert engine_time("2013-01-02T13:23:37", "--since", NOW) == "2013-01-02T12:23:37Z"
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("value", ["yesterday", "2013-13-01", "2013-01-02T25:00:00Z", "10 m", "-5", ""])
def test_engine_time_rejects(value: str) -> None:
    with pytest.raises(UsageError) as raised:
        engine_time(value, "--until", NOW)

    assert raised.value.message.startswith(f"invalid --until value {value!r}: use a time stamp")


def test_since_until_reach_engine_as_time_stamps(shop: Path) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--since", "2013-01-02T13:23:37+01:00", "--until", "1357133017"])

    assert code == 0
    assert logs_calls(shop) == [
        "logs --since 2013-01-02T12:23:37Z --until 2013-01-02T13:23:37Z shop-web-1",
        "logs --since 2013-01-02T12:23:37Z --until 2013-01-02T13:23:37Z shop-web-2",
    ]


def test_invalid_since_is_usage_error(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--since", "yesterday"])

    assert code == 2
    assert "crank: error: invalid --since value 'yesterday'" in capsys.readouterr().err
    # The value is checked before crank runs any engine command.
    assert not shop.exists()


def test_no_log_prefix_prints_bare_lines(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--no-log-prefix", "--no-color"])

    assert code == 0
    lines = sorted(capsys.readouterr().out.splitlines())
    assert lines == ["hello from shop-web-1", "hello from shop-web-2"]


def test_prefix_by_default(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--runtime", "podman", "logs"]) == 0

    lines = sorted(capsys.readouterr().out.splitlines())
    # As in docker compose, a container with its default name is shown without the project.
    assert lines == ["web-1 | hello from shop-web-1", "web-2 | hello from shop-web-2"]


def test_index_picks_one_replica(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--index", "2", "web"])

    assert code == 0
    assert logs_calls(shop) == ["logs shop-web-2"]
    assert capsys.readouterr().out == "web-2 | hello from shop-web-2\n"


def test_index_without_service_is_usage_error(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--index", "2"])

    assert code == 2
    assert "--index needs exactly one SERVICE" in capsys.readouterr().err


def test_index_beyond_replicas_is_usage_error(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "logs", "--index", "3", "web"])

    assert code == 2
    assert "service web has no container number 3" in capsys.readouterr().err


@pytest.mark.parametrize(("words", "expected"), [
    (["-n", "5", "-t"], "logs --tail 5 --timestamps shop-web-1"),
    (["--tail", "all"], "logs shop-web-1"),
    (["--tail=0"], "logs --tail 0 shop-web-1"),
    (["--tail", "-1"], "logs shop-web-1"),
])
def test_tail_and_timestamps(shop: Path, words: list[str], expected: str) -> None:
    assert run_cli(["--runtime", "podman", "logs", *words, "--index", "1", "web"]) == 0

    assert logs_calls(shop) == [expected]


@pytest.mark.parametrize("value", ["ten", "1.5", "-x", "５"])
def test_invalid_tail_is_usage_error(shop: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    code = run_cli(["--runtime", "podman", "logs", f"--tail={value}"])

    assert code == 2
    assert f"invalid --tail value {value!r}" in capsys.readouterr().err
