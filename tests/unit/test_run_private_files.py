"""`crank run SERVICE` deletes the secret and config files it wrote once no container of the project mounts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import MissingImageError
from tests.unit.fake_podman import FakePodman, container, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = """\
services:
  db:
    image: localhost/db
    secrets: [token]
  web:
    image: localhost/web
    depends_on: [db]
    secrets: [token]
    configs: [settings]
secrets:
  token: {environment: TOKEN}
configs:
  settings: {content: debug=1}
"""


@pytest.fixture
def state_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter project shop and return the folder of its secret and config files, under tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TOKEN", "s3cret")
    enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    return tmp_path / "state" / "crank" / "shop"


def file_names(folder: Path) -> list[str]:
    return sorted(path.name.rpartition("-")[0] for path in folder.glob("*/*"))


def test_run_rm_removes_written_files(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["run", "--rm", "--no-deps", "web"])

    assert code == 0, capsys.readouterr().err
    assert len(fake_podman.calls("run")) == 1
    assert not state_folder.exists()


def test_rejected_run_removes_written_files(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([], run_errors={"one-off": "Error: stat /dev/missing: no such file or directory"})

    code = run_cli(["run", "--detach", "--no-deps", "--name", "one-off", "web"])

    assert code == 1
    assert "/dev/missing" in capsys.readouterr().err
    assert not state_folder.exists()


def test_rejected_foreground_run_removes_files(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                              capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([], run_errors={"one-off": "Error: stat /dev/missing: no such file or directory"})

    code = run_cli(["run", "--no-deps", "--name", "one-off", "web"])

    # A one-off that was never created is crank's engine error, not the client's exit code 125.
    assert code == 1
    assert ("crank: error: service web: cannot start the one-off container: "
            "Error: stat /dev/missing: no such file or directory") in capsys.readouterr().err
    assert not state_folder.exists()


def test_missing_image_removes_written_files(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([], images=[])

    code = run_cli(["run", "--no-deps", "--pull", "never", "web"])

    assert code == MissingImageError.exit_code
    assert "image localhost/web of service web is missing" in capsys.readouterr().err
    assert fake_podman.calls("run") == []
    assert not state_folder.exists()


def test_run_keeps_files_dependency_mounts(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # The one-off writes the token's file first, and the dependency's container, which `run`
    # starts next, mounts the same file, so only the config's file goes.
    code = run_cli(["run", "--rm", "web"])

    assert code == 0, capsys.readouterr().err
    assert [args[args.index("--name") + 1] for args in fake_podman.calls("run")][0] == "shop-db-1"
    assert file_names(state_folder) == ["token"]


def test_kept_one_off_keeps_its_files(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["run", "--detach", "--no-deps", "web"])

    assert code == 0, capsys.readouterr().err
    assert file_names(state_folder) == ["settings", "token"]


def test_run_keeps_files_of_earlier_up(fake_podman: FakePodman, state_folder: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # A file that existed before `run` is not its own to delete, even when no container mounts it.
    fake_podman.set_state([container("shop", "db", 1)])
    assert run_cli(["run", "--detach", "--no-deps", "web"]) == 0
    fake_podman.set_state([container("shop", "db", 1)])

    code = run_cli(["run", "--rm", "--no-deps", "web"])

    assert code == 0, capsys.readouterr().err
    assert file_names(state_folder) == ["settings", "token"]
