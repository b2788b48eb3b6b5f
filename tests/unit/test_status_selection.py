"""Which containers `crank ps` shows and how: -a, -q, SERVICE..., --services, --status, --all-projects.

The engine is a fake `podman` client on PATH, so everything above the process boundary is real.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from crank_cli.errors import ExitCode
from tests.unit.fakes import PODMAN_UP, enter_podman_project, run_verb

WEB_ID = "a" * 64
DB_ID = "b" * 64
CACHE_ID = "d" * 64
# The shape Podman 4.3 prints for `ps --all --format json`: web runs, db has exited, cache is paused.
LISTED = [
    {"Id": WEB_ID, "Names": ["demo-web-1"], "Image": "busybox", "ImageID": "c" * 64, "State": "running",
     "Status": "Up 3 minutes", "ExitCode": 0, "Ports": None,
     "Labels": {"io.crank.project": "demo", "io.crank.service": "web"}},
    {"Id": DB_ID, "Names": ["demo-db-1"], "Image": "busybox", "ImageID": "c" * 64, "State": "exited",
     "Status": "Exited (0) 2 seconds ago", "ExitCode": 0, "Ports": None,
     "Labels": {"io.crank.project": "demo", "io.crank.service": "db"}},
    {"Id": CACHE_ID, "Names": ["demo-cache-1"], "Image": "busybox", "ImageID": "c" * 64, "State": "paused",
     "Status": "Paused", "ExitCode": 0, "Ports": None,
     "Labels": {"io.crank.project": "demo", "io.crank.service": "cache"}},
]
# Logs its arguments, and lists the containers above for a query on crank's project label.
CLIENT = """#!{python}
import sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] == "version":
    print({version!r})
elif sys.argv[1] == "ps":
    crank_query = any(word.startswith("label=io.crank.project") for word in sys.argv)
    print({listed!r} if crank_query else "[]")
"""


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman, enter a folder with project demo's compose file; return the call log."""
    log = tmp_path / "calls.log"
    script = CLIENT.format(python=sys.executable, log=str(log), version=PODMAN_UP, listed=json.dumps(LISTED))
    enter_podman_project(tmp_path, monkeypatch, script, "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n  cache:\n    image: busybox\n")
    return log


def ps(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_verb(capsys, "ps", *argv)


def services_in(output: str) -> list[str]:
    return [row["service"] for row in json.loads(output)]


def test_ps_shows_running_and_paused(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--format", "json")

    assert code == 0, err
    assert services_in(out) == ["cache", "web"]


def test_ps_all_adds_stopped(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "-a", "--format", "json")

    assert code == 0, err
    assert services_in(out) == ["cache", "db", "web"]


def test_ps_table_notes_hidden_containers(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys)

    assert code == 0, err
    assert [line.split()[1] for line in out.splitlines()[1:]] == ["cache", "web"]
    assert "1 container is not running and not shown; --all shows every state" in err


def test_ps_of_stopped_service_says_none_running(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "db")

    assert code == 0, err
    assert "no running containers found for project" in err
    assert "no containers found" not in err
    assert "1 container is not running and not shown" in err


def test_ps_quiet_prints_full_ids(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "-aq")

    assert code == 0, err
    assert out == f"{CACHE_ID}\n{DB_ID}\n{WEB_ID}\n"


def test_ps_quiet_one_service(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--quiet", "-a", "web")

    assert code == 0, err
    assert out == f"{WEB_ID}\n"


def test_ps_services_prints_names(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    running = ps(capsys, "--services")
    every = ps(capsys, "--services", "--all")

    assert running[:2] == (0, "cache\nweb\n")
    assert every[:2] == (0, "cache\ndb\nweb\n")


def test_ps_status_filters_states(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exited = ps(capsys, "--status", "exited", "--format", "json")
    both = ps(capsys, "--status", "exited", "--status=running", "-q")
    paused = ps(capsys, "--status", "paused", "--format", "json")

    assert services_in(exited[1]) == ["db"]
    assert both[1] == f"{DB_ID}\n{WEB_ID}\n"
    assert services_in(paused[1]) == ["cache"]


def test_ps_rejects_invalid_status(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--status", "stopped")

    assert code == ExitCode.USAGE
    assert out == ""
    assert err == ("crank: error: invalid --status value stopped: expected one of "
                   "paused, restarting, removing, running, dead, created, exited\n")


def test_ps_rejects_unknown_service(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "-q", "web", "nosuch")

    assert code == ExitCode.USAGE
    assert out == ""
    assert err == "crank: error: no such service: nosuch (the project has cache, db, web)\n"


def test_ps_all_projects_drops_project_filter(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--all-projects", "-a", "--format", "json")

    assert code == 0, err
    assert services_in(out) == ["cache", "db", "web"]
    queries = [line for line in calls.read_text().splitlines() if line.startswith("ps ")]
    assert "--filter label=io.crank.project=demo" not in " ".join(queries)
    assert "--filter label=io.crank.project" in " ".join(queries)


def test_ps_filter_status_adds_to_status(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--filter", "status=exited", "--status", "paused", "--format", "json")

    assert code == 0, err
    assert services_in(out) == ["cache", "db"]


def test_ps_last_filter_counts(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = ps(capsys, "--filter", "status=exited", "--filter", "status=running", "--format", "json")

    assert code == 0, err
    assert services_in(out) == ["web"]


@pytest.mark.parametrize(("value", "message"), [
    ("status", "invalid --filter value 'status': expected KEY=VALUE, such as status=running"),
    ("source=x", "invalid --filter key 'source': the only key is status, as in status=running"),
    ("name=web", "invalid --filter key 'name': the only key is status, as in status=running"),
])
def test_ps_invalid_filter(calls: Path, capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    code, out, err = ps(capsys, "--filter", value)

    assert code == ExitCode.USAGE
    assert out == ""
    assert err == f"crank: error: {message}\n"


def test_ps_no_orphans_hides_undeclared_services(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("compose.yaml").write_text("services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n")

    shown = ps(capsys, "-a", "--format", "json")
    hidden = ps(capsys, "-a", "--no-orphans", "--format", "json")
    named = run_verb(capsys, "-p", "demo", "ps", "-a", "--no-orphans", "--format", "json")

    assert services_in(shown[1]) == ["cache", "db", "web"]
    assert services_in(hidden[1]) == ["db", "web"]
    # Known only by its name, the project has no declared services to compare with, as in docker compose.
    assert services_in(named[1]) == ["cache", "db", "web"]
