"""`crank config --variables`: the variables of the compose files, against the reference where it is installed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, run_config, write_project

from crank_cli.compose.variables import Variable, text_variables
from crank_cli.errors import ExitCode

PROJECT = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: 'busybox:${TAG:-latest}'\n"
        "    environment:\n"
        "      A: ${REQ:?set REQ}\n"
        "      B: ${ALT:+alt}\n"
        "      C: $PLAIN\n"
        "      D: ${DASH-dflt}\n"
        "      E: ${NESTED:-${INNER:-deep}}\n"
        "      F: $$ESCAPED\n"
        "    ports: ['${PORT:-8080}:80']\n"
    ),
}


@pytest.mark.parametrize(("text", "expected"), [
    ("plain text", []),
    ("$$NAME and $ alone", []),
    ("$NAME/${OTHER}", [Variable("NAME"), Variable("OTHER")]),
    ("${A:-x}${B-y}", [Variable("A", default="x"), Variable("B", default="y")]),
    ("${A:?message}${B?}", [Variable("A", required=True), Variable("B", required=True)]),
    ("${A:+x}${B+y}", [Variable("A", alternate="x"), Variable("B", alternate="y")]),
    ("${A:-${B:-c}}", [Variable("A", default="${B:-c}"), Variable("B", default="c")]),
    ("$GOOD ${BAD", [Variable("GOOD")]),
], ids=["none", "escaped", "plain", "defaults", "required", "alternates", "nested", "unclosed"])
def test_text_variables(text: str, expected: list[Variable]) -> None:
    assert list(text_variables(text)) == expected


def test_variables_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, output, _ = run_config(directory, ["config", "--variables"], monkeypatch, capsys)

    assert code == ExitCode.OK
    # A required variable that is not set is listed, not reported as an error.
    assert [line.split() for line in output.splitlines()] == [
        ["NAME", "REQUIRED", "DEFAULT", "VALUE", "ALTERNATE", "VALUE"],
        ["ALT", "false", "alt"],
        ["DASH", "false", "dflt"],
        ["INNER", "false", "deep"],
        ["NESTED", "false", "${INNER:-deep}"],
        ["PLAIN", "false"],
        ["PORT", "false", "8080"],
        ["REQ", "true"],
        ["TAG", "false", "latest"],
    ]


def test_variables_with_other_option_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, output, error = run_config(directory, ["config", "--variables", "--services"], monkeypatch, capsys)

    assert code == ExitCode.USAGE
    assert output == ""
    assert "--variables goes only with --format" in error


@needs_reference
def test_variables_json_matches_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    binary = reference_binary()
    assert binary is not None
    reference = subprocess.run([str(binary), "config", "--variables", "--format", "json"], cwd=directory,
                               env=clean_environment(), capture_output=True, text=True, check=True)

    code, output, _ = run_config(directory, ["config", "--variables", "--format", "json"], monkeypatch, capsys)

    assert code == ExitCode.OK
    assert json.loads(output) == json.loads(reference.stdout)
