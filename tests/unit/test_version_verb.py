"""`crank version` and `crank --version` print the same version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli import __version__
from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode


def output(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run_cli(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_version_matches_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    verb = output(capsys, "version")
    option = output(capsys, "--version")

    assert verb == (0, f"crank {__version__}\n", "")
    assert option == verb


def test_version_short_prints_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert output(capsys, "version", "--short") == (0, f"{__version__}\n", "")
    # As in docker compose, --short takes precedence over --format.
    assert output(capsys, "version", "--short", "--format", "json") == (0, f"{__version__}\n", "")


def test_version_json_has_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = output(capsys, "version", "-f", "json")

    assert (code, err) == (0, "")
    assert json.loads(out) == {"schema": 1, "version": __version__}


def test_version_needs_no_compose_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMPOSE_FILE", "missing.yaml")

    assert output(capsys, "version", "--format", "pretty")[:2] == (0, f"crank {__version__}\n")


def test_version_rejects_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = output(capsys, "version", "--format", "yaml")

    assert code == ExitCode.USAGE
    assert out == ""
    assert err == ("crank: error: invalid value for '--format' / '-f': 'yaml' is not one of 'pretty', 'json'; "
                   "see 'crank version --help'\n")
