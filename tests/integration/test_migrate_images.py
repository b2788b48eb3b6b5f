"""What `crank migrate` leaves of images on the target after an undo or a rollback, live on Docker and Podman.

An undo or a rollback removes only the image names the migration added, and keeps an image
that a container or another name still uses, even when another project's container uses it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.operations.migrate import Engines as MigrationEngines
from crank_cli.operations.migrate import MigrateOptions, migrate
from crank_cli.operations.migrate.migration import Migration
from tests.integration.conftest import TEST_IMAGE, Crank, Engine, live_engine
from tests.integration.test_migrate import DIRECTIONS, RecordedEvents

# The service stops at once on SIGTERM, so each stop and rollback stays short.
SLEEP_COMMAND = "trap 'exit 0' TERM; sleep 1000 & wait"
FAILING_HEALTHCHECK = """
    healthcheck:
      test: ["CMD-SHELL", "test -f /never-there"]
      interval: 1s
      retries: 1
"""


@dataclass
class Engines:
    source: Engine
    target: Engine


@dataclass
class Project:
    """A compose project in its own folder, run by crank on the source engine."""

    name: str
    folder: Path
    crank: Crank


@pytest.fixture(params=DIRECTIONS)
def engines(request: pytest.FixtureRequest) -> Engines:
    source, target = request.param
    return Engines(live_engine(source), live_engine(target))


@pytest.fixture
def token() -> str:
    return secrets.token_hex(4)


@pytest.fixture
def projects(engines: Engines, tmp_path: Path, token: str) -> Iterator[list[Project]]:
    """Collect the projects a test makes, and remove their default networks afterwards.

    Each test removes the containers itself, before the images they use.
    """
    made: list[Project] = []
    yield made
    for project in made:
        for engine in (engines.source, engines.target):
            engine.client("network", "rm", f"{project.name}_default", check=False)


def make_project(projects: list[Project], engines: Engines, tmp_path: Path, name: str, image: str,
                 extra: str = "") -> Project:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(
        f"""
name: {name}
services:
  web:
    image: {image}
    command: ["sh", "-c", "{SLEEP_COMMAND}"]
{extra}"""
    )
    project = Project(name, folder, Crank(folder, engines.source.name, name))
    projects.append(project)
    return project


def build_unique_image(engine: Engine, tag: str) -> str:
    """Build an image with an ID no other image has, tag it and return its ID without `sha256:`."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo {tag}-$RANDOM > /id\n")
        env = {**os.environ, "DOCKER_BUILDKIT": "0"}
        subprocess.run([engine.name, "build", "-q", "-t", tag, folder], check=True, env=env, capture_output=True)
    return image_id(engine, tag)


def image_id(engine: Engine, reference: str) -> str:
    """Return the ID of the image a reference or ID names, without `sha256:`, or "" when the engine lacks it."""
    result = engine.client("image", "inspect", "--format", "{{.Id}}", reference, check=False)
    return result.stdout.strip().removeprefix("sha256:") if result.returncode == 0 else ""


def remove_unique_image(engines: Engines, tag: str, built: str) -> None:
    """Remove the image the test built, by its tag and then by its ID, from both engines."""
    for engine in (engines.source, engines.target):
        engine.client("image", "rm", tag, check=False)
        if image_id(engine, built) == built:
            engine.client("image", "rm", "--force", built, check=False)


def remove_projects_and_images(engines: Engines, projects: list[Project], tag: str, built: str,
                               *other_names: str) -> None:
    """Remove the test's projects from both engines, then its image names and the image it built."""
    for project in projects:
        engines.source.remove_project(project.name)
        engines.target.remove_project(project.name)
    for engine in (engines.source, engines.target):
        for name in other_names:
            engine.client("image", "rm", name, check=False)
    remove_unique_image(engines, tag, built)


def running_containers(engine: Engine, project: str) -> list[str]:
    listed = engine.client("ps", "--format", "{{.Names}}", "--filter", f"label=io.crank.project={project}")
    return listed.stdout.split()


def test_rollback_keeps_image_of_other_project(engines: Engines, projects: list[Project], tmp_path: Path,
                                               token: str) -> None:
    tag = f"localhost/himgrm-{token}:latest"
    built = build_unique_image(engines.source, tag)
    try:
        first = make_project(projects, engines, tmp_path, f"himgrm-a-{token}", tag)
        second = make_project(projects, engines, tmp_path, f"himgrm-b-{token}", tag)
        for project in (first, second):
            started = project.crank("up", "-d")
            assert started.returncode == 0, started.stderr
        copied = first.crank("migrate", "--to", engines.target.name)
        assert copied.returncode == 0, copied.stderr
        assert image_id(engines.target, tag) == built
        moved = second.crank("migrate", "--to", engines.target.name)
        assert moved.returncode == 0, moved.stderr
        assert running_containers(engines.target, second.name) == [f"{second.name}-web-1"]

        rolled_back = first.crank("-v", "migrate", "--rollback")

        assert rolled_back.returncode == 0, rolled_back.stderr
        assert running_containers(engines.source, first.name) == [f"{first.name}-web-1"]
        assert running_containers(engines.target, first.name) == []
        # The second project's container still runs on the target, from the image under its tag.
        assert running_containers(engines.target, second.name) == [f"{second.name}-web-1"]
        assert image_id(engines.target, tag) == built
        assert f"kept image {tag}" in rolled_back.stderr
    finally:
        remove_projects_and_images(engines, projects, tag, built)


