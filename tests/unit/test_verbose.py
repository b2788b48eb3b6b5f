"""The messages that -v adds on stderr, read at the process boundary without an engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli import verbose
from crank_cli.cli import run_cli


@pytest.fixture(autouse=True)
def quiet_after() -> Iterator[None]:
    yield
    verbose.set_level(0)


def test_verbose_config_names_loaded_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: busybox\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)

    assert run_cli(["-v", "-p", "demo", "config", "--quiet"]) == 0

    assert capsys.readouterr().err == f"crank: project demo in {tmp_path}, loaded from {tmp_path / 'compose.yaml'}\n"


def test_config_without_verbose_is_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: busybox\n")
    monkeypatch.chdir(tmp_path)

    assert run_cli(["-p", "demo", "config", "--quiet"]) == 0

    assert capsys.readouterr().err == ""
