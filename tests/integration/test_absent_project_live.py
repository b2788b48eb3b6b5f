"""Verbs on a project that has none of crank's containers on the chosen engine, on Docker and Podman."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, live_engine

OTHER = {"docker": "podman", "podman": "docker"}
SLEEPER = "[\"sh\", \"-c\", \"trap 'exit 0' TERM; while true; do sleep 0.2; done\"]"
COMPOSE = f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: {SLEEPER}\n"
VERBS = [["logs"], ["stop"], ["start"], ["restart"], ["exec", "-T", "web", "true"], ["run", "-T", "web", "true"]]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / f"foreignfix-{secrets.token_hex(4)}"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    return folder


@pytest.fixture
def foreign(engine: Engine, folder: Path) -> Iterator[Crank]:
    """A project that docker compose appears to have started: its network and a running container, with its labels."""
    name = folder.name
    label = f"com.docker.compose.project={name}"
    engine.client("network", "create", "--label", label, f"{name}_default")
    engine.client("run", "-d", "--name", f"{name}-web-1", "--network", f"{name}_default", "--label", label,
                  "--label", "com.docker.compose.service=web", TEST_IMAGE, "sleep", "600")
    yield Crank(folder, engine.name, name)
    engine.client("rm", "-f", f"{name}-web-1", check=False)
    engine.client("network", "rm", f"{name}_default", check=False)
    engine.remove_project(name)


def running(engine: Engine, container: str) -> bool:
    return engine.client("inspect", "--format", "{{.State.Running}}", container).stdout.strip() == "true"


@pytest.mark.parametrize("verb", [*VERBS, ["up", "-d"]], ids=lambda verb: verb[0])
def test_foreign_project_rejected(verb: list[str], engine: Engine, foreign: Crank) -> None:
    result = foreign(*verb)

    assert result.returncode == 2, result.stderr
    assert f"project {foreign.project} was started by docker compose, not crank" in result.stderr
    assert f"`crank {verb[0]}` does not act on such a project" in result.stderr
    assert running(engine, f"{foreign.project}-web-1")
    assert engine.objects(foreign.project) == {"containers": [], "networks": [], "volumes": []}


@pytest.mark.parametrize("verb", [["events"], ["stats", "--no-stream"]], ids=lambda verb: verb[0])
def test_foreign_project_by_name_from_another_projects_folder(verb: list[str], engine: Engine, foreign: Crank,
                                                              tmp_path: Path) -> None:
    """`-p NAME` in another project's folder reads that folder's file under NAME, and still refuses the project."""
    elsewhere = tmp_path / f"crgap-elsewhere-{secrets.token_hex(4)}"
    elsewhere.mkdir()
    (elsewhere / "compose.yaml").write_text(COMPOSE)

    # events would wait for events until stopped, so a timeout turns that into a failure.
    result = Crank(elsewhere, engine.name, foreign.project)("-p", foreign.project, *verb, timeout=60)

    assert result.returncode == 2, result.stderr
    assert f"project {foreign.project} was started by docker compose, not crank" in result.stderr
    assert f"`crank {verb[0]}` does not act on such a project" in result.stderr
    assert running(engine, f"{foreign.project}-web-1")


def test_up_rejects_other_tool_copy_elsewhere(engine: Engine, folder: Path) -> None:
    """A fresh `up` pinned to `engine` must not start a second copy of a docker compose project on the other engine."""
    other = live_engine(OTHER[engine.name])
    name = folder.name
    container = f"{name}-web-1"
    other.client("run", "-d", "--name", container, "--label", f"com.docker.compose.project={name}",
                 "--label", "com.docker.compose.service=web", TEST_IMAGE, "sleep", "600")
    try:
        result = Crank(folder, engine.name, name)("up", "-d")

        assert result.returncode == 2, result.stderr
        assert f"project {name} already runs on {other.name}, started by docker compose" in result.stderr
        assert f"`crank migrate --from {other.name} --to {engine.name}`" in result.stderr
        assert engine.objects(name) == {"containers": [], "networks": [], "volumes": []}
        assert running(other, container)
    finally:
        other.client("rm", "-f", container, check=False)
        engine.remove_project(name)


@pytest.fixture
def elsewhere(engine: Engine, folder: Path) -> Iterator[tuple[Crank, Engine]]:
    """The project started by crank on the other engine; crank pinned to `engine`, which has none of it."""
    other = live_engine(OTHER[engine.name])
    started = Crank(folder, other.name, folder.name)("up", "-d")
    assert started.returncode == 0, started.stderr
    yield Crank(folder, engine.name, folder.name), other
    for live in (engine, other):
        live.remove_project(folder.name)


@pytest.mark.parametrize("verb", [*VERBS, ["down"]], ids=lambda verb: verb[0])
def test_project_on_other_engine_rejected(verb: list[str], engine: Engine, elsewhere: tuple[Crank, Engine]) -> None:
    crank, other = elsewhere

    result = crank(*verb)

    assert result.returncode == 2, result.stderr
    assert (f"project {crank.project} has no containers on {engine.name}, the engine that "
            "CRANK_CONTAINER_RUNTIME in the environment chose") in result.stderr
    assert f"`crank --runtime {other.name} {verb[0]}`" in result.stderr
    assert running(other, f"{crank.project}-web-1")
