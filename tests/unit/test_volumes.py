"""`crank volumes`: which volumes it lists, and its table, JSON and names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode
from crank_cli.runtime.inspect import docker_listed_state, mounted_volumes
from tests.unit.fake_podman import FakePodman, container, fake_podman, volume  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n  job:\n    image: busybox\n"
PROJECT = {"io.crank.project": "shop"}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_podman: FakePodman) -> Path:  # noqa: F811
    """Project shop: web mounts shop_data and an anonymous volume, db mounts shop_db, job is stopped and mounts shop_jobs."""
    folder = enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    fake_podman.set_state(
        [container("shop", "web", 1, volumes=("shop_data", "a" * 64)), container("shop", "db", 1, volumes=("shop_db",)),
         container("shop", "job", 1, state="exited", volumes=("shop_jobs",))],
        volumes=[volume("shop_db", {**PROJECT, "io.crank.volume": "db"}), volume("shop_data", {**PROJECT, "io.crank.volume": "data"}),
                 volume("shop_jobs", PROJECT), volume("other_data", {"io.crank.project": "other"}),
                 volume("a" * 64, {})],
    )
    return folder


def test_volumes_table_lists_project_volumes(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["volumes"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert [line.split() for line in captured.out.splitlines()] == [
        ["DRIVER", "VOLUME", "NAME"], ["local", "shop_data"], ["local", "shop_db"], ["local", "shop_jobs"]]


def test_volumes_of_running_services(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    web_and_job = run_cli(["volumes", "-q", "web", "job"])
    web_and_job_out = capsys.readouterr().out
    job = run_cli(["volumes", "-q", "job"])
    job_out = capsys.readouterr().out

    assert (web_and_job, web_and_job_out) == (0, "shop_data\n")
    # As with docker compose, a stopped container's volumes are left out.
    assert (job, job_out) == (0, "")


def test_volumes_json_document(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["volumes", "--format", "json", "db"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert json.loads(captured.out) == {"schema": 1, "volumes": [{
        "name": "shop_db", "volume": "db", "driver": "local", "scope": "local",
        "mountpoint": "/var/lib/volumes/shop_db/_data", "created": "2026-01-02T03:04:05Z",
        "labels": {"io.crank.project": "shop", "io.crank.volume": "db"}}]}


def test_volumes_quiet_beats_format(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["volumes", "-q", "--format", "json"])

    assert (code, capsys.readouterr().out) == (0, "shop_data\nshop_db\nshop_jobs\n")


def test_volumes_unknown_service_json_error(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["volumes", "--format", "json", "nosuch"])

    assert code == ExitCode.USAGE
    assert json.loads(capsys.readouterr().out) == {
        "schema": 1, "error": "usage", "message": "no such service: nosuch (the project has db, job, web)"}


def test_volumes_of_foreign_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_podman: FakePodman,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    started = container("shop", "web", 1)
    started["Labels"] = {"com.docker.compose.project": "shop", "com.docker.compose.service": "web"}
    fake_podman.set_state([started], volumes=[volume("shop_data", {"com.docker.compose.project": "shop"})])

    code = run_cli(["volumes"])

    assert code == ExitCode.USAGE
    assert capsys.readouterr().err.startswith(
        "crank: error: project shop was started by docker compose, not crank; `crank volumes` does not act on such a project.")


def test_mounted_volumes_from_docker_list() -> None:
    entry = {"Names": ["/shop-web-1"], "Labels": {}, "Mounts": [
        {"Type": "volume", "Name": "shop_data"}, {"Type": "bind", "Source": "/srv"}, {"Type": "tmpfs"}]}

    assert docker_listed_state(entry).volumes == ("shop_data",)
    assert mounted_volumes({"Mounts": None}) == ()
