"""`create`, `scale`, `cp` and `wait` live on each engine, on one small project."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# Busybox's sh is PID 1 here and ignores SIGTERM without a trap, so web traps it and stops at once.
COMPOSE = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  job:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "sleep 3; exit 3"]
"""


@pytest.fixture
def shop(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder named hc-..., removed from the engine afterwards."""
    name = f"hc-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


def states(engine: Engine, project: str) -> dict[str, str]:
    """Return each container of the project with its state, such as created or running."""
    names = engine.objects(project)["containers"]
    if not names:
        return {}
    listed = engine.client("inspect", "--format", "{{.Name}} {{.State.Status}}", *names)
    return dict(line.lstrip("/").split(" ", 1) for line in listed.stdout.splitlines())


def test_create_scale_and_cp(engine: Engine, shop: Crank) -> None:
    web = f"{shop.project}-web"
    (shop.folder / "note.txt").write_text("from the host\n")

    created = shop("create", "web", timeout=120)
    assert created.returncode == 0, created.stderr
    assert states(engine, shop.project) == {f"{web}-1": "created"}

    copied_in = shop("cp", "note.txt", "web:/note.txt", timeout=60)
    assert copied_in.returncode == 0, copied_in.stderr

    scaled = shop("scale", "web=2", timeout=120)
    assert scaled.returncode == 0, scaled.stderr
    assert states(engine, shop.project) == {f"{web}-1": "running", f"{web}-2": "running"}

    # A copy from the service reads container 1, which got the file before it started.
    copied_out = shop("cp", "web:/note.txt", "back.txt", timeout=60)
    assert copied_out.returncode == 0, copied_out.stderr
    assert (shop.folder / "back.txt").read_text() == "from the host\n"

    missing = shop("cp", "--index", "2", "web:/note.txt", "second.txt", timeout=60)
    assert missing.returncode == 1
    assert f"{engine.name} cp {web}-2:/note.txt ... failed" in missing.stderr
    assert not (shop.folder / "second.txt").exists()


def test_wait_exits_with_job_code(engine: Engine, shop: Crank) -> None:
    started = shop("up", "-d", "job", "web", timeout=120)
    assert started.returncode == 0, started.stderr

    waited = shop("wait", "--down-project", "job", timeout=60)

    assert waited.returncode == 3, waited.stderr
    # docker compose's line, with the container's full ID.
    assert re.fullmatch(r'container "[0-9a-f]{64}" exited with status code 3\n', waited.stdout), waited.stdout
    assert states(engine, shop.project) == {}
