"""`crank doctor` lists the engines and reports an invalid setting, instead of stopping at it.

The engines' clients are fake scripts on PATH, both responding.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.fakes import enter_project, install_engine_clients, run_verb

MESSAGE = ("invalid value 'dokcer' from CRANK_CONTAINER_RUNTIME in .env: "
           "expected one of auto, containerd, docker, podman")


@pytest.fixture
def misspelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Enter a project whose .env misspells the runtime; return the project folder."""
    install_engine_clients(tmp_path, monkeypatch, project_on=None)
    folder = enter_project(tmp_path, monkeypatch, "shop", "services:\n  box:\n    image: busybox:latest\n")
    (folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=dokcer\n")
    return folder


def test_doctor_lists_engines(misspelled: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "doctor")

    assert code == 2
    rows = [line.split()[:2] for line in out.splitlines()[1:]]
    assert rows == [["docker", "yes"], ["podman", "yes"], ["containerd", "no"]]
    assert "runtime: dokcer (from CRANK_CONTAINER_RUNTIME in .env)" in err
    assert f"crank: error: {MESSAGE}" in err
    assert "(chosen)" not in out


def test_doctor_json_reports_invalid(misspelled: Path, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_verb(capfd, "doctor", "--format", "json")

    assert code == 2
    report = json.loads(out)
    assert report["invalid"] == [MESSAGE]
    assert report["chosen"] is None
    assert [engine["name"] for engine in report["engines"]] == ["docker", "podman", "containerd"]
    assert report["runtime"] == {"value": "dokcer", "source": "CRANK_CONTAINER_RUNTIME in .env"}


def test_doctor_reports_invalid_fallback(misspelled: Path, monkeypatch: pytest.MonkeyPatch,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRANK_RUNTIME_FALLBACK", "off")

    code, out, err = run_verb(capfd, "doctor")

    assert code == 2
    assert out.splitlines()[1].split()[:2] == ["docker", "yes"]
    assert f"crank: error: {MESSAGE}" in err
    assert ("crank: error: invalid value 'off' from CRANK_RUNTIME_FALLBACK in the environment: "
            "expected one of disabled, enabled") in err


def test_doctor_chooses_engine_of_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    install_engine_clients(tmp_path, monkeypatch, project_on="podman")
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  box:\n    image: busybox:latest\n")

    code, out, err = run_verb(capfd, "doctor", "--format", "json")

    assert code == 0, err
    assert json.loads(out)["chosen"] == "podman"
