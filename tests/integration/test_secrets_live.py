"""Live on each engine: where secret and config values come from, where they are mounted, and when their files go."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE_COMMAND = "trap 'exit 0' TERM; while true; do sleep 1; done"


@pytest.fixture
def secret_project(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder named crsec-* (CRANK_TEST_PREFIX replaces `crsec`), removed afterwards."""
    name = f"{os.environ.get('CRANK_TEST_PREFIX') or 'crsec'}-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


def test_environment_secret_reads_dotenv(engine: Engine, secret_project: Crank, tmp_path: Path) -> None:
    (secret_project.folder / ".env").write_text("CRSEC_API_KEY=from-dotenv\n")
    (secret_project.folder / "compose.yaml").write_text(f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    secrets: [api_key]
    configs: [{{source: settings, target: /conf.txt}}]
secrets:
  api_key: {{environment: CRSEC_API_KEY}}
configs:
  settings: {{environment: CRSEC_API_KEY}}
""")
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    container = f"{secret_project.project}-app-1"

    up = secret_project("up", "-d", env=env)
    secret = engine.client("exec", container, "cat", "/run/secrets/api_key", check=False)
    config = engine.client("exec", container, "cat", "/conf.txt", check=False)
    down = secret_project("down", env=env)

    assert up.returncode == 0, up.stderr
    assert "from-dotenv" not in up.stdout + up.stderr
    assert secret.stdout == "from-dotenv"
    assert config.stdout == "from-dotenv"
    assert down.returncode == 0, down.stderr


def test_relative_targets_mounted_like_compose(engine: Engine, secret_project: Crank, tmp_path: Path) -> None:
    (secret_project.folder / "s.txt").write_text("file-secret")
    (secret_project.folder / "compose.yaml").write_text(f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    secrets: [{{source: from_file, target: renamed}}, {{source: from_env, target: env/key}}]
    configs: [{{source: settings, target: settings.txt}}]
secrets:
  from_file: {{file: ./s.txt}}
  from_env: {{environment: CRSEC_TOKEN}}
configs:
  settings: {{content: debug=1}}
""")
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "CRSEC_TOKEN": "env-secret"}
    container = f"{secret_project.project}-app-1"

    up = secret_project("up", "-d", env=env)
    from_file = engine.client("exec", container, "cat", "/run/secrets/renamed", check=False)
    from_env = engine.client("exec", container, "cat", "/run/secrets/env/key", check=False)
    config = engine.client("exec", container, "cat", "/settings.txt", check=False)

    assert up.returncode == 0, up.stderr
    assert from_file.stdout == "file-secret"
    assert from_env.stdout == "env-secret"
    assert config.stdout == "debug=1"


def test_failed_up_removes_written_files(engine: Engine, secret_project: Crank, tmp_path: Path) -> None:
    # Both engines reject a device that does not exist, after crank wrote the secret's file.
    (secret_project.folder / "compose.yaml").write_text(f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    devices: ["/dev/crsec-missing:/dev/missing"]
    secrets: [token]
secrets:
  token: {{environment: CRSEC_TOKEN}}
""")
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "CRSEC_TOKEN": "s3cret"}

    up = secret_project("up", "-d", env=env)

    assert up.returncode == 1, up.stderr
    assert "/dev/crsec-missing" in up.stderr
    assert engine.objects(secret_project.project)["containers"] == []
    assert not (tmp_path / "state" / "crank" / secret_project.project).exists()


def test_run_removes_files_no_container_mounts(engine: Engine, project: Crank, tmp_path: Path) -> None:
    # Both engines reject a device that does not exist, and run no command that is not in the image.
    (project.folder / "compose.yaml").write_text(f"""
services:
  keep:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE_COMMAND}"]
    secrets: [token]
  tool:
    image: {TEST_IMAGE}
    command: ["cat", "/run/secrets/token", "/settings.txt"]
    secrets: [token]
    configs: [{{source: settings, target: /settings.txt}}]
  bad:
    image: {TEST_IMAGE}
    devices: ["/dev/crsec-missing:/dev/missing"]
    secrets: [token]
secrets:
  token: {{environment: CRSEC_TOKEN}}
configs:
  settings: {{content: debug=1}}
""")
    env = {"XDG_STATE_HOME": str(tmp_path / "state"), "CRSEC_TOKEN": "s3cret"}
    files = tmp_path / "state" / "crank" / project.project

    def file_kinds() -> list[str]:
        return sorted(path.name.rpartition("-")[0] for path in files.glob("*/*"))

    removed = project("run", "--rm", "-T", "tool", env=env)
    after_removed = file_kinds()
    rejected = project("run", "--rm", "-T", "bad", env=env)
    after_rejected = file_kinds()
    not_started = project("run", "--rm", "-T", "tool", "crsec-missing-command", env=env)
    after_not_started = file_kinds()
    containers_after_runs = engine.objects(project.project)["containers"]
    up = project("up", "-d", "keep", env=env)
    shared = project("run", "--rm", "-T", "tool", env=env)
    after_shared = file_kinds()

    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == "s3cretdebug=1"
    assert after_removed == []
    assert rejected.returncode != 0
    assert after_rejected == []
    assert not_started.returncode == 127, not_started.stderr
    assert after_not_started == []
    assert containers_after_runs == []
    assert up.returncode == 0, up.stderr
    assert shared.returncode == 0, shared.stderr
    # The service's container mounts the token's file, so only the config's file goes.
    assert after_shared == ["token"]
