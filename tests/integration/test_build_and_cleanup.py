"""Live on each engine: build options for services, start without containers, and down's removal of secret files."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE_COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done"


@pytest.fixture
def build_project(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder named buildfix-*, whose containers and images are removed afterwards."""
    name = f"buildfix-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)
    for service in ("web", "tool"):
        engine.client("rmi", "-f", f"{name}-{service}", check=False)


def test_build_arg_overrides_compose_args(engine: Engine, build_project: Crank) -> None:
    (build_project.folder / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nARG K=default\nRUN echo $K > /k\n")
    (build_project.folder / "compose.yaml").write_text("services:\n  web:\n    build:\n      context: .\n"
                                                       "      args:\n        K: fromfile\n")

    result = build_project("build", "--build-arg", "K=cli", "web")

    assert result.returncode == 0, result.stderr
    output = engine.client("run", "--rm", f"{build_project.project}-web", "cat", "/k").stdout
    assert output.strip() == "cli"


INLINE_BUILD = f"""
services:
  web:
    build:
      context: .
      dockerfile_inline: |
        FROM {TEST_IMAGE}
        RUN grep buildhost /etc/hosts > /seen; ulimit -n >> /seen; df -k /dev/shm | tail -n 1 >> /seen
      extra_hosts: ["buildhost=10.9.8.7"]
      ulimits:
        nofile: {{soft: 1234, hard: 2048}}
      shm_size: 96m
      network: host
"""


def test_build_passes_inline_dockerfile_and_run_settings(engine: Engine, build_project: Crank) -> None:
    (build_project.folder / "compose.yaml").write_text(INLINE_BUILD)

    result = build_project("build", "web")

    assert result.returncode == 0, result.stderr
    assert "build." not in result.stderr, result.stderr
    seen = engine.client("run", "--rm", f"{build_project.project}-web", "cat", "/seen").stdout.splitlines()
    assert seen[0].split() == ["10.9.8.7", "buildhost"]
    assert seen[1] == "1234"
    # df -k prints the size of /dev/shm in KiB as the second field: 96 MiB.
    assert seen[2].split()[1] == str(96 * 1024)


def test_build_enables_named_profile_service(engine: Engine, build_project: Crank) -> None:
    (build_project.folder / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo tool > /marker\n")
    (build_project.folder / "compose.yaml").write_text("services:\n  tool:\n    build: .\n    profiles: [tools]\n")

    result = build_project("build", "tool")

    assert result.returncode == 0, result.stderr
    output = engine.client("run", "--rm", f"{build_project.project}-tool", "cat", "/marker").stdout
    assert output.strip() == "tool"


def test_start_without_containers_fails(engine: Engine, build_project: Crank) -> None:
    (build_project.folder / "compose.yaml").write_text(
        f"services:\n  app:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE_COMMAND}\"]\n")

    missing = build_project("start")
    created = build_project("up", "--no-start")
    started = build_project("start")

    assert missing.returncode == 1, missing.stderr
    assert 'service "app" has no container to start' in missing.stderr
    assert created.returncode == 0, created.stderr
    assert started.returncode == 0, started.stderr
    state = engine.client("inspect", "--format", "{{.State.Running}}", f"{build_project.project}-app-1").stdout
    assert state.strip() == "true"


def test_down_removes_secret_files(engine: Engine, build_project: Crank, tmp_path: Path) -> None:
    (build_project.folder / "compose.yaml").write_text(f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    secrets: [token]
    configs: [settings]
secrets:
  token:
    environment: TOKEN
configs:
  settings:
    content: debug=1
""")
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "TOKEN": "s3cret"}
    folder = tmp_path / "state" / "crank" / build_project.project

    up = build_project("up", "-d", env=env)
    written = sorted(path.parent.name for path in folder.glob("*/*"))
    read = engine.client("exec", f"{build_project.project}-app-1", "cat", "/run/secrets/token").stdout
    down = build_project("down", env=env)

    assert up.returncode == 0, up.stderr
    assert written == ["configs", "secrets"]
    assert read == "s3cret"
    assert down.returncode == 0, down.stderr
    assert not folder.exists()
