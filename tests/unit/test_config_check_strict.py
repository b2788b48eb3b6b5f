"""`crank config --check --strict` exits with code 3 when the report lists a key, as `up --strict` stops.

The engines' clients are fake scripts on PATH, and the project's build uses `cache_from`,
which crank's build does not pass on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.fakes import enter_project, install_engine_clients, run_verb

COMPOSE = "services:\n  web:\n    image: localhost/shop-web:latest\n    build:\n      context: .\n      cache_from: [cache]\n"


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_engine_clients(tmp_path, monkeypatch, project_on=None)
    enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def test_check_without_strict_exits_0(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "config", "--check")

    assert code == 0, err
    assert "services.web.build.cache_from" in out


def test_check_strict_exits_3(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "config", "--check", "--strict")

    assert code == 3
    assert "services.web.build.cache_from" in out
    assert "crank: error: --strict: docker cannot honour 1 key as listed above" in err


def test_check_strict_json_is_one_document(capfd: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_verb(capfd, "config", "--check", "--strict", "--format", "json")

    assert code == 3
    assert [finding["key"] for finding in json.loads(out)["findings"]] == ["services.web.build.cache_from"]


def test_strict_without_check_is_usage_error(capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "config", "--strict")

    assert code == 2
    assert "--strict goes with --check" in err
