"""Engine resolution against live engines, with Docker's daemon made unreachable."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from tests.integration.conftest import Crank, Engine

UNREACHABLE_DOCKER = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


@pytest.fixture
def project(podman: Engine, tmp_path: Path) -> Crank:
    return Crank(tmp_path, "auto", "crank-resolution")


def test_auto_skips_docker_without_daemon(project: Crank) -> None:
    env = {**UNREACHABLE_DOCKER, "CRANK_CONTAINER_RUNTIME": "auto", "CRANK_RUNTIME_FALLBACK": "enabled"}

    result = project("doctor", "--format", "json", env=env)

    report = json.loads(result.stdout)
    docker = next(item for item in report["engines"] if item["name"] == "docker")
    assert docker["usable"] is False
    assert "Cannot connect to the Docker daemon" in docker["reason"]
    assert report["chosen"] == "podman"
    assert result.returncode == 0


def test_doctor_reports_invalid_runtime(project: Crank) -> None:
    (project.folder / ".env").write_text("CRANK_CONTAINER_RUNTIME=dokcer\n")

    result = project("doctor", "--format", "json", env={"CRANK_CONTAINER_RUNTIME": ""})

    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    assert report["invalid"] == ["invalid value 'dokcer' from CRANK_CONTAINER_RUNTIME in .env: "
                                 "expected one of auto, containerd, docker, podman"]
    podman = next(item for item in report["engines"] if item["name"] == "podman")
    assert podman["usable"] is True
    assert report["chosen"] is None


def test_fallback_disabled_stops_with_code_4(project: Crank) -> None:
    (project.folder / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    env = {**UNREACHABLE_DOCKER, "CRANK_CONTAINER_RUNTIME": "docker", "CRANK_RUNTIME_FALLBACK": "disabled"}

    result = project("up", "-d", env=env)

    assert result.returncode == 4
    assert "docker (CRANK_CONTAINER_RUNTIME in the environment) is not usable: Cannot connect to the Docker daemon" in result.stderr
    assert "Fallback to other engines is disabled by CRANK_RUNTIME_FALLBACK in the environment" in result.stderr


def test_fallback_disabled_containerd_not_usable(project: Crank) -> None:
    env = {"CRANK_RUNTIME_FALLBACK": "disabled"}

    result = project("--runtime", "containerd", "ps", env=env)

    assert result.returncode == 4
    assert "containerd (the --runtime flag) is not usable: nerdctl not found on PATH" in result.stderr
    assert "Fallback to other engines is disabled by CRANK_RUNTIME_FALLBACK in the environment" in result.stderr
    assert "no usable container engine" not in result.stderr


def test_fallback_enabled_warns_and_uses_podman(project: Crank) -> None:
    env = {**UNREACHABLE_DOCKER, "CRANK_CONTAINER_RUNTIME": "docker", "CRANK_RUNTIME_FALLBACK": "enabled"}

    result = project("status", "--format", "json", env=env)

    assert result.returncode == 0, result.stderr
    assert "crank: warning: docker (CRANK_CONTAINER_RUNTIME in the environment) is not usable" in result.stderr
    assert "crank uses podman" in result.stderr


def test_auto_follows_project_to_its_engine(podman: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "crank-follow"
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        "services:\n  box:\n    image: localhost/crank-test-busybox:latest\n"
        "    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]\n"
    )
    on_podman = Crank(folder, "podman", "crank-follow")
    on_auto = Crank(folder, "auto", "crank-follow")
    try:
        assert on_podman("up", "-d").returncode == 0

        again = on_auto("up", "-d", env={"CRANK_RUNTIME_FALLBACK": "enabled"})

        assert again.returncode == 0, again.stderr
        assert "project crank-follow is up to date on podman" in again.stderr
        assert on_auto("down", env={"CRANK_RUNTIME_FALLBACK": "enabled"}).returncode == 0
        assert podman.objects("crank-follow")["containers"] == []
    finally:
        podman.remove_project("crank-follow")
