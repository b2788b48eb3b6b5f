"""`crank top` and the engines' process tables, with the clients faked at the process boundary."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.docker_socket import DockerSocket
from crank_cli.runtime.dryrun import DryRunRunner
from crank_cli.runtime.models import ProcessList
from crank_cli.runtime.podman import PodmanEngine
from crank_cli.runtime.processes import parse_top_table
from tests.unit.fakes import PODMAN_UP, FakeRunner, enter_podman_project, run_verb
from tests.unit.test_docker_socket import FakeDaemon

# `docker top` output from the docker 28.2 client with Docker 20.10, and `podman top` output
# from Podman 4.3, for a busybox container running `sh -c "...; sleep 600 & wait"`.
DOCKER_TOP = (
    "UID                 PID                 PPID                C                   STIME               TTY"
    "                 TIME                CMD\n"
    "root                32030               32007               2                   10:00               ?"
    "                   00:00:00            sh -c trap 'exit 0' TERM; sleep 600 & wait\n"
    "root                32097               32030               0                   10:00               ?"
    "                   00:00:00            sleep 600\n"
)
PODMAN_TOP = (
    "USER        PID         PPID        %CPU        ELAPSED       TTY         TIME        COMMAND\n"
    "0           1           0           0.000       2.209064089s  ?           0s          "
    "sh -c trap 'exit 0' TERM; sleep 600 & wait \n"
    "0           6           1           0.000       2.209130543s  ?           0s          sleep 600 \n"
)


def test_parse_docker_top_keeps_spaces_in_command() -> None:
    table = parse_top_table(DOCKER_TOP)

    assert table.titles == ("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD")
    assert table.processes == (
        ("root", "32030", "32007", "2", "10:00", "?", "00:00:00", "sh -c trap 'exit 0' TERM; sleep 600 & wait"),
        ("root", "32097", "32030", "0", "10:00", "?", "00:00:00", "sleep 600"),
    )


def test_parse_podman_top_drops_trailing_space() -> None:
    table = parse_top_table(PODMAN_TOP)

    assert table.titles == ("USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND")
    assert table.processes[1] == ("0", "6", "1", "0.000", "2.209130543s", "?", "0s", "sleep 600")
    assert len(table.processes) == 2


def test_parse_empty_top_output() -> None:
    assert parse_top_table("\n") == ProcessList((), ())


def test_docker_client_top_one_command_per_container() -> None:
    runner = FakeRunner({("docker", "top"): DOCKER_TOP})

    table = DockerEngine(runner=runner).list_processes("demo-web-1")

    assert runner.calls == [["docker", "top", "demo-web-1"]]
    assert table.processes[1][-1] == "sleep 600"


def listed(name: str, service: str, state: str, replica: str = "1") -> dict[str, object]:
    """Return a container as Podman 4.3's `ps --all --format json` lists it, a one-off when `replica` is empty."""
    labels = {"io.crank.project": "demo", "io.crank.service": service}
    if replica:
        labels["io.crank.replica"] = replica
    else:
        labels["io.crank.oneoff"] = "True"
    return {"Id": name, "Names": [name], "Image": "busybox", "ImageID": "c" * 64, "State": state, "Status": "",
            "ExitCode": 0, "Ports": None, "Labels": labels}


# web has two replicas and a one-off container, db has exited, and cache is paused.
CONTAINERS = [
    listed("demo-web-2", "web", "running", "2"),
    listed("demo-db-1", "db", "exited"),
    listed("demo-web-1", "web", "running"),
    listed("demo-web-run-4f2a", "web", "running", replica=""),
    listed("demo-cache-1", "cache", "paused"),
]
# Logs its arguments and prints the process table above for every running container, as
# podman does, and podman's error for the paused one.
CLIENT = """#!{python}
import sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] == "version":
    print({version!r})
elif sys.argv[1] == "ps":
    crank_query = any(word.startswith("label=io.crank.project") for word in sys.argv)
    print({listed!r} if crank_query else "[]")
elif sys.argv[1] == "top" and sys.argv[2] == "demo-cache-1":
    print("Error: top can only be used on running containers", file=sys.stderr)
    sys.exit(125)
elif sys.argv[1] == "top":
    sys.stdout.write({top!r})
"""


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman and enter the folder of project demo; return the call log."""
    log = tmp_path / "calls.log"
    script = CLIENT.format(python=sys.executable, log=str(log), version=PODMAN_UP,
                           listed=json.dumps(CONTAINERS), top=PODMAN_TOP)
    enter_podman_project(tmp_path, monkeypatch, script, "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n"
                                         "  cache:\n    image: busybox\n")
    return log


def top(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_verb(capsys, "top", *argv)


def test_top_one_table_grouped_by_container(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = top(capsys)

    assert code == 0, err
    rows = [line.split(None, 9) for line in out.splitlines()]
    assert rows[0] == ["SERVICE", "#", "USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"]
    # Sorted by container name: demo-web-1, demo-web-2, then the one-off demo-web-run-4f2a.
    assert [row[:2] for row in rows[1:]] == [["web", "1"], ["web", "1"], ["web", "2"], ["web", "2"],
                                             ["web", "-"], ["web", "-"]]
    assert rows[1][9] == "sh -c trap 'exit 0' TERM; sleep 600 & wait"
    assert err == "demo-cache-1 is paused, and podman lists no processes of a paused container\n"


def test_top_runs_one_command_per_container(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert top(capsys)[0] == 0

    commands = sorted(line for line in calls.read_text().splitlines() if line.startswith("top "))
    assert commands == ["top demo-cache-1", "top demo-web-1", "top demo-web-2", "top demo-web-run-4f2a"]


def test_top_stopped_service_prints_nothing(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = top(capsys, "db")

    assert code == 0
    assert out == ""
    assert err == "no running containers in project demo on podman\n"


def test_top_paused_only_says_why_empty(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = top(capsys, "cache")

    assert code == 0
    assert out == ""
    assert err == "demo-cache-1 is paused, and podman lists no processes of a paused container\n"


def test_top_unknown_service_is_usage_error(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = top(capsys, "nosuch")

    assert code == 2
    assert out == ""
    assert err == "crank: error: no such service: nosuch (the project has cache, db, web)\n"


def test_socket_top_reads_titles_and_rows(tmp_path: Path) -> None:
    document = {"Titles": ["UID", "PID", "CMD"], "Processes": [["root", "32030", "sleep 600"]]}
    daemon = FakeDaemon(tmp_path / "docker.sock", {"/containers/demo-web-1/top": (200, document)})
    runner = FakeRunner({})
    try:
        table = LocalDockerEngine(DockerSocket(str(tmp_path / "docker.sock")), runner=runner).list_processes("demo-web-1")
    finally:
        daemon.close()

    assert table == ProcessList(("UID", "PID", "CMD"), (("root", "32030", "sleep 600"),))
    assert daemon.requests == ["/containers/demo-web-1/top"]
    assert runner.calls == []


def test_dry_run_still_reads_processes() -> None:
    # A dry run prints the commands that change something and runs those that only read, as `top` does.
    real = FakeRunner({("podman", "top"): PODMAN_TOP})
    printed: list[str] = []

    table = PodmanEngine(runner=DryRunRunner(printed.append, real)).list_processes("demo-web-1")

    assert printed == []
    assert real.calls == [["podman", "top", "demo-web-1"]]
    assert table == parse_top_table(PODMAN_TOP)
