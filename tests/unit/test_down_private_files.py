"""down deletes the files that hold secret and config values, with the engines' clients faked as scripts on PATH."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import DOCKER_UP, PODMAN_UP

# A client that reports a version and lists the project's containers only when {has_project}
# is filled in: `ps --quiet` prints IDs, podman's `ps --format json` a JSON list.
CLIENT = """#!/bin/sh
case "$1" in
  version) echo '{version}' ;;
  ps)
    case "$*" in
      *--quiet*) [ -n "{has_project}" ] && echo 4f2a ;;
      *) echo '[]' ;;
    esac ;;
esac
exit 0
"""

COMPOSE = """\
services:
  web:
    image: busybox
    secrets: [token]
secrets:
  token:
    environment: TOKEN
"""


def install_client(folder: Path, name: str, version: str, *, has_project: bool) -> None:
    script = folder / name
    script.write_text(CLIENT.format(version=version, has_project="yes" if has_project else ""))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, with crank's state folder under tmp_path holding a secret and a config file."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # A TCP address keeps crank off Docker's local socket, so it uses the fake client; nothing listens there.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    for kind in ("secrets", "configs"):
        folder = tmp_path / "state" / "crank" / "shop" / kind
        folder.mkdir(parents=True)
        (folder / "token-0123456789ab").write_text("s3cret")
        (folder / "token-0123456789ab").chmod(0o444)
    project = tmp_path / "shop"
    project.mkdir()
    (project / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(project)
    return tmp_path / "state" / "crank" / "shop"


def install_engines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, podman_has: bool, docker_has: bool) -> None:
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    install_client(bin_folder, "podman", PODMAN_UP, has_project=podman_has)
    install_client(bin_folder, "docker", DOCKER_UP, has_project=docker_has)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")


def test_down_removes_private_files(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_engines(tmp_path, monkeypatch, podman_has=False, docker_has=False)

    code = run_cli(["--runtime", "podman", "down"])

    assert code == 0
    assert not shop.exists()


def test_down_keeps_files_for_other_engine(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # After crank migrate, the target's containers mount the same files. The exit code is left
    # unchecked, because a down that finds the project only on another engine may report that.
    install_engines(tmp_path, monkeypatch, podman_has=False, docker_has=True)

    run_cli(["--runtime", "podman", "down"])

    assert (shop / "secrets" / "token-0123456789ab").read_text() == "s3cret"
    assert (shop / "configs" / "token-0123456789ab").read_text() == "s3cret"


def test_down_keeps_files_for_left_container(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A container that down leaves on its own engine, such as an orphan kept without --remove-orphans.
    install_engines(tmp_path, monkeypatch, podman_has=True, docker_has=False)

    code = run_cli(["--runtime", "podman", "down"])

    assert code == 0
    assert (shop / "secrets" / "token-0123456789ab").exists()


def test_dry_run_down_keeps_files(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_engines(tmp_path, monkeypatch, podman_has=False, docker_has=False)

    code = run_cli(["--runtime", "podman", "--dry-run", "down"])

    assert code == 0
    assert (shop / "secrets" / "token-0123456789ab").exists()


def test_down_keeps_other_projects_files(shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = shop.parent / "shop-two" / "secrets"
    other.mkdir(parents=True)
    (other / "token-ba9876543210").write_text("other")
    install_engines(tmp_path, monkeypatch, podman_has=False, docker_has=False)

    code = run_cli(["--runtime", "podman", "down"])

    assert code == 0
    assert (other / "token-ba9876543210").read_text() == "other"
