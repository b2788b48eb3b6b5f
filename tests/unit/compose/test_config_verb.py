"""`crank config`: the printed model and lists, byte for byte against the reference."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, write_project

from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode

PROJECT = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: 'shop<web>&co'\n"
        "    command: echo $$HOME ${GREETING:-hi}\n"
        "    depends_on: [db]\n"
        "    volumes: [data:/data]\n"
        "  db:\n"
        "    build: ./db\n"
        "    profiles: [backend, all]\n"
        "  tools:\n"
        "    image: tools\n"
        "    profiles: [ops]\n"
        "volumes:\n"
        "  data: {}\n"
    )
}


def run_crank_config(directory: Path, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(directory)
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in clean_environment().items():
        monkeypatch.setenv(key, value)
    code = run_cli(args)
    return code, capsys.readouterr().out


def run_reference_config(directory: Path, args: list[str]) -> str:
    binary = reference_binary()
    assert binary is not None
    result = subprocess.run([str(binary), *args], cwd=directory, env=clean_environment(), capture_output=True, text=True, check=True)
    return result.stdout


@needs_reference
@pytest.mark.parametrize(
    "args",
    [
        ["--profile", "backend", "config", "--format", "json"],
        ["--profile", "backend", "config", "--services"],
        ["--profile", "backend", "config", "--volumes"],
        ["--profile", "backend", "config", "--profiles"],
        ["--profile", "backend", "config", "--images"],
        ["-p", "other", "--profile", "backend", "config", "db", "--format", "json"],
    ],
    ids=["json", "services", "volumes", "profiles", "images", "selected service"],
)
def test_config_output_matches_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    expected = run_reference_config(directory, args)
    code, output = run_crank_config(directory, args, monkeypatch, capsys)
    assert code == ExitCode.OK
    if "--images" in args or "--volumes" in args:
        # The reference lists these in Go's random map order; crank sorts them.
        assert output.splitlines() == sorted(expected.splitlines())
    else:
        assert output == expected


def test_config_yaml_holds_same_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    directory = write_project(tmp_path / "shop", PROJECT)
    _, as_json = run_crank_config(directory, ["--profile", "backend", "config", "--format", "json"], monkeypatch, capsys)
    _, as_yaml = run_crank_config(directory, ["--profile", "backend", "config"], monkeypatch, capsys)
    assert yaml.safe_load(as_yaml) == json.loads(as_json)


def test_config_quiet_prints_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    code, output = run_crank_config(directory, ["--profile", "backend", "config", "-q"], monkeypatch, capsys)
    assert code == ExitCode.OK
    assert output == ""


def test_config_invalid_project_exit_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", {"compose.yaml": "services:\n  web:\n    ports: ['x:y']\n"})
    monkeypatch.chdir(directory)
    code = run_cli(["config"])
    captured = capsys.readouterr()
    assert code == ExitCode.INVALID_PROJECT
    assert captured.out == ""
    assert 'compose.yaml: services.web.ports[0]: invalid port "x:y"' in captured.err


def test_config_rejects_unknown_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    code, _ = run_crank_config(directory, ["config", "--format", "xml"], monkeypatch, capsys)
    assert code == ExitCode.USAGE


def run_from_stdin(binary: list[str], directory: Path, text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*binary, "-f", "-", "config", "--format", "json"], cwd=directory, env=clean_environment(),
                          input=text, capture_output=True, text=True, check=False)


@needs_reference
def test_config_from_stdin_matches_reference(tmp_path: Path) -> None:
    directory = write_project(tmp_path / "piped", {"data/.keep": ""})
    text = "services:\n  web:\n    image: busybox\n    volumes: [./data:/data]\n    env_file: [{path: x.env, required: false}]\n"
    expected = run_from_stdin([str(reference_binary())], directory, text)
    result = run_from_stdin([sys.executable, "-m", "crank_cli"], directory, text)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(expected.stdout)


def test_config_from_stdin_reports_bad_yaml(tmp_path: Path) -> None:
    result = run_from_stdin([sys.executable, "-m", "crank_cli"], tmp_path, "services: [\n")
    assert result.returncode == ExitCode.INVALID_PROJECT
    # With --format json the error is a JSON object on stdout.
    assert json.loads(result.stdout)["message"].startswith("-: line 2, column 1: invalid YAML")
    assert "Traceback" not in result.stderr


def test_stdin_file_is_labelled_as_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crank_cli.compose import LoadOptions, load_project
    from crank_cli.operations import labels, specs

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"services:\n  web:\n    image: busybox\n")))
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, files=(Path("-"),)))

    assert specs.container_spec(project, "web").labels[labels.CONFIG_FILES] == "-"
    assert project.working_dir == tmp_path
