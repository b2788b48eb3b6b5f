"""`crank migrate` dry runs and JSON errors, with the engines' clients faked as scripts on PATH.

A dry run, the verb's own `--dry-run` or the global one, must run no engine command that
changes anything, for a migration and for `--rollback` alike.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.operations.migrate import record as records
from tests.unit.fakes import DOCKER_UP, PODMAN_UP
from tests.unit.migrate.test_recovery import recorded

# Podman's `ps --format json` entry of the project's running container.
LISTED_WEB = json.dumps([{"Id": "id-web", "Names": ["demo-web-1"], "State": "running", "Image": "localhost/web:1",
                          "Labels": {"io.crank.project": "demo", "io.crank.service": "web", "io.crank.replica": "1"}}])
# A client that logs its arguments. Podman runs the project's container, as after a migration
# from Docker; Docker has no container.
CLIENT = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1 $3 $4" in
  version*) echo '{version}' ;;
  "ps --format json") [ -n "{has_project}" ] && echo '{listing}' || echo '[]' ;;
  "ps --format {{{{.Names}}}}") [ -n "{has_project}" ] && echo demo-web-1 ;;
esac
exit 0
"""
# The engine commands that read and never change anything.
READING = {"version", "ps", "container", "info", "network", "volume", "image", "images"}


def install_client(folder: Path, name: str, version: str, *, has_project: bool, log: Path) -> None:
    script = folder / name
    script.write_text(CLIENT.format(log=log, version=version, has_project="yes" if has_project else "",
                                    listing=LISTED_WEB))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install fake docker and podman clients, enter the project folder, and return the clients' log."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    calls = tmp_path / "calls.log"
    calls.touch()
    install_client(bin_folder, "docker", DOCKER_UP, has_project=False, log=calls)
    install_client(bin_folder, "podman", PODMAN_UP, has_project=True, log=calls)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    # A TCP address keeps crank off Docker's local socket, so it uses the fake client; nothing listens there.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    for name in ("CONTAINER_HOST", "CRANK_CONTAINER_RUNTIME", "COMPOSE_PROJECT_NAME"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "compose.yaml").write_text("name: demo\nservices:\n  web:\n    image: localhost/web:1\n")
    monkeypatch.chdir(folder)
    return calls


def write_record(folder: Path, status: str) -> records.MigrationRecord:
    """Record a migration of demo's web service from Docker to Podman, finished or still running."""
    if status != records.DONE:
        return recorded(folder, records.PLANNED)[1]
    _, record = recorded(folder, records.SOURCE_REMOVED)
    record.finish(records.DONE)
    return record


def changing_calls(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.split()[1] not in READING]


def test_rollback_dry_run_json_prints_plan(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = write_record(Path.cwd(), records.DONE)

    code = run_cli(["migrate", "--rollback", "--dry-run", "--format", "json"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert changing_calls(log) == []
    document = json.loads(out)
    assert document["rollback"] == {
        "migration": record.document["id"], "project": "demo", "runs_on": "podman", "returns_to": "docker",
        "services": ["web"], "stop": ["demo-web-1"], "volumes": ["demo_data"],
        "source_containers": "create", "start": ["demo-web-1"],
    }
    assert records.latest(Path.cwd(), "demo", records.DONE) is not None


def test_global_dry_run_rollback_prints_plan(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_record(Path.cwd(), records.DONE)

    code = run_cli(["--dry-run", "migrate", "--rollback"])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert changing_calls(log) == []
    assert lines[0].startswith("roll back migration ")
    assert lines[0].endswith(" of project demo from podman to docker")
    assert "stop on podman: demo-web-1" in lines
    assert "copy volumes back to docker: demo_data" in lines
    assert "on docker: create and start the containers again: demo-web-1" in lines


def test_global_dry_run_leaves_unfinished_migration(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without a dry run, migrate first undoes an unfinished migration, which changes the engines.
    write_record(Path.cwd(), records.PLANNED)

    # Docker has no container of the project, so the plan ends in "project not found".
    code = run_cli(["--dry-run", "migrate", "--from", "docker", "--to", "podman"])

    err = capsys.readouterr().err
    assert "an unfinished migration is recorded: running migrate without --dry-run finishes or undoes it first" in err
    assert "found an unfinished migration" not in err
    assert records.latest(Path.cwd(), "demo", records.RUNNING) is not None
    assert changing_calls(log) == []
    assert code == 3, err
    assert "no containers of project demo found on docker" in err


def test_json_usage_error_is_json(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["migrate", "--to", "podman", "--format", "json"])

    captured = capsys.readouterr()
    assert code == 2
    assert json.loads(captured.out) == {"schema": 1, "error": "usage",
                                        "message": "--format json applies only to the plan that --dry-run prints"}
    assert captured.err == ""
    assert changing_calls(log) == []
