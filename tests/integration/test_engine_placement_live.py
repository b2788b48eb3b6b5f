"""A project stays on one engine: `up` and the container verbs on Docker and Podman together."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, live_engine

OTHER = {"docker": "podman", "podman": "docker"}
# Environment values that make each engine's client fail its probe, as a stopped engine does.
UNREACHABLE = {
    "docker": {"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
    "podman": {"CONTAINER_HOST": "unix:///nonexistent/podman.sock"},
}
SLEEPER = "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]"
COMPOSE = (
    f"services:\n  box:\n    image: {TEST_IMAGE}\n    command: {SLEEPER}\n    volumes: [data:/data]\n"
    "volumes:\n  data: {}\n"
)


class Pair:
    """A project folder, and crank pinned to each of two engines in it."""

    def __init__(self, first: Engine, second: Engine, folder: Path) -> None:
        self.first, self.second = first, second
        self.name = folder.name
        self.on_first = Crank(folder, first.name, self.name)
        self.on_second = Crank(folder, second.name, self.name)
        self.folder = folder


@pytest.fixture
def pair(engine: Engine, tmp_path: Path) -> Iterator[Pair]:
    other = live_engine(OTHER[engine.name])
    folder = tmp_path / f"{os.environ.get('CRANK_TEST_PREFIX') or 'enginefix'}-{secrets.token_hex(4)}"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    yield Pair(engine, other, folder)
    for live in (engine, other):
        live.remove_project(folder.name)


def test_up_on_second_engine_rejected(pair: Pair) -> None:
    assert pair.on_first("up", "-d").returncode == 0

    result = pair.on_second("up", "-d")

    assert result.returncode == 2, result.stderr
    assert (f"crank: error: project {pair.name} already has containers on {pair.first.name}, "
            f"so crank does not create it on {pair.second.name}") in result.stderr
    assert f"`crank migrate --to {pair.second.name}`" in result.stderr
    assert f"`crank --runtime {pair.first.name} down`" in result.stderr
    assert pair.second.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


def test_unchanged_up_stays_on_its_engine(pair: Pair) -> None:
    assert pair.on_first("up", "-d").returncode == 0

    again = pair.on_first("up", "-d")

    assert again.returncode == 0, again.stderr
    assert f"project {pair.name} is up to date on {pair.first.name}" in again.stderr


def test_up_on_second_engine_after_down(pair: Pair) -> None:
    assert pair.on_first("up", "-d").returncode == 0
    assert pair.on_first("down", "-v").returncode == 0

    result = pair.on_second("up", "-d")

    assert result.returncode == 0, result.stderr
    assert len(pair.second.objects(pair.name)["containers"]) == 1


def test_fallback_from_dotenv_engine_rejected(pair: Pair) -> None:
    (pair.folder / ".env").write_text(f"CRANK_CONTAINER_RUNTIME={pair.first.name}\n")
    # An empty value in the environment counts as unset, so the .env value applies.
    env = {**UNREACHABLE[pair.first.name], "CRANK_CONTAINER_RUNTIME": "", "CRANK_RUNTIME_FALLBACK": "enabled"}

    result = pair.on_first("up", "-d", env=env)

    assert result.returncode == 4, result.stderr
    assert f"crank: error: {pair.first.name} (CRANK_CONTAINER_RUNTIME in .env) is not usable" in result.stderr
    assert f"crank cannot see whether project {pair.name} already runs on {pair.first.name}" in result.stderr
    assert f"`crank --runtime {pair.second.name} up`" in result.stderr
    assert pair.second.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


def test_fallback_from_environment_warns(pair: Pair) -> None:
    env = {**UNREACHABLE[pair.first.name], "CRANK_RUNTIME_FALLBACK": "enabled"}

    result = pair.on_first("up", "-d", env=env)

    assert result.returncode == 0, result.stderr
    assert f"`crank up` would start it a second time on {pair.second.name}" in result.stderr
    assert len(pair.second.objects(pair.name)["containers"]) == 1


@pytest.fixture
def solo(pair: Pair) -> Iterator[str]:
    """A name for a container outside the project, removed from both engines afterwards."""
    name = f"{pair.name}-solo"
    yield name
    for live in (pair.first, pair.second):
        live.client("rm", "-f", name, check=False)


def test_run_follows_project_engine(pair: Pair, solo: str) -> None:
    assert pair.on_first("up", "-d").returncode == 0
    on_auto = Crank(pair.folder, "auto", pair.name)

    result = on_auto("run", "-d", "--name", solo, TEST_IMAGE, "sleep", "300")

    assert result.returncode == 0, result.stderr
    assert pair.first.client("container", "inspect", solo, check=False).returncode == 0
    assert pair.second.client("container", "inspect", solo, check=False).returncode != 0
    stopped = on_auto("stop", "-t", "1", solo)
    assert stopped.returncode == 0, stopped.stderr


def test_stop_finds_container_on_other_engine(pair: Pair, solo: str) -> None:
    assert pair.on_first("up", "-d").returncode == 0
    pair.second.client("run", "-d", "--name", solo, TEST_IMAGE, "sleep", "300")
    on_auto = Crank(pair.folder, "auto", pair.name)

    result = on_auto("stop", "-t", "1", solo)

    assert result.returncode == 0, result.stderr
    state = pair.second.client("container", "inspect", "--format", "{{.State.Running}}", solo).stdout.strip()
    assert state == "false"
    running = pair.first.client("ps", "--filter", f"label=io.crank.project={pair.name}", "--format", "{{.Names}}")
    assert running.stdout.split() == [f"{pair.name}-box-1"]


def test_stop_on_pinned_engine_names_it(pair: Pair, solo: str) -> None:
    assert pair.on_first("up", "-d").returncode == 0
    pair.second.client("run", "-d", "--name", solo, TEST_IMAGE, "sleep", "300")

    result = pair.on_first("stop", "-t", "1", solo)

    assert result.returncode == 2
    assert f"no such container: {solo}. crank looked only on {pair.first.name}, the engine that" in result.stderr
    assert "choose that engine with --runtime" in result.stderr


def test_auto_up_warns_when_engine_silent(pair: Pair) -> None:
    assert pair.on_first("up", "-d").returncode == 0
    on_auto = Crank(pair.folder, "auto", pair.name)

    result = on_auto("--dry-run", "up", "-d", env=UNREACHABLE[pair.first.name])

    assert result.returncode == 0, result.stderr
    assert f"{pair.second.name} run --detach --name {pair.name}-box-1" in result.stdout
    assert (f"crank: warning: {pair.first.name} is installed but did not respond (") in result.stderr
    assert (f"so runtime auto chose {pair.second.name}, and crank cannot see what runs on {pair.first.name}: "
            f"if project {pair.name} runs there, this creates a second copy on {pair.second.name}") in result.stderr
    assert pair.second.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


def test_down_after_fallback_finds_nothing(pair: Pair) -> None:
    (pair.folder / ".env").write_text(f"CRANK_CONTAINER_RUNTIME={pair.first.name}\n")
    env = {**UNREACHABLE[pair.first.name], "CRANK_CONTAINER_RUNTIME": "", "CRANK_RUNTIME_FALLBACK": "enabled"}

    result = pair.on_first("down", env=env)

    assert result.returncode == 4, result.stderr
    assert (f"crank: error: nothing of project {pair.name} found on {pair.second.name}, the engine crank fell "
            f"back to because {pair.first.name} (CRANK_CONTAINER_RUNTIME in .env) is not usable") in result.stderr
    assert f"run `crank --runtime {pair.second.name} down`" in result.stderr
