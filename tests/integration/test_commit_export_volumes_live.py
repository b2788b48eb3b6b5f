"""`crank commit`, `export` and `volumes` on a running project, live on each engine."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from collections.abc import Iterator

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# web runs two replicas that mount volume data. job mounts data and logs, and exits at once.
PROJECT = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    deploy: {{replicas: 2}}
    volumes: [data:/data]
  job:
    image: {TEST_IMAGE}
    command: ["true"]
    volumes: [data:/data, logs:/logs]
volumes:
  data: {{}}
  logs: {{labels: {{kind: logs}}}}
"""


@pytest.fixture(scope="module")
def running(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crank]:
    name = f"{os.environ.get('CRANK_TEST_PREFIX') or 'crank-it'}-snap-{secrets.token_hex(4)}"
    folder = tmp_path_factory.mktemp("hsnap") / name
    folder.mkdir()
    (folder / "compose.yaml").write_text(PROJECT)
    crank = Crank(folder, engine.name, name)
    try:
        started = crank("up", "-d")
        assert started.returncode == 0, started.stderr
        made = crank("exec", "-T", "--index", "2", "web", "sh", "-c", "echo second > /made")
        assert made.returncode == 0, made.stderr
        yield crank
    finally:
        engine.remove_project(name)


def test_volumes_lists_project_volumes(running: Crank) -> None:
    project = running.project
    table = running("volumes")
    names = running("volumes", "-q")
    web = running("volumes", "-q", "web")
    job = running("volumes", "-q", "job")
    document = running("volumes", "--format", "json")

    assert table.returncode == 0, table.stderr
    assert [line.split() for line in table.stdout.splitlines()] == [
        ["DRIVER", "VOLUME", "NAME"], ["local", f"{project}_data"], ["local", f"{project}_logs"]]
    assert names.stdout == f"{project}_data\n{project}_logs\n"
    assert web.stdout == f"{project}_data\n"
    # job has stopped, and a stopped container's volumes are left out, as with docker compose.
    assert (job.returncode, job.stdout) == (0, "")
    rows = json.loads(document.stdout)["volumes"]
    assert json.loads(document.stdout)["schema"] == 1
    assert [(row["name"], row["volume"], row["driver"]) for row in rows] == [
        (f"{project}_data", "data", "local"), (f"{project}_logs", "logs", "local")]
    assert rows[1]["labels"]["kind"] == "logs"
    assert all(row["mountpoint"] and row["created"] for row in rows)


def test_export_writes_container_filesystem(running: Crank) -> None:
    output = running.folder / "web.tar"
    to_file = running("export", "--index", "2", "-o", "web.tar", "web")
    # The archive on standard output is binary, which `Crank` would decode as text.
    to_stdout = subprocess.run([sys.executable, "-m", "crank_cli", "export", "web"], cwd=running.folder,
                               env=running.environ(None), capture_output=True, timeout=120)
    stopped = running("export", "job")

    assert to_file.returncode == 0, to_file.stderr
    with tarfile.open(output) as archive:
        member = archive.extractfile("made")
        assert member is not None
        assert member.read() == b"second\n"
        assert "bin/busybox" in archive.getnames()
    assert output.stat().st_mode & 0o777 == 0o600
    assert to_stdout.returncode == 0, to_stdout.stderr
    with tarfile.open(fileobj=io.BytesIO(to_stdout.stdout)) as archive:
        # Replica 1, the default, has no /made.
        assert "made" not in archive.getnames()
        assert "bin/busybox" in archive.getnames()
    assert stopped.returncode == 1
    assert stopped.stderr == "crank: error: service job has no running container: start it with crank up\n"


def test_commit_makes_image(engine: Engine, running: Crank) -> None:
    reference = f"localhost/{running.project}-snap:1"
    try:
        made = running("commit", "--index", "2", "-a", "Jane <jane@example.com>", "-m", "a note",
                       "-c", "ENV SNAPSHOT=1", "--pause=false", "web", reference)
        dry = running("commit", "--dry-run", "web", f"localhost/{running.project}-snap:dry")

        assert made.returncode == 0, made.stderr
        assert made.stdout == ""
        image_id = engine.client("image", "inspect", "--format", "{{.Id}}", reference).stdout.strip()
        assert f"committed as sha256:{image_id.removeprefix('sha256:')}" in made.stderr
        facts = engine.client("image", "inspect", "--format", "{{.Author}}|{{.Comment}}|{{json .Config.Env}}",
                              reference).stdout.strip().split("|")
        assert facts[:2] == ["Jane <jane@example.com>", "a note"]
        assert "SNAPSHOT=1" in json.loads(facts[2])
        shown = engine.client("run", "--rm", reference, "cat", "/made")
        assert shown.stdout == "second\n"
        assert dry.returncode == 0, dry.stderr
        # Podman's command also has --quiet.
        assert dry.stdout.split()[-3:] == ["--pause=true", f"{running.project}-web-1", f"localhost/{running.project}-snap:dry"]
        assert engine.client("image", "inspect", f"localhost/{running.project}-snap:dry", check=False).returncode != 0
    finally:
        engine.client("rmi", "--force", reference, check=False)
