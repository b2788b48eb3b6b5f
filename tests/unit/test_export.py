"""`crank export`: where the archive goes, what is rejected, and what a failed export leaves."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode
from tests.unit.fake_podman import FakePodman, container, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = "services:\n  web:\n    image: busybox\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def test_export_to_file_replaces_it_whole(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "web", 2)])
    (shop / "out.tar").write_text("old")

    code = run_cli(["export", "--index", "2", "-o", "out.tar", "web"])

    assert code == 0, capsys.readouterr().err
    assert (shop / "out.tar").read_bytes() == b"archive of shop-web-2"
    assert (shop / "out.tar").stat().st_mode & 0o777 == 0o600
    [call] = fake_podman.calls("export")
    assert call[:2] == ["export", "--output"]
    assert Path(call[2]).parent == shop
    assert call[3] == "shop-web-2"
    assert sorted(path.name for path in shop.iterdir()) == ["compose.yaml", "out.tar"]


def test_failed_export_keeps_old_file(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)], export_error="Error: no space left on device")
    (shop / "out.tar").write_text("old")

    code = run_cli(["export", "-o", "out.tar", "web"])

    assert code == ExitCode.ENGINE_FAILED
    assert "no space left on device" in capsys.readouterr().err
    assert (shop / "out.tar").read_text() == "old"
    assert sorted(path.name for path in shop.iterdir()) == ["compose.yaml", "out.tar"]


def test_export_to_standard_output(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                   capfd: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["export", "web"])

    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert captured.out == "archive of shop-web-1"
    assert fake_podman.calls("export") == [["export", "shop-web-1"]]


def test_export_rejects_terminal(fake_podman: FakePodman, shop: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
                                 capsys: pytest.CaptureFixture[str]) -> None:
    from crank_cli import render

    fake_podman.set_state([container("shop", "web", 1)])
    monkeypatch.setattr(render, "is_terminal", lambda stream: True)

    code = run_cli(["export", "web"])

    assert code == ExitCode.USAGE
    assert capsys.readouterr().err == ("crank: error: output option is required when exporting to a terminal: "
                                       "give -o FILE, or redirect standard output to a file or a pipe\n")
    assert fake_podman.calls("export") == []


@pytest.mark.parametrize(("output", "message"), [
    (".", "invalid -o/--output {shop}: it is a folder; give the path of a file in it"),
    ("missing/out.tar", "invalid -o/--output {shop}/missing/out.tar: folder {shop}/missing does not exist"),
])
def test_export_rejects_bad_output(output: str, message: str, fake_podman: FakePodman, shop: Path,  # noqa: F811
                                   capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["export", "-o", output, "web"])

    assert code == ExitCode.USAGE
    assert capsys.readouterr().err.startswith(f"crank: error: {message.format(shop=shop)}")
    assert fake_podman.calls("export") == []


def test_export_without_running_container(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1, state="exited")])

    code = run_cli(["export", "-o", "out.tar", "web"])

    assert code == ExitCode.ENGINE_FAILED
    assert capsys.readouterr().err == "crank: error: service web has no running container: start it with crank up\n"
    assert not (shop / "out.tar").exists()


def test_export_dry_run_writes_nothing(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["--dry-run", "export", "-o", "out.tar", "web"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.endswith(f"podman export --output {shop}/out.tar shop-web-1\n")
    assert fake_podman.calls("export") == []
    assert not (shop / "out.tar").exists()
