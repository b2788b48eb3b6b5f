"""Live on each engine: a recreated container keeps its anonymous volumes, and `up -V` renews them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# V changes the definition, so `up` with another V recreates the container.
ANONYMOUS = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: [sleep, "600"]
    init: true
    environment: {{V: "${{V:-1}}"}}
    volumes: [/data]
"""
# The image declares /state with VOLUME, and no service volume covers it.
IMAGE_VOLUME = f"""
services:
  db:
    image: localhost/{{project}}-state:latest
    build:
      context: .
      dockerfile_inline: |
        FROM {TEST_IMAGE}
        VOLUME /state
    command: [sleep, "600"]
    init: true
    environment: {{V: "${{V:-1}}"}}
"""


@pytest.fixture
def taken_volumes(engine: Engine, project: Crank) -> Iterator[set[str]]:
    """Collect the names of the project's anonymous volumes, and remove them and the built image afterwards."""
    names: set[str] = set()
    yield names
    project("down")
    # Only the image the test built goes: `down --rmi all` would remove the shared test image too.
    engine.client("rmi", f"localhost/{project.project}-state:latest", check=False)
    # On Docker a volume that a recreated container took over outlives `down`.
    if names:
        engine.client("volume", "rm", *sorted(names), check=False)


def mounted_volume(engine: Engine, project: Crank, path: str, names: set[str]) -> str:
    """Return the name of the volume mounted at `path` in the db container, and add it to `names`."""
    template = "{{range .Mounts}}{{if eq .Destination \"%s\"}}{{.Name}}{{end}}{{end}}" % path
    name = engine.client("inspect", "--format", template, f"{project.project}-db-1").stdout.strip()
    names.add(name)
    return name


def up(project: Crank, *args: str, version: str = "1") -> str:
    """Run `up -d` with V set to `version`; return its error output."""
    result = project("up", "-d", *args, env={"V": version})
    assert result.returncode == 0, result.stderr
    return result.stderr


def write_file(engine: Engine, project: Crank, path: str) -> None:
    engine.client("exec", f"{project.project}-db-1", "sh", "-c", f"echo keep > {path}")


def read_file(engine: Engine, project: Crank, path: str) -> str:
    return engine.client("exec", f"{project.project}-db-1", "cat", path, check=False).stdout.strip()


def container_id(engine: Engine, project: Crank) -> str:
    return engine.client("inspect", "--format", "{{.Id}}", f"{project.project}-db-1").stdout.strip()


def test_recreate_keeps_anonymous_volume(engine: Engine, project: Crank, taken_volumes: set[str]) -> None:
    (project.folder / "compose.yaml").write_text(ANONYMOUS)
    up(project)
    before = mounted_volume(engine, project, "/data", taken_volumes)
    write_file(engine, project, "/data/f")

    up(project, version="2")

    assert engine.client("inspect", "--format", "{{.Config.Env}}", f"{project.project}-db-1").stdout.count("V=2") == 1
    assert mounted_volume(engine, project, "/data", taken_volumes) == before
    assert read_file(engine, project, "/data/f") == "keep"


def test_renew_anon_volumes_gives_empty_volume(engine: Engine, project: Crank, taken_volumes: set[str]) -> None:
    (project.folder / "compose.yaml").write_text(ANONYMOUS)
    up(project)
    before = mounted_volume(engine, project, "/data", taken_volumes)
    old_id = container_id(engine, project)
    write_file(engine, project, "/data/f")

    # The definition is unchanged: -V recreates the container all the same.
    up(project, "-V")

    assert container_id(engine, project) != old_id
    assert mounted_volume(engine, project, "/data", taken_volumes) != before
    assert read_file(engine, project, "/data/f") == ""
    # The old volume went with the old container.
    assert before not in engine.client("volume", "ls", "--quiet").stdout.split()


def test_recreate_keeps_image_volume(engine: Engine, project: Crank, taken_volumes: set[str]) -> None:
    (project.folder / "compose.yaml").write_text(IMAGE_VOLUME.replace("{project}", project.project))
    output = up(project, "--quiet-build")
    before = mounted_volume(engine, project, "/state", taken_volumes)
    write_file(engine, project, "/state/f")

    up(project, version="2")

    # Docker's builder numbers its steps `Step 1/2`, Podman's `STEP 1/2`.
    assert "1/2" not in output
    assert mounted_volume(engine, project, "/state", taken_volumes) == before
    assert read_file(engine, project, "/state/f") == "keep"
