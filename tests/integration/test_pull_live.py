"""`crank pull` on live engines, from the registry of tests/integration/registry.py on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port
from tests.integration.registry import Registry, insecure_environ
from tests.integration.test_push_live import registry  # noqa: F401 - the fixture


@pytest.fixture
def published(engine: Engine, registry: Registry, project: Crank,
              tmp_path: Path) -> Iterator[tuple[dict[str, str], str, str, str]]:
    """Push images web and db of the project to the registry and remove them from the engine.

    Yields crank's environment, the references of web and db, and an image at a dead address.
    Every image named after the project is removed from the engine afterwards.
    """
    dead = f"127.0.0.1:{free_port()}"
    environ = insecure_environ(engine.name, tmp_path, [registry.address, dead])
    web, db = (f"{registry.address}/{project.project}/{service}:1" for service in ("web", "db"))
    for reference in (web, db):
        engine.client("tag", TEST_IMAGE, reference)
        subprocess.run([engine.name, "push", reference], env={**os.environ, **environ}, check=True,
                       capture_output=True, timeout=120)
    engine.client("rmi", web, db)
    yield environ, web, db, f"{dead}/{project.project}/lost:1"
    images = engine.client("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    ours = [image for image in images if f"/{project.project}/" in image]
    if ours:
        engine.client("rmi", *ours, check=False)


def has_image(engine: Engine, reference: str) -> bool:
    return engine.client("image", "inspect", reference, check=False).returncode == 0


def web_manifest_requests(registry: Registry, project: str) -> int:
    return sum(f"/{project}/web/manifests/" in path for _, path in registry.requests)


def test_pull_quiet_include_deps_and_policy(engine: Engine, registry: Registry, project: Crank,
                                            published: tuple[dict[str, str], str, str, str]) -> None:
    environ, web, db, _ = published
    (project.folder / "compose.yaml").write_text(
        f"services:\n  web:\n    image: {web}\n    depends_on: [db]\n  db:\n    image: {db}\n"
    )

    only_web = project("pull", "-q", "web", env=environ)

    assert only_web.returncode == 0, only_web.stderr
    assert (only_web.stdout, only_web.stderr) == ("", "")
    assert has_image(engine, web)
    assert not has_image(engine, db)
    asked_for_web = web_manifest_requests(registry, project.project)

    with_deps = project("--progress", "plain", "pull", "--include-deps", "--policy", "missing", "web", env=environ)

    assert with_deps.returncode == 0, with_deps.stderr
    assert has_image(engine, db)
    assert "service web: skipped: image is already present" in with_deps.stderr
    assert web_manifest_requests(registry, project.project) == asked_for_web
    assert f"image {db}: pulled" in with_deps.stderr

    always = project("--progress", "plain", "pull", "--policy", "always", "web", env=environ)

    assert always.returncode == 0, always.stderr
    assert f"image {web}: pulled" in always.stderr


def test_failed_pull_and_ignore_failures(engine: Engine, project: Crank,
                                         published: tuple[dict[str, str], str, str, str]) -> None:
    environ, web, _, lost = published
    (project.folder / "compose.yaml").write_text(f"services:\n  lost:\n    image: {lost}\n  web:\n    image: {web}\n")

    failed = project("pull", "-q", env=environ)

    # As with docker compose, a failed pull exits 1, and the first failure stops the pull.
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.startswith(f"crank: error: service lost: could not pull image {lost} (")
    assert not has_image(engine, web)

    ignored = project("pull", "-q", "--ignore-pull-failures", env=environ)

    assert ignored.returncode == 0, ignored.stderr
    lines = ignored.stderr.splitlines()
    assert len(lines) == 1, ignored.stderr
    assert lines[0].startswith(f"crank: warning: service lost: could not pull image {lost} (")
    assert has_image(engine, web)
