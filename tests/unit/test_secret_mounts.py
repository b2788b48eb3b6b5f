"""Secret and config mounts: where their values come from and where they are mounted."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import InvalidProjectError
from crank_cli.operations.secrets import mount_target, secret_mounts
from crank_cli.operations.specs import container_spec
from crank_cli.runtime.argv import container_flags

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


# Where docker compose v2.40.3 mounts each reference, read from `docker inspect` of its containers.
TARGET_CASES = [
    ("secrets", {"source": "token"}, "/run/secrets/token"),
    ("secrets", {"source": "token", "target": "renamed"}, "/run/secrets/renamed"),
    ("secrets", {"source": "token", "target": "sub/dir/x"}, "/run/secrets/sub/dir/x"),
    ("secrets", {"source": "token", "target": "./dot"}, "/run/secrets/dot"),
    ("secrets", {"source": "token", "target": "../up"}, "/run/up"),
    ("secrets", {"source": "token", "target": "/abs/k"}, "/abs/k"),
    ("configs", {"source": "settings"}, "/settings"),
    ("configs", {"source": "settings", "target": "relcfg"}, "/relcfg"),
    ("configs", {"source": "settings", "target": "rel/sub.txt"}, "/rel/sub.txt"),
    ("configs", {"source": "settings", "target": "sub/../c2"}, "/c2"),
    ("configs", {"source": "settings", "target": "/conf.txt"}, "/conf.txt"),
]


@pytest.mark.parametrize(("kind", "reference", "expected"), TARGET_CASES)
def test_mount_target_resolves_relative(kind: str, reference: dict[str, str], expected: str) -> None:
    assert mount_target(kind, reference) == expected


def test_relative_targets_in_mount_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    (tmp_path / "s.txt").write_text("file-secret")
    (tmp_path / "compose.yaml").write_text("""\
services:
  app:
    image: busybox
    secrets: [{source: from_file, target: renamed}, {source: from_env, target: env/key}]
    configs: [{source: settings, target: settings.txt}]
secrets:
  from_file: {file: ./s.txt}
  from_env: {environment: API_KEY}
configs:
  settings: {content: debug=1}
""")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={"API_KEY": "k"}, project_name="shop"))

    arguments = container_flags(container_spec(project, "app"))
    mounts = [arguments[index + 1] for index, flag in enumerate(arguments) if flag == "--mount"]

    assert mounts[0] == f"type=bind,source={tmp_path / 's.txt'},target=/run/secrets/renamed,ro"
    assert mounts[1].endswith(",target=/run/secrets/env/key,ro")
    assert mounts[2].endswith(",target=/settings.txt,ro")
    assert len(mounts) == 3
