"""`crank config --no-interpolate` and `--no-normalize`, against the reference where it is installed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, run_config, write_project

from crank_cli.errors import ExitCode

PROJECT = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: 'busybox:${TAG:-latest}'\n"
        "    build: ./web\n"
        "    ports: ['${PORT:-8080}:80', '9090:90']\n"
        "    mem_limit: 512m\n"
        "    environment:\n"
        "      A: $$literal\n"
        "      B: ${B}\n"
        "      HOME:\n"
        "    volumes: ['./data:/data/', 'cache:/cache']\n"
        "    secrets: [token]\n"
        "    devices: ['/dev/fuse']\n"
        "    depends_on: [db]\n"
        "    env_file: web.env\n"
        "  db:\n"
        "    image: busybox\n"
        "    profiles: [x]\n"
        "    build:\n"
        "      context: db\n"
        "      args: {KEPT: '1', DROPPED: null}\n"
        "secrets:\n"
        "  token:\n"
        "    file: ./token.txt\n"
        "volumes:\n"
        "  cache: {}\n"
    ),
    "token.txt": "secret\n",
}


def test_no_interpolate_keeps_written_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, output, _ = run_config(directory, ["config", "--no-interpolate", "--format", "json"], monkeypatch, capsys)

    assert code == ExitCode.OK
    model = json.loads(output)
    web = model["services"]["web"]
    assert web["image"] == "busybox:${TAG:-latest}"
    # A port with a variable does not parse, so it stays as written; the other one parses.
    assert web["ports"] == ["${PORT:-8080}:80", "9090:90"]
    assert web["mem_limit"] == "512m"
    assert web["environment"] == {"A": "$$literal", "B": "${B}", "HOME": None}
    assert web["volumes"][0] == {"type": "bind", "source": str(directory / "data"), "target": "/data",
                                 "bind": {"create_host_path": True}}
    assert web["secrets"] == [{"source": "token", "target": "/run/secrets/token"}]
    assert web["devices"] == [{"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"}]
    assert web["depends_on"] == {"db": {"condition": "service_started", "required": True}}
    assert web["networks"] == {"default": None}
    # Services of every profile are printed, and a build argument without a value is dropped.
    assert model["services"]["db"]["build"]["args"] == {"KEPT": "1"}
    assert model["networks"] == {"default": {"name": "shop_default"}}
    assert model["secrets"]["token"] == {"file": str(directory / "token.txt"), "name": "shop_token"}
    assert list(model) == sorted(model)
    assert list(web) == sorted(web)


@needs_reference
@pytest.mark.parametrize("args", [["--format", "json"], ["--services"], ["-q"]], ids=["json", "services", "quiet"])
def test_no_interpolate_matches_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    import subprocess

    directory = write_project(tmp_path / "shop", PROJECT)
    binary = reference_binary()
    assert binary is not None
    reference = subprocess.run([str(binary), "config", "--no-interpolate", *args], cwd=directory,
                               env=clean_environment(), capture_output=True, text=True, check=True)

    code, output, _ = run_config(directory, ["config", "--no-interpolate", *args], monkeypatch, capsys)

    assert code == ExitCode.OK
    if "--services" in args:
        # The reference lists services in Go's random map order; crank sorts them.
        assert output.splitlines() == sorted(reference.stdout.splitlines())
    else:
        assert output == reference.stdout


def test_no_interpolate_yaml_keeps_dollars(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, output, _ = run_config(directory, ["config", "--no-interpolate"], monkeypatch, capsys)

    assert code == ExitCode.OK
    assert "A: $$literal\n" in output
    assert "B: ${B}\n" in output


@pytest.mark.parametrize("extra", [["--volumes"], ["--images"], ["--profiles"], ["--check"], ["web"]])
def test_no_interpolate_with_other_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, _, error = run_config(directory, ["config", "--no-interpolate", *extra], monkeypatch, capsys)

    assert code == ExitCode.USAGE
    assert "--no-interpolate goes only with --format, --services and -q" in error


EXTENDED = {
    "compose.yaml": (
        "include: [lib/included.yaml]\n"
        "services:\n"
        "  base:\n"
        "    image: 'busybox:${TAG}'\n"
        "    environment: {A: '1'}\n"
        "  web:\n"
        "    extends: base\n"
        "    environment: {B: '${B}'}\n"
    ),
    "lib/included.yaml": "services:\n  db:\n    image: '${DB_IMAGE}'\n    build: ./db\n",
}


def test_no_interpolate_reads_extends_and_include(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", EXTENDED)

    code, output, _ = run_config(directory, ["config", "--no-interpolate", "--format", "json"], monkeypatch, capsys)

    assert code == ExitCode.OK
    services = json.loads(output)["services"]
    # The reference merges environment mappings as KEY=value lists.
    assert services["web"]["environment"] == ["A=1", "B=${B}"]
    assert services["web"]["image"] == "busybox:${TAG}"
    assert "extends" not in services["web"]
    # An included file's relative paths are resolved against its own folder.
    assert services["db"]["image"] == "${DB_IMAGE}"
    assert services["db"]["build"]["context"] == str(directory / "lib" / "db")


@needs_reference
def test_no_interpolate_extends_and_include_match_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    directory = write_project(tmp_path / "shop", EXTENDED)
    binary = reference_binary()
    assert binary is not None
    reference = subprocess.run([str(binary), "config", "--no-interpolate", "--format", "json"], cwd=directory,
                               env=clean_environment(), capture_output=True, text=True, check=True)

    code, output, _ = run_config(directory, ["config", "--no-interpolate", "--format", "json"], monkeypatch, capsys)

    assert code == ExitCode.OK
    assert json.loads(output) == json.loads(reference.stdout)


UNNORMALIZED = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: busybox\n"
        "    build: .\n"
        "    ports: ['8080:80']\n"
        "    volumes: [data:/data]\n"
        "  db:\n"
        "    image: busybox\n"
        "    pull_policy: if_not_present\n"
        "    network_mode: service:web\n"
        "    build:\n"
        "      context: .\n"
        "      args: {HOME: null}\n"
        "volumes:\n"
        "  data: {}\n"
    ),
}


def test_no_normalize_leaves_out_additions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", UNNORMALIZED)

    code, output, _ = run_config(directory, ["config", "--no-normalize", "--format", "json"], monkeypatch, capsys)

    assert code == ExitCode.OK
    model = json.loads(output)
    assert "networks" not in model
    assert model["volumes"] == {"data": {}}
    assert "depends_on" not in model["services"]["db"]
    assert model["services"]["db"]["pull_policy"] == "if_not_present"
    assert model["services"]["db"]["build"] == {"context": str(directory), "args": {"HOME": None}}
    assert "networks" not in model["services"]["web"]


@needs_reference
@pytest.mark.parametrize("args", [["--no-normalize", "--format", "json"], ["--no-normalize", "--format=json", "db"],
                                  ["--no-normalize", "--no-interpolate", "--format", "json"]],
                         ids=["json", "selected service", "without interpolation"])
def test_no_normalize_matches_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    import subprocess

    directory = write_project(tmp_path / "shop", UNNORMALIZED)
    binary = reference_binary()
    assert binary is not None
    reference = subprocess.run([str(binary), "config", *args], cwd=directory, env=clean_environment(),
                               capture_output=True, text=True, check=True)

    code, output, _ = run_config(directory, ["config", *args], monkeypatch, capsys)

    assert code == ExitCode.OK
    assert output == reference.stdout
