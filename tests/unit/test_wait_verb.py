"""`crank wait`: which containers it waits for, what it prints and its exit code, against a fake podman client."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fake_podman import FakePodman, container, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = "services:\n  web:\n    image: busybox\n  job:\n    image: busybox\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def test_wait_reports_each_exit(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "web", 2), container("shop", "job", 1)],
                          exit_codes={"shop-web-1": 0, "shop-web-2": 3}, delays={"shop-web-1": 0.5})

    code = run_cli(["wait", "web"])

    assert code == 0
    assert capsys.readouterr().out == ('container "id-shop-web-2" exited with status code 3\n'
                                       'container "id-shop-web-1" exited with status code 0\n')
    assert sorted(args[-1] for args in fake_podman.calls("wait")) == ["shop-web-1", "shop-web-2"]


def test_wait_exits_with_last_code(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                   capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "job", 1)],
                          exit_codes={"shop-web-1": 0, "shop-job-1": 7}, delays={"shop-job-1": 0.5})

    code = run_cli(["wait", "web", "job"])

    assert code == 7
    assert capsys.readouterr().out.splitlines()[-1] == 'container "id-shop-job-1" exited with status code 7'


def test_wait_skips_stopped_containers(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "job", 1, state="exited"), container("shop", "web", 1)],
                          exit_codes={"shop-web-1": 0})

    code = run_cli(["wait", "job", "web"])

    assert code == 0
    assert [args[-1] for args in fake_podman.calls("wait")] == ["shop-web-1"]


def test_wait_without_running_fails(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "job", 1, state="exited")])

    code = run_cli(["wait", "job"])

    assert code == 1
    assert capsys.readouterr().err == ("crank: error: no running container of job in project shop on podman: "
                                       "start it with crank up\n")


def test_wait_unknown_service_is_usage_error(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["wait", "cache"])

    assert code == 2
    assert capsys.readouterr().err == "crank: error: no such service: cache (the project has job, web)\n"


def test_wait_down_project_removes_all(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "job", 1)], exit_codes={"shop-job-1": 4})

    code = run_cli(["wait", "--down-project", "job"])

    assert code == 4
    removed = sorted(name for args in fake_podman.calls("rm") for name in args if name.startswith("shop-"))
    assert removed == ["shop-job-1", "shop-web-1"]


def test_wait_engine_failure_names_command(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # No exit code is set for web, so the fake client's `wait` fails.
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["wait", "web"])

    assert code == 1
    assert capsys.readouterr().err.startswith("crank: error: podman wait shop-web-1 ... failed: ")


def test_wait_dry_run_prints_down(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                  capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "job", 1)], exit_codes={"shop-job-1": 4})

    code = run_cli(["wait", "--dry-run", "--down-project", "job"])

    assert code == 4
    assert fake_podman.calls("rm") == []
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'container "id-shop-job-1" exited with status code 4'
    assert any(line.startswith("podman rm ") and "shop-job-1" in line for line in out[1:]), out
