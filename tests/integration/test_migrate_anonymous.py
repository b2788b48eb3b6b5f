"""`crank migrate` carries anonymous volumes, live between Docker and Podman in both directions.

The service mounts an anonymous volume at /data (`volumes: [/data]`), and its image declares
/state with `VOLUME`, which no service volume covers. Each start of the service appends a
line to a file in both, so a target that started before the copy arrived shows one line
where there should be two.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Engine
from tests.integration.test_migrate import DIRECTIONS, Pair, make_pair

START_COMMAND = "echo started >> /data/starts && echo started >> /state/starts && exec sleep 600"
PATHS = ("/data", "/state")


def write_project(pair: Pair, healthcheck: str = "") -> None:
    (pair.folder / "compose.yaml").write_text(
        f"""
name: {pair.name}
services:
  db:
    image: {pair.image}
    command: ["sh", "-c", "{START_COMMAND}"]
    init: true
    volumes: [/data]
{healthcheck}"""
    )


def build_state_image(engine: Engine, tag: str) -> None:
    """Build an image FROM the test image that declares /state with VOLUME, under `tag`."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nVOLUME /state\n")
        env = {**os.environ, "DOCKER_BUILDKIT": "0"}
        subprocess.run([engine.name, "build", "-q", "-t", tag, folder], check=True, env=env, capture_output=True)


class AnonymousPair:
    """A pair whose project runs the /state image, and the anonymous volumes to remove afterwards."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.volumes: set[str] = set()
        self.container = f"{pair.name}-db-1"

    def mounted(self, engine: Engine) -> dict[str, str]:
        """Return the name of the volume at each of PATHS in the db container, and note it for removal."""
        found = {}
        for path in PATHS:
            template = '{{range .Mounts}}{{if eq .Destination "%s"}}{{.Name}}{{end}}{{end}}' % path
            found[path] = engine.client("inspect", "--format", template, self.container, check=False).stdout.strip()
        self.volumes.update(name for name in found.values() if name)
        return found

    def read(self, engine: Engine, path: str) -> str:
        return engine.client("exec", self.container, "cat", path, check=False).stdout

    def start(self) -> dict[str, str]:
        """Start the project on the source, write a file in each anonymous volume; return the volume names."""
        started = self.pair.crank("up", "-d")
        assert started.returncode == 0, started.stderr
        for path in PATHS:
            self.pair.source.client("exec", self.container, "sh", "-c", f"echo kept > {path}/file")
        return self.mounted(self.pair.source)


@pytest.fixture(params=DIRECTIONS)
def anonymous_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AnonymousPair]:
    pair = make_pair(request, tmp_path, os.environ.get("CRANK_TEST_PREFIX") or "crank-miganon")
    build_state_image(pair.source, pair.image)
    project = AnonymousPair(pair)
    yield project
    # A test that failed part way may leave containers whose volumes it has not noted yet.
    for engine in (pair.source, pair.target):
        project.mounted(engine)
    pair.remove()
    for engine in (pair.source, pair.target):
        existing = set(engine.client("volume", "ls", "--quiet").stdout.split())
        if project.volumes & existing:
            engine.client("volume", "rm", "-f", *sorted(project.volumes & existing), check=False)


def test_anonymous_volumes_move(anonymous_pair: AnonymousPair) -> None:
    project, pair = anonymous_pair, anonymous_pair.pair
    write_project(pair)
    source_volumes = project.start()
    assert all(source_volumes.values()), source_volumes

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert "anonymous volume" not in result.stderr
    for path in PATHS:
        assert project.read(pair.target, f"{path}/file") == "kept\n"
        # The target's first start found the source's line, so the copy came before it.
        assert project.read(pair.target, f"{path}/starts") == "started\nstarted\n"
    # The copies keep the source volumes' names, and `down --volumes` finds them by the project label.
    assert project.mounted(pair.target) == source_volumes
    assert sorted(pair.target.objects(pair.name)["volumes"]) == sorted(source_volumes.values())
    assert pair.source.objects(pair.name)["containers"] == []


def test_rollback_brings_back_anonymous_data(anonymous_pair: AnonymousPair) -> None:
    project, pair = anonymous_pair, anonymous_pair.pair
    write_project(pair)
    source_volumes = project.start()
    assert pair.migrate().returncode == 0
    for path in PATHS:
        pair.target.client("exec", project.container, "sh", "-c", f"echo on the target > {path}/new")

    result = pair.crank("migrate", "--rollback")

    assert result.returncode == 0, result.stderr
    assert project.mounted(pair.source) == source_volumes
    for path in PATHS:
        assert project.read(pair.source, f"{path}/file") == "kept\n"
        assert project.read(pair.source, f"{path}/new") == "on the target\n"
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


FAILING_HEALTHCHECK = """    healthcheck:
      test: ["CMD-SHELL", "test -f /data/never-there"]
      interval: 1s
      retries: 1
"""


def test_failed_target_keeps_source_anonymous_data(anonymous_pair: AnonymousPair) -> None:
    project, pair = anonymous_pair, anonymous_pair.pair
    write_project(pair)
    source_volumes = project.start()
    source_id = pair.source.client("inspect", "--format", "{{.Id}}", project.container).stdout.strip()
    write_project(pair, FAILING_HEALTHCHECK)

    result = pair.migrate("--verify-timeout", "60")

    assert result.returncode == 5, result.stderr
    assert "undoing the changes" in result.stderr
    # The copies were made on the target, and the undo removed them.
    for name in source_volumes.values():
        assert f"{name}: removed" in result.stderr, result.stderr
    assert pair.source.client("inspect", "--format", "{{.Id}} {{.State.Running}}", project.container).stdout.split() == [
        source_id, "true"]
    assert project.mounted(pair.source) == source_volumes
    for path in PATHS:
        assert project.read(pair.source, f"{path}/file") == "kept\n"
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}
    left = pair.target.client("volume", "ls", "--quiet").stdout.split()
    assert not set(source_volumes.values()) & set(left)


def test_migration_back_after_move(anonymous_pair: AnonymousPair) -> None:
    project, pair = anonymous_pair, anonymous_pair.pair
    write_project(pair)
    source_volumes = project.start()
    # A recreated container mounts the old container's volumes by name, so Docker 20.10 and
    # Podman 4.3 keep them when they remove the container with its anonymous volumes.
    recreated = pair.crank("up", "-d", "--force-recreate")
    assert recreated.returncode == 0, recreated.stderr
    assert project.mounted(pair.source) == source_volumes
    assert pair.migrate().returncode == 0

    # The copies on the target hold the data, so the source keeps none of the anonymous volumes.
    left = set(pair.source.client("volume", "ls", "--quiet").stdout.split())
    assert not set(source_volumes.values()) & left
    result = pair.crank("migrate", "--to", pair.source.name)

    assert result.returncode == 0, result.stderr
    assert project.mounted(pair.source) == source_volumes
    for path in PATHS:
        assert project.read(pair.source, f"{path}/file") == "kept\n"
    left = set(pair.target.client("volume", "ls", "--quiet").stdout.split())
    assert not set(source_volumes.values()) & left