def copy_image(engines: Engines, reference: str) -> None:
    """Copy an image with its name from the source to the target, as a user could have done before."""
    save = subprocess.Popen([engines.source.name, "save", reference], stdout=subprocess.PIPE)
    loaded = subprocess.run([engines.target.name, "load"], stdin=save.stdout, capture_output=True, timeout=120)
    assert save.wait(timeout=120) == 0
    assert loaded.returncode == 0, loaded.stderr


@pytest.mark.parametrize("image_kind", ["on-target", "copied"])
def test_failed_migration_removes_added_tag(engines: Engines, projects: list[Project], tmp_path: Path,
                                            token: str, image_kind: str) -> None:
    # "on-target": the target has the image under another name, so the migration only adds
    # the service's image name there. "copied": the target lacks the image.
    tag = f"localhost/himgrm-{token}-web:1"
    other_name = f"localhost/himgrm-{token}-base:1"
    if image_kind == "copied":
        built = build_unique_image(engines.source, tag)
    else:
        built = build_unique_image(engines.source, other_name)
        copy_image(engines, other_name)
        assert image_id(engines.target, other_name) == built
        engines.source.client("tag", other_name, tag)
    try:
        project = make_project(projects, engines, tmp_path, f"himgrm-f-{token}", tag, FAILING_HEALTHCHECK)
        started = project.crank("up", "-d")
        assert started.returncode == 0, started.stderr

        failed = project.crank("migrate", "--to", engines.target.name, "--verify-timeout", "60")

        assert failed.returncode == 5, failed.stderr
        assert "undoing the changes" in failed.stderr
        assert running_containers(engines.source, project.name) == [f"{project.name}-web-1"]
        assert engines.target.objects(project.name)["containers"] == []
        assert image_id(engines.target, tag) == ""
        if image_kind == "copied":
            assert image_id(engines.target, built) == ""
        else:
            assert image_id(engines.target, other_name) == built
    finally:
        remove_projects_and_images(engines, projects, tag, built, other_name)


@pytest.mark.parametrize("policy", ["always", "build"])
def test_migration_starts_copied_image_despite_pull_policy(engines: Engines, projects: list[Project], tmp_path: Path,
                                                          token: str, policy: str) -> None:
    # Without a registry, `pull_policy: always` fails to pull on the target, and `build`
    # would build another image there: either way not the image the source ran.
    tag = f"localhost/himgrm-{token}-pull:1"
    built = build_unique_image(engines.source, tag)
    extra = f"    pull_policy: {policy}\n"
    if policy == "build":
        context = tmp_path / "context"
        context.mkdir()
        (context / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo rebuilt-$RANDOM > /id\n")
        extra += f"    build: {context}\n"
    try:
        project = make_project(projects, engines, tmp_path, f"himgrm-p-{token}", tag, extra)
        started = project.crank("up", "-d", "--pull", "never", "--no-build")
        assert started.returncode == 0, started.stderr

        moved = project.crank("migrate", "--to", engines.target.name)

        assert moved.returncode == 0, moved.stderr
        assert running_containers(engines.target, project.name) == [f"{project.name}-web-1"]
        runs = engines.target.client("container", "inspect", "--format", "{{.Image}}", f"{project.name}-web-1")
        assert runs.stdout.strip().removeprefix("sha256:") == built
    finally:
        remove_projects_and_images(engines, projects, tag, built)


def test_image_removed_after_plan_is_copied(engines: Engines, projects: list[Project], tmp_path: Path,
                                            token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan finds the image on the target under another name. That name goes before the
    # images are copied, as when another project's failed migration removes the name it added.
    tag = f"localhost/himgrm-{token}-gone:1"
    other_name = f"localhost/himgrm-{token}-other:1"
    built = build_unique_image(engines.source, other_name)
    copy_image(engines, other_name)
    engines.source.client("tag", other_name, tag)
    real_copy_images = Migration.copy_images

    def remove_then_copy(migration: Migration) -> None:
        engines.target.client("image", "rm", other_name)
        real_copy_images(migration)

    monkeypatch.setattr(Migration, "copy_images", remove_then_copy)
    try:
        project = make_project(projects, engines, tmp_path, f"himgrm-g-{token}", tag)
        started = project.crank("up", "-d")
        assert started.returncode == 0, started.stderr
        loaded = load_project(LoadOptions(working_dir=project.folder, environ=dict(os.environ)))
        events = RecordedEvents()

        migrate(loaded, MigrationEngines(source=engines.source.backend, target=engines.target.backend),
                MigrateOptions(), events)

        assert f"image {built[:12]}: copied, ID checked" in events.lines
        assert running_containers(engines.target, project.name) == [f"{project.name}-web-1"]
        assert image_id(engines.target, tag) == built
    finally:
        remove_projects_and_images(engines, projects, tag, built, other_name)
