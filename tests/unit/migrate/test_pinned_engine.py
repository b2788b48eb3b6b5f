"""The warning after a migration when the runtime setting still names the old engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crank_cli.cli.migrate import _warn_pinned_engine, _warn_pinned_split
from crank_cli.compose import Project


class RootContext:
    """A command context without global options, so settings come from the environment and the working folder."""

    obj: Any = None

    def find_root(self) -> RootContext:
        return self


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CRANK_CONTAINER_RUNTIME", raising=False)
    (tmp_path / "compose.yaml").write_text("name: demo\nservices:\n  web:\n    image: busybox\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def warn(folder: Path, now_on: str) -> None:
    project = Project("demo", folder, (folder / "compose.yaml",), {"name": "demo", "services": {}})
    _warn_pinned_engine(RootContext(), project, now_on)  # type: ignore[arg-type]


def test_env_file_pin_warns(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=podman\n")

    warn(folder, "docker")

    assert capsys.readouterr().err == (
        f"crank: warning: CRANK_CONTAINER_RUNTIME in {folder / '.env'} names podman, but project demo now runs on "
        "docker: set CRANK_CONTAINER_RUNTIME=docker (or auto) there, or the other verbs will look for it on podman\n")


def test_environment_pin_warns(folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "docker")

    warn(folder, "podman")

    assert capsys.readouterr().err.startswith("crank: warning: CRANK_CONTAINER_RUNTIME in the environment names docker, ")


@pytest.mark.parametrize("pinned", ["auto", "docker"])
def test_matching_setting_is_quiet(folder: Path, capsys: pytest.CaptureFixture[str], pinned: str) -> None:
    (folder / ".env").write_text(f"CRANK_CONTAINER_RUNTIME={pinned}\n")

    warn(folder, "docker")

    assert capsys.readouterr().err == ""


def test_split_pin_suggests_auto(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=podman\n")
    project = Project("demo", folder, (folder / "compose.yaml",), {"name": "demo", "services": {}})

    _warn_pinned_split(RootContext(), project, ("web", "worker"), "docker")  # type: ignore[arg-type]

    assert capsys.readouterr().err == (
        f"crank: warning: CRANK_CONTAINER_RUNTIME in {folder / '.env'} names podman, but services web, worker of "
        "project demo now run on docker: set CRANK_CONTAINER_RUNTIME=auto there, or the other verbs will act on "
        "podman only\n")


def test_split_under_auto_is_quiet(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=auto\n")
    project = Project("demo", folder, (folder / "compose.yaml",), {"name": "demo", "services": {}})

    _warn_pinned_split(RootContext(), project, ("web",), "docker")  # type: ignore[arg-type]

    assert capsys.readouterr().err == ""


def test_flag_pin_asks_for_flag(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crank_cli.cli.context import GlobalOptions

    context = RootContext()
    context.obj = GlobalOptions(environ={}, working_dir=folder, runtime="podman")
    project = Project("demo", folder, (folder / "compose.yaml",), {"name": "demo", "services": {}})

    _warn_pinned_engine(context, project, "docker")  # type: ignore[arg-type]
    _warn_pinned_split(context, project, ("web",), "docker")  # type: ignore[arg-type]

    single, split = capsys.readouterr().err.splitlines()
    assert single == ("crank: warning: the --runtime flag names podman, but project demo now runs on docker: "
                      "pass --runtime docker (or auto) to the next commands, or they will look for it on podman")
    assert "pass --runtime auto to the next commands" in split
    assert " there" not in split
