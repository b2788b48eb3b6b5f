"""`crank push` on live engines, to the registry of tests/integration/registry.py on 127.0.0.1.

Docker treats registries on 127.0.0.0/8 as insecure (plain HTTP) by default. For Podman, a
registries.conf written by the test marks the addresses insecure, and CONTAINERS_REGISTRIES_CONF
names it in crank's environment only.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port
from tests.integration.registry import Registry, insecure_environ


@pytest.fixture
def registry() -> Iterator[Registry]:
    served = Registry().start()
    yield served
    served.stop()


@pytest.fixture
def pushing(engine: Engine, registry: Registry, tmp_path: Path) -> Iterator[tuple[Crank, dict[str, str], str]]:
    """A project folder named crpush-..., the environment crank needs to reach the registries, and a dead address.

    The dead address is a port on 127.0.0.1 where nothing listens. Images tagged for the test
    are removed from the engine afterwards.
    """
    name = f"crpush-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\n")
    dead = f"127.0.0.1:{free_port()}"
    environ = insecure_environ(engine.name, tmp_path, [registry.address, dead])
    yield Crank(folder, engine.name, name), environ, dead
    images = engine.client("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split()
    ours = [image for image in images if f"/{name}/" in image]
    if ours:
        engine.client("rmi", *ours, check=False)


def tag(engine: Engine, *references: str) -> None:
    for reference in references:
        engine.client("tag", TEST_IMAGE, reference)


def test_push_sends_image_and_tags(engine: Engine, registry: Registry,
                                                       pushing: tuple[Crank, dict[str, str], str]) -> None:
    crank, environ, _ = pushing
    repository = f"{crank.project}/web"
    image, extra = f"{registry.address}/{repository}:1.0", f"{registry.address}/{repository}:extra"
    (crank.folder / "compose.yaml").write_text(
        f"services:\n"
        f"  web:\n    build:\n      context: .\n      tags: [\"{extra}\"]\n    image: {image}\n"
        f"  cache:\n    image: {TEST_IMAGE}\n"
        f"  local:\n    build: .\n"
    )
    # The build gives the image both names, the second from build.tags.
    built = crank("build", "web", env=environ)
    assert built.returncode == 0, built.stderr

    result = crank("--progress", "plain", "push", env=environ)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "service cache: skipped: image not built by the project" in result.stderr
    assert "service local: skipped: no image name to push to" in result.stderr
    assert f"image {image}: pushed" in result.stderr
    for reference in ("1.0", "extra"):
        manifest = registry.manifests[(repository, reference)]
        document = manifest.document()
        # Every blob the manifest names reached the registry with the digest it claims.
        for blob in [document["config"], *document["layers"]]:
            assert blob["digest"] in registry.blobs
    assert {key[0] for key in registry.manifests} == {repository}


def test_failed_push_and_ignore_failures(
        engine: Engine, registry: Registry, pushing: tuple[Crank, dict[str, str], str]) -> None:
    crank, environ, dead = pushing
    lost, kept = f"{dead}/{crank.project}/api:1.0", f"{registry.address}/{crank.project}/web:1.0"
    (crank.folder / "compose.yaml").write_text(
        f"services:\n  api:\n    build: .\n    image: {lost}\n  web:\n    build: .\n    image: {kept}\n"
    )
    tag(engine, lost, kept)

    failed = crank("push", env=environ)

    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    last = failed.stderr.splitlines()[-1]
    assert last.startswith(f"crank: error: service api: could not push image {lost} (")
    assert last.endswith(f"Check that the registry {dead} is reachable and that the engine is logged in to it "
                         f"(`{engine.name} login {dead}`), or add --ignore-push-failures to push the other images anyway")
    # The first failure stops the push, as it stops docker compose's.
    assert registry.manifests == {}

    ignored = crank("push", "-q", "--ignore-push-failures", env=environ)

    assert ignored.returncode == 0, ignored.stderr
    lines = ignored.stderr.splitlines()
    assert len(lines) == 1, ignored.stderr
    assert lines[0].startswith(f"crank: warning: service api: could not push image {lost} (")
    assert "connection refused" in lines[0]
    assert (f"{crank.project}/web", "1.0") in registry.manifests


def test_push_dry_run_and_json(engine: Engine, registry: Registry,
                                        pushing: tuple[Crank, dict[str, str], str]) -> None:
    crank, environ, _ = pushing
    image = f"{registry.address}/{crank.project}/web:1.0"
    (crank.folder / "compose.yaml").write_text(f"services:\n  web:\n    build: .\n    image: {image}\n")
    tag(engine, image)

    planned = crank("push", "--dry-run", env=environ)

    assert planned.returncode == 0, planned.stderr
    assert planned.stdout == f"{engine.name} push {image}\n"
    assert registry.requests == []

    result = crank("--progress", "json", "push", env=environ)

    assert result.returncode == 0, result.stderr
    statuses = [record.get("status") for record in map(json.loads, result.stderr.splitlines())]
    assert statuses[0] == "pushing"
    assert statuses[-1] == "pushed"
    assert (f"{crank.project}/web", "1.0") in registry.manifests


def test_build_push_and_dependencies(engine: Engine, registry: Registry,
                                     pushing: tuple[Crank, dict[str, str], str]) -> None:
    crank, environ, _ = pushing
    repository = f"{crank.project}/app"
    image = f"{registry.address}/{repository}:1"
    base = f"localhost/{crank.project}/base:1"
    (crank.folder / "compose.yaml").write_text(
        f"services:\n"
        f"  base:\n    build: .\n    image: {base}\n"
        f"  app:\n    build: .\n    image: {image}\n    depends_on: [base]\n"
    )

    result = crank("build", "-q", "--with-dependencies", "--push", "-m", "64m", "app", env=environ)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""
    # base was built as app's dependency, and only app's image went to this registry.
    assert engine.client("image", "inspect", base, check=False).returncode == 0
    assert (repository, "1") in registry.manifests
    assert {key[0] for key in registry.manifests} == {repository}
