"""`crank ls` options, with Podman's client faked as a script on PATH."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import PODMAN_UP, podman_script_on_path

# A podman client that lists the same containers for every `ps`: crank's labels keep the
# queries for other tools' labels from listing them twice.
CLIENT = """#!/bin/sh
case "$1" in
  version) echo '{version}' ;;
  ps) echo '{listing}' ;;
esac
exit 0
"""


def container(project: str, service: str, state: str) -> dict[str, object]:
    return {"Id": f"{project}-{service}", "Names": [f"{project}-{service}-1"], "State": state,
            "Labels": {"io.crank.project": project, "io.crank.service": service, "io.crank.replica": "1"}}


LISTING = json.dumps([
    container("shop", "web", "running"),
    container("shop", "job", "exited"),
    container("shopping", "web", "paused"),
    container("old", "web", "exited"),
])


@pytest.fixture(autouse=True)
def fake_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = CLIENT.format(version=PODMAN_UP, listing=LISTING)
    podman_script_on_path(tmp_path, monkeypatch, script)
    monkeypatch.chdir(tmp_path)


def listed(capsys: pytest.CaptureFixture[str], *words: str) -> list[tuple[str, str]]:
    assert run_cli(["--runtime", "podman", "ls", "--format", "json", *words]) == 0
    return [(row["name"], row["status"]) for row in json.loads(capsys.readouterr().out)["projects"]]


def test_ls_lists_only_running_projects(capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys) == [("shop", "running(1)"), ("shopping", "paused(1)")]


def test_ls_all_adds_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    assert listed(capsys, "-a") == [("old", "exited(1)"), ("shop", "exited(1), running(1)"), ("shopping", "paused(1)")]


def test_ls_quiet_prints_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--runtime", "podman", "ls", "-q", "--all"]) == 0

    assert capsys.readouterr().out == "old\nshop\nshopping\n"


@pytest.mark.parametrize(("filters", "expected"), [
    (["name=shop"], ["shop", "shopping"]),
    (["name=^shop$"], ["shop"]),
    (["name=old", "name=ping"], ["old", "shopping"]),
    (["NAME=o+l"], ["old"]),
])
def test_ls_filter_by_name(capsys: pytest.CaptureFixture[str], filters: list[str], expected: list[str]) -> None:
    words = [word for item in filters for word in ("--filter", item)]

    assert run_cli(["--runtime", "podman", "ls", "-aq", *words]) == 0

    assert capsys.readouterr().out.splitlines() == expected


@pytest.mark.parametrize(("value", "message"), [
    ("status=running", "crank: error: invalid --filter 'status=running': crank ls filters only by name, as in name=PATTERN"),
    ("shop", "crank: error: invalid --filter 'shop': use name=PATTERN"),
    ("name=sh[op", "crank: error: invalid --filter 'name=sh[op': 'sh[op' is not a valid regular expression "
                   "(unterminated character set at position 2); put a backslash before a special character "
                   "to match it literally, as in name=sh\\[op"),
])
def test_ls_invalid_filter(capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    code = run_cli(["--runtime", "podman", "ls", "--filter", value])

    assert code == 2
    assert capsys.readouterr().err == message + "\n"


def test_ls_invalid_filter_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "ls", "--format", "json", "--filter", "label=x"])

    assert code == 2
    assert json.loads(capsys.readouterr().out)["error"] == "usage"


def test_ls_warns_about_engine_that_did_not_respond(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    docker = tmp_path / "bin" / "docker"
    docker.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    docker.chmod(0o755)
    monkeypatch.delenv("CRANK_CONTAINER_RUNTIME", raising=False)

    code = run_cli(["ls", "--format", "json"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert [project["name"] for project in json.loads(captured.out)["projects"]] == ["shop", "shopping"]
    assert "docker is installed but did not respond" in captured.err
    assert "nothing that runs on docker is listed" in captured.err
