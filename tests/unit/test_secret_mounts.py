"""Secret and config mounts: where their values come from and where they are mounted."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import InvalidProjectError
from crank_cli.operations.secrets import secret_mounts

COMPOSE = """\
services:
  app:
    image: busybox
    secrets: [api_key]
    configs: [{source: settings, target: /etc/settings.txt}]
secrets:
  api_key: {environment: API_KEY}
configs:
  settings: {environment: API_KEY}
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, with crank's state folder under tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    project = tmp_path / "shop"
    project.mkdir()
    (project / "compose.yaml").write_text(COMPOSE)
    return project


def load(folder: Path, environ: dict[str, str], env_files: tuple[Path, ...] = ()) -> Project:
    return load_project(LoadOptions(working_dir=folder, environ=environ, project_name="shop", env_files=env_files))


def mounted_values(project: Project) -> dict[str, str]:
    """Return the text of each mounted file, by its path in the container."""
    mounts = secret_mounts(project, project.model["services"]["app"])
    return {mount.target: Path(mount.source).read_text() for mount in mounts}


def test_environment_source_reads_dotenv(folder: Path) -> None:
    (folder / ".env").write_text("API_KEY=from-dotenv\n")

    values = mounted_values(load(folder, environ={}))

    assert values == {"/run/secrets/api_key": "from-dotenv", "/etc/settings.txt": "from-dotenv"}


def test_process_environment_wins_over_dotenv(folder: Path) -> None:
    (folder / ".env").write_text("API_KEY=from-dotenv\n")

    values = mounted_values(load(folder, environ={"API_KEY": "from-shell"}))

    assert values["/run/secrets/api_key"] == "from-shell"
    assert values["/etc/settings.txt"] == "from-shell"


def test_environment_source_reads_env_file(folder: Path) -> None:
    (folder / ".env").write_text("API_KEY=from-dotenv\n")
    (folder / "prod.env").write_text("API_KEY=from-env-file\n")

    values = mounted_values(load(folder, environ={}, env_files=(folder / "prod.env",)))

    assert values["/run/secrets/api_key"] == "from-env-file"


def test_project_variables_decide_not_os_environ(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("API_KEY", "from-os-environ")
    (folder / ".env").write_text("API_KEY=from-dotenv\n")

    values = mounted_values(load(folder, environ={}))

    assert values["/run/secrets/api_key"] == "from-dotenv"


def test_unset_variable_names_file_and_key(folder: Path) -> None:
    project = load(folder, environ={})

    with pytest.raises(InvalidProjectError) as raised:
        secret_mounts(project, project.model["services"]["app"])

    message = str(raised.value)
    assert message.startswith("compose.yaml: secrets.api_key.environment: variable API_KEY is not set")
    assert ".env" in message
