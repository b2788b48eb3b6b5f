"""Under runtime auto, `build` and `pull` act on the engine where the project runs, on Docker and Podman."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, live_engine

OTHER = {"docker": "podman", "podman": "docker"}


class Placed:
    """A project folder with a built service, crank pinned to the project's engine, and crank under auto."""

    def __init__(self, engine: Engine, other: Engine, folder: Path) -> None:
        self.engine, self.other = engine, other
        self.name = folder.name
        self.image = f"localhost/{self.name}-web:latest"
        self.pinned = Crank(folder, engine.name, self.name)
        self.auto = Crank(folder, "auto", self.name)
        self.folder = folder


@pytest.fixture
def placed(engine: Engine, tmp_path: Path) -> Iterator[Placed]:
    other = live_engine(OTHER[engine.name])
    folder = tmp_path / f"{os.environ.get('CRANK_TEST_PREFIX') or 'crank-it'}-{secrets.token_hex(4)}"
    (folder / "web").mkdir(parents=True)
    (folder / "web" / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nLABEL step=first\n")
    placed = Placed(engine, other, folder)
    (folder / "compose.yaml").write_text(
        f"services:\n  web:\n    build: ./web\n    image: {placed.image}\n    command: [sleep, '300']\n")
    yield placed
    for live in (engine, other):
        live.remove_project(placed.name)
        # A rebuild leaves the first image untagged, so every image labelled for the project goes.
        built = live.client("images", "-q", "--filter", f"label=io.crank.project={placed.name}").stdout.split()
        live.client("rmi", "-f", placed.image, *dict.fromkeys(built), check=False)


def image_label(engine: Engine, image: str) -> str | None:
    found = engine.client("image", "inspect", "--format", "{{index .Config.Labels \"step\"}}", image, check=False)
    return found.stdout.strip() if found.returncode == 0 else None


def test_build_under_auto_follows_project(placed: Placed) -> None:
    started = placed.pinned("up", "-d", env={"DOCKER_BUILDKIT": "0"})
    assert started.returncode == 0, started.stderr
    (placed.folder / "web" / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nLABEL step=second\n")

    built = placed.auto("-v", "build", "web", env={"DOCKER_BUILDKIT": "0"})

    assert built.returncode == 0, built.stderr
    assert f"engine {placed.engine.name} " in built.stderr
    assert image_label(placed.engine, placed.image) == "second"
    assert image_label(placed.other, placed.image) is None


def test_pull_under_auto_follows_project(placed: Placed) -> None:
    started = placed.pinned("up", "-d", env={"DOCKER_BUILDKIT": "0"})
    assert started.returncode == 0, started.stderr

    pulled = placed.auto("--dry-run", "pull")

    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.splitlines() == [f"{placed.engine.name} pull {placed.image}"]
