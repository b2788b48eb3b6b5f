"""`crank config` options: --hash, --networks, --models, -o, the resolution switches and their errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from compose_reference import run_config, write_project

from crank_cli.compose.service_hash import reference_service_hash
from crank_cli.errors import ExitCode

PROJECT = {
    "compose.yaml": (
        "services:\n"
        "  web:\n"
        "    image: web\n"
        "    env_file: [web.env]\n"
        "    volumes: [./data:/data]\n"
        "    networks: [front, back]\n"
        "    models: [chat]\n"
        "  db:\n"
        "    image: db\n"
        "    networks: [back]\n"
        "networks:\n"
        "  front: {}\n"
        "  back: {}\n"
        "  spare: {}\n"
        "models:\n"
        "  chat: {model: ai/chat}\n"
        "  spare: {model: ai/spare}\n"
    ),
    "web.env": "TOKEN=hunter2\n",
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_hash_leaves_out_build_and_replicas() -> None:
    service = {"build": {"context": "/app"}, "command": None, "depends_on": {"db": {}}, "deploy": {"replicas": 2, "labels": {"a": "b"}},
               "image": "web", "profiles": ["p"], "pull_policy": "always", "scale": 2}

    expected = sha256('{"command":null,"deploy":{"labels":{"a":"b"}},"image":"web"}')
    assert reference_service_hash(service, {}) == expected


def test_hash_writes_required_env_file_as_path() -> None:
    service = {"env_file": [{"path": "/a.env", "required": True, "format": "raw"}, {"path": "/b.env", "required": False}],
               "image": "web"}

    expected = sha256('{"env_file":["/a.env",{"path":"/b.env","required":false}],"image":"web"}')
    assert reference_service_hash(service, {}) == expected


def test_hash_escapes_html_like_go() -> None:
    expected = sha256('{"image":"a\\u003cb\\u003e\\u0026c"}')
    assert reference_service_hash({"image": "a<b>&c"}, {}) == expected


def test_hash_applies_default_platform_to_builds() -> None:
    service = {"build": {"context": "/app"}, "image": "web", "networks": {"default": None}}

    expected = sha256('{"image":"web","networks":{"default":null},"platform":"linux/arm64"}')
    assert reference_service_hash(service, {"DOCKER_DEFAULT_PLATFORM": "linux/arm64"}) == expected
    assert reference_service_hash({"image": "web"}, {"DOCKER_DEFAULT_PLATFORM": "linux/arm64"}) == sha256('{"image":"web"}')


def test_hash_option_prints_sorted_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, _ = run_config(directory, ["config", "--hash", "*"], monkeypatch, capsys)

    assert code == 0
    assert [line.split(" ")[0] for line in out.splitlines()] == ["db", "web"]
    assert all(len(line.split(" ")[1]) == 64 for line in out.splitlines())


def test_hash_rejects_unknown_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, err = run_config(directory, ["config", "--hash", "web,nope"], monkeypatch, capsys)

    assert code == ExitCode.USAGE
    assert out == ""
    assert "no such service: nope" in err


def test_networks_lists_used_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, _ = run_config(directory, ["config", "--networks"], monkeypatch, capsys)

    assert code == 0
    assert out == "back\nfront\n"


def test_models_lists_used_model_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, _ = run_config(directory, ["config", "--models"], monkeypatch, capsys)

    assert code == 0
    assert out == "ai/chat\n"


def test_output_writes_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    target = tmp_path / "out.yaml"

    code, out, _ = run_config(directory, ["config", "-o", str(target)], monkeypatch, capsys)

    assert code == 0
    assert out == ""
    assert target.read_text().startswith("name: shop\n")


def test_output_unwritable_names_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)
    target = tmp_path / "missing" / "out.yaml"

    code, _, err = run_config(directory, ["config", "--output", str(target)], monkeypatch, capsys)

    assert code == ExitCode.USAGE
    assert str(target) in err
    assert "Traceback" not in err


def test_no_path_resolution_keeps_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, _ = run_config(directory, ["config", "--no-path-resolution"], monkeypatch, capsys)

    assert code == 0
    assert "source: ./data\n" in out
    assert str(directory) not in out


# A project in `shop` that reads files from subfolders and from a sibling folder through include and extends.
NESTED_PROJECT = {
    "shop/compose.yaml": (
        "include:\n"
        "  - app/included.yaml\n"
        "  - ../lib/sibling.yaml\n"
        "services:\n"
        "  web:\n"
        "    extends: {file: shared/base.yaml, service: base}\n"
        "    volumes: [./data:/data]\n"
    ),
    "shop/app/included.yaml": (
        "services:\n"
        "  api:\n"
        "    build: ../other\n"
        "    volumes: [./cache:/cache, ../app/logs:/logs]\n"
        "    secrets: [token]\n"
        "  worker:\n"
        "    extends: {file: sub/worker.yaml, service: worker}\n"
        "secrets:\n"
        "  token: {file: ./token.txt}\n"
    ),
    "shop/app/sub/worker.yaml": (
        "services:\n"
        "  worker:\n"
        "    build:\n"
        "      context: .\n"
        "      additional_contexts: {assets: ../../shared}\n"
    ),
    "shop/shared/base.yaml": "services:\n  base:\n    build: ../other\n    volumes: [./conf:/conf]\n",
    "lib/sibling.yaml": "services:\n  sibling:\n    build: ../shop/tools\n",
}


def test_no_path_resolution_includes_and_extends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path, NESTED_PROJECT) / "shop"

    code, out, err = run_config(directory, ["config", "--format", "json", "--no-path-resolution"], monkeypatch, capsys)

    # The expected paths are those that docker compose 2.40.3 prints for this project.
    assert code == 0, err
    services = json.loads(out)["services"]
    assert services["web"]["build"]["context"] == "other"
    assert [volume["source"] for volume in services["web"]["volumes"]] == ["shared/conf", "./data"]
    assert services["api"]["build"]["context"] == "other"
    assert [volume["source"] for volume in services["api"]["volumes"]] == ["app/cache", "app/logs"]
    assert services["worker"]["build"]["context"] == "app/sub"
    assert services["worker"]["build"]["additional_contexts"] == {"assets": "shared"}
    assert services["sibling"]["build"]["context"] == "../shop/tools"
    assert json.loads(out)["secrets"]["token"]["file"] == "app/token.txt"


def test_includes_and_extends_paths_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path, NESTED_PROJECT) / "shop"

    code, out, err = run_config(directory, ["config", "--format", "json"], monkeypatch, capsys)

    assert code == 0, err
    services = json.loads(out)["services"]
    assert services["web"]["build"]["context"] == str(directory / "other")
    assert [volume["source"] for volume in services["web"]["volumes"]] == [str(directory / "shared" / "conf"),
                                                                           str(directory / "data")]
    assert [volume["source"] for volume in services["api"]["volumes"]] == [str(directory / "app" / "cache"),
                                                                           str(directory / "app" / "logs")]
    assert services["worker"]["build"]["context"] == str(directory / "app" / "sub")
    assert services["worker"]["build"]["additional_contexts"] == {"assets": str(directory / "shared")}
    assert services["sibling"]["build"]["context"] == str(directory / "tools")
    assert json.loads(out)["secrets"]["token"]["file"] == str(directory / "app" / "token.txt")


def test_include_project_directory_bases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path, {
        "shop/compose.yaml": (
            "include:\n"
            "  - {path: ../lib/in_lib.yaml, project_directory: ../lib}\n"
            f"  - {{path: ../lib/absolute.yaml, project_directory: {tmp_path / 'lib'}}}\n"
            "  - {path: ../lib/missing.yaml, project_directory: ../nowhere}\n"
        ),
        "lib/in_lib.yaml": "services:\n  in_lib:\n    build: ./x\n",
        "lib/absolute.yaml": "services:\n  absolute:\n    build: ./x\n",
        "lib/missing.yaml": "services:\n  missing:\n    build: ./y\n",
    }) / "shop"

    relative_code, relative_out, relative_err = run_config(directory, ["config", "--format", "json", "--no-path-resolution"],
                                                           monkeypatch, capsys)
    absolute_code, absolute_out, absolute_err = run_config(directory, ["config", "--format", "json"], monkeypatch, capsys)

    # docker compose 2.40.3 bases the paths on the parent folder of a project_directory that does not exist.
    assert relative_code == 0, relative_err
    assert absolute_code == 0, absolute_err
    relative_services = json.loads(relative_out)["services"]
    absolute_services = json.loads(absolute_out)["services"]
    assert relative_services["in_lib"]["build"]["context"] == "../lib/x"
    assert relative_services["absolute"]["build"]["context"] == str(tmp_path / "lib" / "x")
    assert relative_services["missing"]["build"]["context"] == "../y"
    assert absolute_services["in_lib"]["build"]["context"] == str(tmp_path / "lib" / "x")
    assert absolute_services["absolute"]["build"]["context"] == str(tmp_path / "lib" / "x")
    assert absolute_services["missing"]["build"]["context"] == str(tmp_path / "y")


def test_no_env_resolution_keeps_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, _ = run_config(directory, ["config", "--no-env-resolution"], monkeypatch, capsys)

    assert code == 0
    assert f"- path: {directory / 'web.env'}\n" in out
    assert "TOKEN" not in out


def test_no_consistency_accepts_undefined_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", {"compose.yaml": "services:\n  web:\n    image: web\n    networks: [nope]\n"})

    checked, _, _ = run_config(directory, ["config"], monkeypatch, capsys)
    code, out, _ = run_config(directory, ["config", "--no-consistency"], monkeypatch, capsys)

    assert checked == ExitCode.INVALID_PROJECT
    assert code == 0
    assert "nope: null" in out


def test_environment_prints_names_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", {**PROJECT, ".env": "API_TOKEN=s3cret-value\n"})

    code, out, _ = run_config(directory, ["config", "--environment"], monkeypatch, capsys)

    assert code == 0
    assert "API_TOKEN\n" in out.splitlines(keepends=True)
    assert "s3cret-value" not in out


@pytest.mark.parametrize("flag", ["--resolve-image-digests", "--lock-image-digests"])
def test_image_digests_rejected(flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    directory = write_project(tmp_path / "shop", PROJECT)

    code, out, err = run_config(directory, ["config", flag], monkeypatch, capsys)

    assert code == ExitCode.USAGE
    assert out == ""
    assert f"{flag} is not supported" in err
