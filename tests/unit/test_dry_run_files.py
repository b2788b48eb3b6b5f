"""A dry run names the secret files a real run would write, and writes none (Podman's client faked on PATH)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.fakes import PODMAN_UP, enter_podman_project, run_verb

# A podman client with no containers and the image present, which logs nothing.
CLIENT = """#!/bin/sh
case "$1" in
  version) echo '{version}' ;;
  ps) echo '[]' ;;
  image) echo 'sha256:1111 {{}}' ;;
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


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter project demo with the fake client and return crank's state folder, which starts empty."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("TOKEN", "s3cret")
    enter_podman_project(tmp_path, monkeypatch, CLIENT.format(version=PODMAN_UP), COMPOSE)
    return tmp_path / "state"


@pytest.mark.parametrize("verb", [["up", "-d"], ["run", "--rm", "web", "true"], ["create"]])
def test_dry_run_writes_no_secret_file(state_home: Path, capfd: pytest.CaptureFixture[str], verb: list[str]) -> None:
    code, out, err = run_verb(capfd, "--dry-run", *verb)

    assert code == 0, err
    assert "/crank/demo/secrets/token-" in out
    assert "s3cret" not in out + err
    assert not state_home.exists()
