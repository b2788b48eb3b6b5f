"""`crank config`: the printed model and lists, byte for byte against the reference."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, run_config, use_clean_environment, write_project

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
    code, output, _ = run_config(directory, args, monkeypatch, capsys)
    assert code == ExitCode.OK
    if "--images" in args or "--volumes" in args:
        # The reference lists these in Go's random map order; crank sorts them.
        assert output.splitlines() == sorted(expected.splitlines())
    else:
        assert output == expected


# Services whose names sort in another order than their images, two of them with the same image.
SHARED_IMAGES = {
    "compose.yaml": (
        "services:\n"
        "  alpha:\n"
        "    image: zeta\n"
        "  beta:\n"
        "    build: .\n"
        "  gamma:\n"
        "    image: zeta\n"
        "  delta:\n"
        "    image: alpine\n"
    )
}


def test_config_images_sorted_with_repeats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", SHARED_IMAGES)

    code, output, _ = run_config(directory, ["config", "--images"], monkeypatch, capsys)

    assert code == ExitCode.OK
    assert output == "alpine\nshop-beta\nzeta\nzeta\n"


@needs_reference
def test_config_images_match_reference_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", SHARED_IMAGES)
    expected = run_reference_config(directory, ["config", "--images"])

    _, output, _ = run_config(directory, ["config", "--images"], monkeypatch, capsys)

    # The reference prints one line per service, in Go's random map order.
    assert output.splitlines() == sorted(expected.splitlines())


# Values that the reference's JSON prints and its YAML leaves out: an unset `command` and
# `entrypoint`, an empty `ipam`, `deploy.resources` and `develop.watch[].exec`, and the Go
# field names of blkio device entries.
JSON_ONLY_VALUES = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: busybox\n"
        "    entrypoint: ~\n"
        "    command: null\n"
        "    networks: [back]\n"
        "    deploy:\n"
        "      resources: {}\n"
        "    develop:\n"
        "      watch:\n"
        "        - {path: ./src, action: rebuild}\n"
        "    blkio_config:\n"
        "      weight_device: [{path: /dev/sda, weight: 10}]\n"
        "networks:\n"
        "  back: {}\n"
    )
}


def yaml_content_in_order(text: str) -> str:
    """Return the content of a YAML document as JSON text, which keeps the key order but not the quoting."""
    import yaml

    return json.dumps(yaml.safe_load(text), indent=1)


@needs_reference
@pytest.mark.parametrize(("project", "args"), [(PROJECT, ["--profile", "backend", "config"]), (JSON_ONLY_VALUES, ["config"])],
                         ids=["shop", "json-only values"])
def test_config_yaml_matches_reference_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    project: dict[str, str], args: list[str],
) -> None:
    directory = write_project(tmp_path / "shop", project)
    expected = run_reference_config(directory, args)
    code, output, _ = run_config(directory, args, monkeypatch, capsys)
    assert code == ExitCode.OK
    assert yaml_content_in_order(output) == yaml_content_in_order(expected)


@needs_reference
def test_config_json_keeps_json_only_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", JSON_ONLY_VALUES)
    expected = run_reference_config(directory, ["config", "--format", "json"])
    code, output, _ = run_config(directory, ["config", "--format", "json"], monkeypatch, capsys)
    assert code == ExitCode.OK
    assert output == expected


def test_config_yaml_drops_json_only_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    directory = write_project(tmp_path / "shop", JSON_ONLY_VALUES)
    _, as_json, _ = run_config(directory, ["config", "--format", "json"], monkeypatch, capsys)
    _, as_yaml, _ = run_config(directory, ["config"], monkeypatch, capsys)
    from_json = json.loads(as_json)
    from_yaml = yaml.safe_load(as_yaml)

    assert from_json["services"]["web"]["entrypoint"] is None
    assert from_json["services"]["web"]["command"] is None
    assert from_json["networks"]["back"]["ipam"] == {}
    assert "entrypoint" not in from_yaml["services"]["web"]
    assert "command" not in from_yaml["services"]["web"]
    assert "ipam" not in from_yaml["networks"]["back"]
    assert from_yaml["services"]["web"]["deploy"] == {}
    assert from_yaml["services"]["web"]["develop"]["watch"][0] == {"path": str(directory / "src"), "action": "rebuild"}
    assert from_yaml["services"]["web"]["blkio_config"] == {"weight_device": [{"path": "/dev/sda", "weight": 10}]}


def enter_project(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write a one-file project, change into its folder, and keep only the reference's clean environment."""
    monkeypatch.chdir(write_project(tmp_path / "shop", {"compose.yaml": text}))
    use_clean_environment(monkeypatch)


def test_config_warns_about_unset_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "services:\n  web:\n    image: busybox:${TAG}\n    command: sh -c 'echo $$i $i ${TAG}'\n"
    enter_project(tmp_path, text, monkeypatch)

    code = run_cli(["config"])
    captured = capsys.readouterr()

    assert code == ExitCode.OK
    assert 'image: "busybox:"' in captured.out
    assert captured.err == (
        'crank: warning: the "TAG" variable is not set, so it was replaced by a blank string; set it, or write $$ for a literal $\n'
        'crank: warning: the "i" variable is not set, so it was replaced by a blank string; set it, or write $$ for a literal $\n'
    )


def test_warnings_come_before_load_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "services:\n  web:\n    image: busybox\n    ports: ['${PORT}:80x']\n"
    enter_project(tmp_path, text, monkeypatch)

    code = run_cli(["config"])
    lines = capsys.readouterr().err.splitlines()

    assert code == ExitCode.INVALID_PROJECT
    assert lines[0].startswith('crank: warning: the "PORT" variable is not set')
    assert lines[1].startswith("crank: error: compose.yaml: services.web.ports[0]: invalid port")
    assert len(lines) == 2


def test_config_quiet_prints_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    code, output, _ = run_config(directory, ["--profile", "backend", "config", "-q"], monkeypatch, capsys)
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
    code, _, _ = run_config(directory, ["config", "--format", "xml"], monkeypatch, capsys)
    assert code == ExitCode.USAGE


TWO_SERVICES = "services:\n  web:\n    image: busybox\n  tools:\n    image: tools\n    profiles: [ops]\n"


def test_config_rejects_unknown_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    enter_project(tmp_path, TWO_SERVICES, monkeypatch)

    code = run_cli(["config", "web", "nosuch"])
    captured = capsys.readouterr()

    assert code == ExitCode.USAGE
    assert captured.out == ""
    assert captured.err == "crank: error: no such service: nosuch (the project has web)\n"


def test_config_unknown_service_json_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    enter_project(tmp_path, TWO_SERVICES, monkeypatch)

    code = run_cli(["config", "--format", "json", "nosuch"])
    error = json.loads(capsys.readouterr().out)

    assert code == ExitCode.USAGE
    assert error["error"] == "usage"
    assert error["message"] == "no such service: nosuch (the project has web)"


def test_config_accepts_profile_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    enter_project(tmp_path, TWO_SERVICES, monkeypatch)

    code = run_cli(["config", "--services", "tools"])

    assert code == ExitCode.OK
    assert capsys.readouterr().out == "tools\n"


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
