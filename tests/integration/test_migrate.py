"""`crank migrate`, live between Docker and Podman in both directions.

Each test needs both engines. A project gets a published port and a volume containing files of
several owners and modes, a symlink and a file its service writes, and the tests check that
after the move the port responds from the target, every file of the volume is the same and
the source has no container of the project left.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.operations.migrate import Engines, MigrateOptions, hostcopy, migrate, recover
from crank_cli.operations.migrate.volumes import VolumePasses
from tests.integration.conftest import TEST_IMAGE, Crank, Engine, compose_tool, free_port, live_engine
from tests.integration.test_end_to_end import http_get

DIRECTIONS = [pytest.param(("docker", "podman"), id="docker-to-podman"),
              pytest.param(("podman", "docker"), id="podman-to-docker")]

# The service writes its hostname (the container's short ID on both engines) into the page,
# and a file into the volume once, so the page shows which container responds.
WEB_COMMAND = (
    "trap 'exit 0' TERM; mkdir -p /www && hostname > /www/index.html"
    " && { [ -f /data/by-service ] || echo written by the service > /data/by-service; }"
    " && httpd -f -p 80 -h /www & wait"
)
# The same, but the service takes 3 s to stop, so an interrupt can come during the stop.
SLOW_STOP_COMMAND = WEB_COMMAND.replace("trap 'exit 0' TERM", "trap 'sleep 3; exit 0' TERM")
# The same, but the service also writes to the volume when it stops, after the first pass.
NOTING_COMMAND = WEB_COMMAND.replace("trap 'exit 0' TERM", "trap 'echo stopped >> /data/by-service; exit 0' TERM")

# Files of several owners and modes, a directory with its own owner, and symlinks.
SEED_SCRIPT = """
set -e
mkdir -p /data/docs/deep
echo root file > /data/root-file
echo secret > /data/docs/secret && chown 1000:1000 /data/docs/secret && chmod 600 /data/docs/secret
echo web > /data/docs/deep/page && chown 33:33 /data/docs/deep/page && chmod 640 /data/docs/deep/page
echo tool > /data/tool && chmod 4755 /data/tool
chown 2000:3000 /data/docs/deep && chmod 2770 /data/docs/deep
ln -s docs/deep/page /data/link-to-page
ln -s /nowhere /data/dangling
"""

# One line per path: name, type, mode, owner, size, SHA-256 and symlink target.
MANIFEST_SCRIPT = """
cd /data
find . | sort | while read -r path; do
  line=$(stat -c '%n|%F|%a|%u|%g|%s' "$path")
  if [ -L "$path" ]; then line="$line|$(readlink "$path")"
  elif [ -f "$path" ]; then line="$line|$(sha256sum "$path" | cut -d' ' -f1)"; fi
  echo "$line"
done
"""


def project_image(project: str) -> str:
    """Return the name under which a test project runs the test image.

    A migration points the service's image name on the target at the source's image. The
    projects use a name of their own, which the `pair` fixture tags on the source only, so
    they never move the shared test image's name on the target.
    """
    return f"localhost/{project}-web:1"


def write_project(folder: Path, project: str, port: int, command: str = WEB_COMMAND) -> None:
    (folder / "compose.yaml").write_text(
        f"""
name: {project}
services:
  web:
    image: {project_image(project)}
    command: ["sh", "-c", "{command}"]
    ports:
      - "127.0.0.1:{port}:80"
    volumes:
      - data:/data
volumes:
  data:
"""
    )


def volume_manifest(engine: Engine, volume: str) -> list[str]:
    result = engine.client("run", "--rm", "-v", f"{volume}:/data:ro", TEST_IMAGE, "sh", "-c", MANIFEST_SCRIPT)
    return result.stdout.splitlines()


def seed_volume(engine: Engine, volume: str, script: str = SEED_SCRIPT) -> None:
    engine.client("run", "--rm", "-v", f"{volume}:/data", TEST_IMAGE, "sh", "-c", script)


def container_short_ids(engine: Engine, project: str) -> list[str]:
    listed = engine.client("ps", "-q", "--filter", f"label=io.crank.project={project}")
    return [line[:12] for line in listed.stdout.split()]


class Pair:
    """A project folder that can run on a source and a target engine."""

    def __init__(self, source: Engine, target: Engine, folder: Path, name: str) -> None:
        self.source, self.target = source, target
        self.name = name
        self.folder = folder
        self.crank = Crank(folder, source.name, name)
        self.volume = f"{name}_data"
        self.image = project_image(name)

    def migrate(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.crank("migrate", "--to", self.target.name, *args, timeout=timeout)

    def remove(self) -> None:
        for engine in (self.source, self.target):
            engine.remove_project(self.name)
            foreign = engine.client("ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={self.name}")
            if foreign.stdout.split():
                engine.client("rm", "-f", *foreign.stdout.split(), check=False)
            engine.client("network", "rm", f"{self.name}_default", check=False)
            engine.client("volume", "rm", "-f", self.volume, check=False)
            engine.client("rmi", self.image, check=False)


def make_pair(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> Pair:
    """Return a project folder for the direction in `request.param`, with its image tagged on the source."""
    source_name, target_name = request.param
    # CRANK_TEST_PREFIX replaces the prefix, so runs that share an engine can tell their objects apart.
    name = f"{os.environ.get('CRANK_TEST_PREFIX') or prefix}-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    project = Pair(live_engine(source_name), live_engine(target_name), folder, name)
    project.source.client("tag", TEST_IMAGE, project.image)
    return project


@pytest.fixture(params=DIRECTIONS)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    project = make_pair(request, tmp_path, "crank-mig")
    yield project
    project.remove()


def start_seeded(pair: Pair, port: int, *args: str) -> list[str]:
    """Start the project on the source, fill its volume and return the volume's manifest."""
    started = pair.crank(*args, "up", "-d")
    assert started.returncode == 0, started.stderr
    http_get(port)
    seed_volume(pair.source, pair.volume)
    return volume_manifest(pair.source, pair.volume)


def test_migrate_moves_port_and_volume(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port, NOTING_COMMAND)
    before = start_seeded(pair, port)
    assert any(line.startswith("./by-service|") for line in before)

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert "1 path changed and 0 deleted since the first pass" in result.stderr
    assert "manifests match" in result.stderr
    assert "downtime: " in result.stdout
    target_ids = container_short_ids(pair.target, pair.name)
    assert len(target_ids) == 1
    assert http_get(port).strip() == target_ids[0]
    # The source's volume stays behind, as it was when the service stopped.
    after_stop = volume_manifest(pair.source, pair.volume)
    assert after_stop != before
    assert volume_manifest(pair.target, pair.volume) == after_stop
    written = pair.target.client("exec", f"{pair.name}-web-1", "cat", "/data/by-service").stdout
    assert written == "written by the service\nstopped\n"
    assert pair.source.objects(pair.name)["containers"] == []
    status = pair.crank("status", "--format", "json", env={"CRANK_CONTAINER_RUNTIME": "auto"})
    assert status.returncode == 0, status.stderr
    rows = json.loads(status.stdout)
    assert [(row["service"], row["runtime"], row["state"]) for row in rows] == [("web", pair.target.name, "running")]
    # The hash index of the host copy is stored next to the record, readable by its owner only.
    hashes = next((pair.folder / ".crank" / "migrations").glob("*.hashes"))
    assert hashes.stat().st_mode & 0o777 == 0o600
    index = json.loads(hashes.read_text())[pair.volume]
    assert "by-service" in index["source"]
    assert index["source"]["by-service"][4] == index["target"]["by-service"][4]


def test_failed_verification_restores_source(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    before = start_seeded(pair, port, "-f", "compose.yaml")
    source_ids = container_short_ids(pair.source, pair.name)
    (pair.folder / "compose.override.yaml").write_text(
        """
services:
  web:
    healthcheck:
      test: ["CMD-SHELL", "test -f /data/never-there"]
      interval: 1s
      retries: 1
"""
    )

    result = pair.migrate("--verify-timeout", "60")

    assert result.returncode == 5, result.stderr
    assert "test -f /data/never-there" in result.stderr
    assert "undoing the changes" in result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.startswith(f"crank: error: the migration to {pair.target.name} failed and was undone, so the "
                            f"project is back on {pair.source.name} with its data: ")
    assert container_short_ids(pair.source, pair.name) == source_ids
    assert http_get(port).strip() == source_ids[0]
    assert volume_manifest(pair.source, pair.volume) == before
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


def test_slow_check_fails_verification(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    started = pair.crank("-f", "compose.yaml", "up", "-d")
    assert started.returncode == 0, started.stderr
    source_ids = container_short_ids(pair.source, pair.name)
    (pair.folder / "compose.override.yaml").write_text(
        """
services:
  web:
    healthcheck:
      test: ["CMD-SHELL", "sleep 60"]
      timeout: 1s
      interval: 1s
      retries: 2
"""
    )

    # Podman 4.3 runs a check to its end, so before crank ended it the first check took a minute.
    result = pair.migrate("--verify-timeout", "60", timeout=50)

    assert result.returncode == 5, result.stderr
    assert f"service web ({pair.name}-web-1) is unhealthy on {pair.target.name}" in result.stderr
    assert container_short_ids(pair.source, pair.name) == source_ids
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


# Twenty more files, so the host copy can fail after some of them and before the rest.
MANY_FILES_SCRIPT = "mkdir /data/many && for i in $(seq 1 20); do echo file $i > /data/many/$i; done"
COPIED_BEFORE_FAILURE = 10


class RecordedEvents:
    """Events of an in-process migration, as `subject: status` lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def emit(self, subject: str, status: str) -> None:
        self.lines.append(f"{subject}: {status}")


def test_failed_host_copy_falls_back(pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    # The migration runs in this process, so the host copy can be made to fail part way. After
    # COPIED_BEFORE_FAILURE files it leaves a cut-off file and fails, as a full disk would.
    port = free_port()
    write_project(pair.folder, pair.name, port, NOTING_COMMAND)
    start_seeded(pair, port)
    seed_volume(pair.source, pair.volume, MANY_FILES_SCRIPT)
    before = volume_manifest(pair.source, pair.volume)
    real_copy = hostcopy._Writer._copy_content
    copied: list[str] = []

    def copy_then_fail(writer: hostcopy._Writer, path: str, node: hostcopy.Node) -> tuple[str, bool]:
        if len(copied) == COPIED_BEFORE_FAILURE:
            (writer.target / path).write_bytes(b"cut off")
            raise hostcopy.HostCopyError(errno.ENOSPC, f"cannot copy the file at {writer.target / path}: "
                                                       "No space left on device")
        copied.append(path)
        return real_copy(writer, path, node)

    real_final_pass = VolumePasses.final_pass
    after_first_pass: list[str] = []

    def read_copy_then_final_pass(passes: VolumePasses, volume: str) -> None:
        after_first_pass.extend(volume_manifest(pair.target, volume))
        real_final_pass(passes, volume)

    monkeypatch.setattr(hostcopy._Writer, "_copy_content", copy_then_fail)
    monkeypatch.setattr(VolumePasses, "final_pass", read_copy_then_final_pass)
    project = load_project(LoadOptions(working_dir=pair.folder, environ=dict(os.environ)))
    events = RecordedEvents()

    result = migrate(project, Engines(source=pair.source.backend, target=pair.target.backend), MigrateOptions(),
                     events)

    assert len(copied) == COPIED_BEFORE_FAILURE
    fallback = [line for line in events.lines if line.startswith(f"volume {pair.volume}: the host copy failed: ")]
    assert len(fallback) == 1, events.lines
    assert "cannot copy the file at " in fallback[0]
    assert fallback[0].endswith("; copying through helper containers")
    assert any(line.startswith(f"volume {pair.volume}: first pass (helper containers)") for line in events.lines)
    assert any(line.startswith(f"volume {pair.volume}: final pass (helper containers)") for line in events.lines)
    assert result.record is not None
    assert result.record.document["volume_methods"][pair.volume]["method"] == "containers"
    # The first pass, through helper containers after the failure, made a full copy by itself.
    assert after_first_pass == before
    # The source's volume stays behind as it was when the service stopped, and the copy matches it.
    after_stop = volume_manifest(pair.source, pair.volume)
    unchanged = [line for line in after_stop if not line.startswith("./by-service|")]
    assert unchanged == [line for line in before if not line.startswith("./by-service|")]
    assert len([line for line in after_stop if line.startswith("./many/")]) == 20
    assert volume_manifest(pair.target, pair.volume) == after_stop
    written = pair.target.client("exec", f"{pair.name}-web-1", "cat", "/data/by-service").stdout
    assert written == "written by the service\nstopped\n"
    assert http_get(port).strip() == container_short_ids(pair.target, pair.name)[0]


def test_rollback_brings_back_new_data(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    assert pair.migrate().returncode == 0
    seed_volume(pair.target, pair.volume, "echo after the move > /data/new-on-target")
    moved = volume_manifest(pair.target, pair.volume)

    result = pair.crank("migrate", "--rollback")

    assert result.returncode == 0, result.stderr
    assert "copied back on the host: 1 path changed and 0 deleted since the migration" in result.stderr
    source_ids = container_short_ids(pair.source, pair.name)
    assert len(source_ids) == 1
    assert http_get(port).strip() == source_ids[0]
    assert volume_manifest(pair.source, pair.volume) == moved
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}


def test_rollback_rejected_after_target_down_volumes(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    assert pair.migrate().returncode == 0
    removed = pair.crank("--runtime", pair.target.name, "down", "-v")
    assert removed.returncode == 0, removed.stderr
    assert "can no longer be rolled back" in removed.stderr
    # A project started afresh on the target is not the migration's, so no rollback moves it.
    started = pair.crank("--runtime", pair.target.name, "up", "-d")
    assert started.returncode == 0, started.stderr

    result = pair.crank("migrate", "--rollback")

    assert result.returncode == 2, result.stderr
    assert "cannot be rolled back: `down --volumes` removed the project" in result.stderr
    assert len(container_short_ids(pair.target, pair.name)) == 1
    assert container_short_ids(pair.source, pair.name) == []


@pytest.mark.parametrize("pair", [DIRECTIONS[0]], indirect=True)
def test_auto_up_after_down_rejects_older_copies(pair: Pair) -> None:
    # Runtime auto takes docker, the first engine, for a project that has no containers, and
    # docker still has the volume copy from before the migration to podman.
    auto = {"CRANK_CONTAINER_RUNTIME": "auto"}
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    assert pair.migrate().returncode == 0
    removed = pair.crank("down", env=auto)
    assert removed.returncode == 0, removed.stderr

    started = pair.crank("up", "-d", env=auto)

    assert started.returncode == 2, started.stderr
    assert "its last migration moved it to podman" in started.stderr
    assert "`crank --runtime podman up`" in started.stderr
    assert pair.source.objects(pair.name)["containers"] == []
    assert pair.target.objects(pair.name)["containers"] == []


def test_second_migrate_waits_for_first(pair: Pair) -> None:
    port = free_port()
    # The 3 s stop keeps the first migration running while the second starts.
    write_project(pair.folder, pair.name, port, SLOW_STOP_COMMAND)
    start_seeded(pair, port)
    first = pair.crank.start("migrate", "--to", pair.target.name)
    records = pair.folder / ".crank" / "migrations"
    deadline = time.monotonic() + 60
    while not any(records.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)

    second = pair.migrate()

    _, first_errors = first.communicate(timeout=300)
    assert first.returncode == 0, first_errors
    assert "waiting for it to finish" in second.stderr
    assert "undid" not in second.stderr
    assert second.returncode == 2, second.stderr
    assert "already runs on" in second.stderr
    assert len(container_short_ids(pair.target, pair.name)) == 1
    [record] = records.glob("*.json")
    assert json.loads(record.read_text())["status"] == "done"


def engine_state(engine: Engine, project: str) -> dict[str, list[str]]:
    """Return what a dry run could change: images, and the project's and helpers' objects."""
    def lines(*args: str) -> list[str]:
        return sorted(engine.client(*args).stdout.splitlines())

    helper = "label=io.crank.migration-helper"
    return {
        "images": lines("images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}"),
        "containers": [line for line in lines("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}")
                       if project in line] + lines("ps", "-a", "-q", "--filter", helper),
        "volumes": [line for line in lines("volume", "ls", "--format", "{{.Name}}") if project in line],
        "networks": [line for line in lines("network", "ls", "--format", "{{.Name}}") if project in line],
    }


def test_dry_run_changes_nothing(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    before = (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name))

    result = pair.migrate("--dry-run")
    as_json = pair.migrate("--dry-run", "--format", "json")

    assert result.returncode == 0, result.stderr
    assert f"migrate project {pair.name} (started by crank) from {pair.source.name} to {pair.target.name}" in result.stdout
    assert f"  {pair.volume}: copy " in result.stdout
    assert ", on the host, between the volume folders" in result.stdout
    assert f"stop on {pair.source.name}: {pair.name}-web-1" in result.stdout
    assert as_json.returncode == 0, as_json.stderr
    plan = json.loads(as_json.stdout)["plan"]
    assert [(volume["name"], volume["method"]) for volume in plan["volumes"]] == [(pair.volume, "host")]
    assert [container["name"] for container in plan["containers"]] == [f"{pair.name}-web-1"]
    assert plan["findings"] == []
    assert (engine_state(pair.source, pair.name), engine_state(pair.target, pair.name)) == before
    assert not (pair.folder / ".crank").exists()


def test_killed_migration_recovers_on_rerun(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    # Enough data that the volume copy takes a moment to interrupt.
    seed_volume(pair.source, pair.volume, "dd if=/dev/urandom of=/data/big bs=1M count=256 2>/dev/null")
    before = volume_manifest(pair.source, pair.volume)
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": pair.source.name}
    process = subprocess.Popen(
        [sys.executable, "-m", "crank_cli", "migrate", "--to", pair.target.name],
        cwd=pair.folder, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "copy volumes, first pass" in line:
            break
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    record = json.loads(next((pair.folder / ".crank" / "migrations").glob("*.json")).read_text())
    assert record["status"] == "running"
    # A killed crank leaves its helper containers running. Whether one still runs when the
    # rerun starts depends on timing, so the test starts one that mounts the target volume.
    deadline = time.monotonic() + 10
    while pair.target.client("volume", "inspect", pair.volume, check=False).returncode != 0:
        assert time.monotonic() < deadline, f"the migration never created {pair.volume} on {pair.target.name}"
        time.sleep(0.1)
    pair.target.client("run", "-d", "--label", f"io.crank.migration-helper={record['id']}",
                       "-v", f"{pair.volume}:/data", TEST_IMAGE, "sleep", "600")

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert "found an unfinished migration" in result.stderr
    target_ids = container_short_ids(pair.target, pair.name)
    assert len(target_ids) == 1
    assert http_get(port).strip() == target_ids[0]
    assert volume_manifest(pair.target, pair.volume) == before
    assert pair.source.objects(pair.name)["containers"] == []


def test_killed_source_removal_finishes_on_rerun(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    before = start_seeded(pair, port)
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": pair.source.name}
    process = subprocess.Popen(
        [sys.executable, "-m", "crank_cli", "migrate", "--to", pair.target.name],
        cwd=pair.folder, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if f"remove the containers on {pair.source.name}" in line:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    record = json.loads(next((pair.folder / ".crank" / "migrations").glob("*.json")).read_text())
    assert record["status"] == "running"
    assert record["step"] == "verified"
    # The dry run agrees with the real run below: the project ends on the target.
    planned = pair.migrate("--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "an unfinished migration is recorded" in planned.stderr
    assert f"that leaves the project on {pair.target.name}, so a real run has nothing else to move" in planned.stderr

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert f"finished the interrupted migration to {pair.target.name}" in result.stderr
    assert "already runs on" not in result.stderr
    target_ids = container_short_ids(pair.target, pair.name)
    assert len(target_ids) == 1
    assert http_get(port).strip() == target_ids[0]
    assert volume_manifest(pair.target, pair.volume) == before
    assert pair.source.objects(pair.name)["containers"] == []


def test_recovery_waits_for_orphaned_stop(pair: Pair) -> None:
    # The service takes 5 s to stop, and crank is killed early in its cut-over. The stop goes on
    # without it: a `podman stop` process keeps running, and dockerd finishes the request of a
    # client that is gone. Docker shows the container as `running` until it exits.
    port = free_port()
    write_project(pair.folder, pair.name, port, WEB_COMMAND.replace("trap 'exit 0' TERM", "trap 'sleep 5; exit 0' TERM"))
    start_seeded(pair, port)
    container = f"{pair.name}-web-1"
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": pair.source.name}
    process = subprocess.Popen(
        [sys.executable, "-m", "crank_cli", "migrate", "--to", pair.target.name],
        cwd=pair.folder, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "cut-over: stop" in line:
            break
    stop_began = time.monotonic()
    time.sleep(0.5)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert container_status(pair.source, container) in ("running", "stopping")
    project = load_project(LoadOptions(working_dir=pair.folder, environ=dict(os.environ)))
    backends = {pair.source.name: pair.source.backend, pair.target.name: pair.target.backend}
    events = RecordedEvents()

    outcome = recover(project, backends.__getitem__, events)

    assert outcome == f"undid the interrupted migration to {pair.target.name}; the project runs on {pair.source.name}"
    # Once the stop that the killed crank began would have ended, the container still runs.
    time.sleep(max(0.0, stop_began + 7 - time.monotonic()))
    assert container_status(pair.source, container) == "running"
    assert http_get(port).strip() == container_short_ids(pair.source, pair.name)[0]
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}
    finishing = f"migration: finishing the stop of {container} on {pair.source.name}, which an interrupted migration left unfinished"
    assert finishing in events.lines


# The service ignores SIGTERM, so a `podman stop` killed before its timeout leaves the
# container in Podman's `stopping` state for good. A 1 s grace period keeps the next stop short.
IGNORING_TERM_COMMAND = WEB_COMMAND.replace("trap 'exit 0' TERM", "trap '' TERM")
ONE_SECOND_GRACE = """
services:
  web:
    stop_grace_period: 1s
"""


def container_status(engine: Engine, name: str) -> str:
    return engine.client("inspect", "--format", "{{.State.Status}}", name).stdout.strip()


def kill_with_children(process: subprocess.Popen[str]) -> None:
    """Kill a crank process and the engine commands it started, as killing its cgroup would."""
    listed = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False)
    process.send_signal(signal.SIGKILL)
    process.wait()
    for child in listed.stdout.split():
        try:
            os.kill(int(child), signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("pair", [DIRECTIONS[1]], indirect=True)
def test_killed_podman_stop_recovers_on_rerun(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port, IGNORING_TERM_COMMAND)
    (pair.folder / "compose.override.yaml").write_text(ONE_SECOND_GRACE)
    before = start_seeded(pair, port)
    container = f"{pair.name}-web-1"
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": pair.source.name}
    process = subprocess.Popen(
        [sys.executable, "-m", "crank_cli", "migrate", "--to", pair.target.name],
        cwd=pair.folder, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "cut-over: stop" in line:
            break
    deadline = time.monotonic() + 10
    while container_status(pair.source, container) != "stopping":
        assert time.monotonic() < deadline, f"{container} never reached the stopping state"
        time.sleep(0.05)
    kill_with_children(process)
    time.sleep(2)
    # With its stop killed, the container stays `stopping`, where `podman start` rejects it.
    assert container_status(pair.source, container) == "stopping"

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert "found an unfinished migration" in result.stderr
    assert f"finishing the stop of {container} on podman" in result.stderr
    target_ids = container_short_ids(pair.target, pair.name)
    assert len(target_ids) == 1
    assert http_get(port).strip() == target_ids[0]
    assert volume_manifest(pair.target, pair.volume) == before
    assert pair.source.objects(pair.name)["containers"] == []


def test_project_of_compose_tool_moves(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    started = subprocess.run([*compose_tool(pair.source.name), "up", "-d"], cwd=pair.folder,
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    http_get(port)
    seed_volume(pair.source, pair.volume)
    before = volume_manifest(pair.source, pair.volume)
    tool = "docker compose" if pair.source.name == "docker" else "podman-compose"

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    target_ids = container_short_ids(pair.target, pair.name)
    assert len(target_ids) == 1
    assert http_get(port).strip() == target_ids[0]
    assert volume_manifest(pair.target, pair.volume) == before
    left = pair.source.client("ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={pair.name}")
    assert left.stdout.split() == []
    record = json.loads(next((pair.folder / ".crank" / "migrations").glob("*.json")).read_text())
    assert record["plan"]["started_by"] == tool


# The final copy is short, so its interrupt comes at once; the stop lasts 3 s, so 0.5 s in.
@pytest.mark.parametrize(("step", "command", "delay"), [("copy volumes, final pass", WEB_COMMAND, 0.0),
                                                       ("cut-over: stop", SLOW_STOP_COMMAND, 0.5)],
                         ids=["final-copy", "stop"])
def test_interrupt_restores_source(pair: Pair, step: str, command: str, delay: float) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port, command)
    before = start_seeded(pair, port)
    source_ids = container_short_ids(pair.source, pair.name)
    environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": pair.source.name}
    process = subprocess.Popen(
        [sys.executable, "-m", "crank_cli", "migrate", "--to", pair.target.name],
        cwd=pair.folder, env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if step in line:
            break
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    code = process.wait(timeout=120)

    assert code == 130, rest
    assert "undoing the changes" in rest
    assert container_short_ids(pair.source, pair.name) == source_ids
    assert http_get(port).strip() == source_ids[0]
    assert volume_manifest(pair.source, pair.volume) == before
    assert pair.target.objects(pair.name) == {"containers": [], "networks": [], "volumes": []}
    record = json.loads(next((pair.folder / ".crank" / "migrations").glob("*.json")).read_text())
    assert record["status"] == "undone"


def posix_acl(*entries: tuple[int, int, int]) -> bytes:
    """Encode a POSIX ACL as the kernel stores it in `system.posix_acl_*` attributes (version 2)."""
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, perm, qualifier) for tag, perm, qualifier in entries)


NO_ID = 0xFFFFFFFF
# user::rw-, user:1234:r--, group::r--, mask::r--, other::---
FILE_ACL = posix_acl((0x01, 6, NO_ID), (0x02, 4, 1234), (0x04, 4, NO_ID), (0x10, 4, NO_ID), (0x20, 0, NO_ID))
# The default ACL of a folder: user::rwx, group:4321:r-x, group::r-x, mask::r-x, other::---
FOLDER_ACL = posix_acl((0x01, 7, NO_ID), (0x04, 5, NO_ID), (0x08, 5, 4321), (0x10, 5, NO_ID), (0x20, 0, NO_ID))


def volume_folder(engine: Engine, volume: str) -> Path:
    listed = json.loads(engine.client("volume", "inspect", volume).stdout)
    return Path(listed[0]["Mountpoint"])


def attributes(folder: Path) -> dict[str, dict[str, bytes]]:
    """Return every extended attribute below a folder, by relative path."""
    found = {}
    for path in sorted([folder, *folder.rglob("*")]):
        names = os.listxattr(path, follow_symlinks=False)
        found[str(path.relative_to(folder))] = {name: os.getxattr(path, name, follow_symlinks=False) for name in names}
    return found


def test_xattrs_and_acls_arrive(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    start_seeded(pair, port)
    folder = volume_folder(pair.source, pair.volume)
    os.setxattr(folder / "root-file", "user.origin", b"seeded on the source")
    os.setxattr(folder / "docs" / "secret", "system.posix_acl_access", FILE_ACL)
    os.setxattr(folder / "docs" / "deep", "system.posix_acl_default", FOLDER_ACL)
    os.setxattr(folder / "docs" / "deep", "user.empty", b"")
    before = attributes(folder)
    manifest = volume_manifest(pair.source, pair.volume)

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert "copy on the host, between the volume folders" in result.stderr
    assert "BusyBox tar" not in result.stderr
    after = attributes(volume_folder(pair.target, pair.volume))
    assert after["root-file"] == {"user.origin": b"seeded on the source"}
    assert after["docs/secret"] == {"system.posix_acl_access": FILE_ACL}
    assert after["docs/deep"] == {"system.posix_acl_default": FOLDER_ACL, "user.empty": b""}
    assert after == before
    assert volume_manifest(pair.target, pair.volume) == manifest


def test_bind_option_volume_uses_helper_containers(pair: Pair) -> None:
    port = free_port()
    write_project(pair.folder, pair.name, port)
    data = pair.folder / "data"
    data.mkdir()
    with (pair.folder / "compose.yaml").open("a") as compose:
        compose.write(f"    driver_opts:\n      type: none\n      o: bind\n      device: {data}\n")
    before = start_seeded(pair, port)

    result = pair.migrate()

    assert result.returncode == 0, result.stderr
    assert f"volume {pair.volume}: copy through helper containers (volume {pair.volume} on {pair.source.name} has driver options" in result.stderr
    assert "final pass (helper containers)" in result.stderr
    assert "unchanged since the first pass" in result.stderr
    assert f"finding: migration: volume {pair.volume}: helper containers copy this volume with the BusyBox tar" in result.stderr
    assert volume_manifest(pair.target, pair.volume) == before
    assert http_get(port).strip() == container_short_ids(pair.target, pair.name)[0]


def write_two_tier_project(folder: Path, project: str, port: int) -> None:
    """An api service and a web service that depends on it; only web has a volume and a port."""
    idle = "trap 'exit 0' TERM; while true; do sleep 1; done"
    (folder / "compose.yaml").write_text(
        f"""
name: {project}
services:
  api:
    image: {project_image(project)}
    command: ["sh", "-c", "{idle}"]
  web:
    image: {project_image(project)}
    command: ["sh", "-c", "{WEB_COMMAND}"]
    depends_on: [api]
    ports:
      - "127.0.0.1:{port}:80"
    volumes:
      - data:/data
volumes:
  data:
"""
    )


def test_per_service_cut_over(pair: Pair) -> None:
    port = free_port()
    write_two_tier_project(pair.folder, pair.name, port)
    before = start_seeded(pair, port)

    rejected = pair.migrate("api")
    strict = pair.migrate("--strict", "web")
    planned = pair.migrate("--dry-run", "--format", "json", "web")
    result = pair.migrate("web")

    assert rejected.returncode == 2
    assert "web depends on api" in rejected.stderr
    assert strict.returncode == 2
    assert "--strict makes every finding an error: migration: services.web.depends_on.api: api stays on" in strict.stderr
    assert planned.returncode == 0, planned.stderr
    findings = json.loads(planned.stdout)["plan"]["findings"]
    assert [(f["level"], f["service"], f["key"], f["blocking"]) for f in findings] == [
        ("migration", "web", "services.web.depends_on.api", False)]
    assert result.returncode == 0, result.stderr
    assert pair.source.objects(pair.name)["containers"] == [f"{pair.name}-api-1"]
    assert pair.target.objects(pair.name)["containers"] == [f"{pair.name}-web-1"]
    assert http_get(port).strip() == container_short_ids(pair.target, pair.name)[0]
    assert volume_manifest(pair.target, pair.volume) == before
    status = pair.crank("status", "--format", "json", env={"CRANK_CONTAINER_RUNTIME": "auto"})
    rows = json.loads(status.stdout)
    assert [(row["service"], row["runtime"]) for row in rows] == [("api", pair.source.name), ("web", pair.target.name)]


@pytest.fixture(params=DIRECTIONS)
def migfix_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    project = make_pair(request, tmp_path, "migfix")
    yield project
    project.remove()


def build_labelled_image(engine: Engine, tag: str) -> str:
    """Build an image other than the test image under `tag` and return its ID."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nLABEL migfix.owner=target\n")
        env = {**os.environ, "DOCKER_BUILDKIT": "0"}
        subprocess.run([engine.name, "build", "-q", "-t", tag, folder], check=True, env=env, capture_output=True)
    return engine.client("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()


def image_id(engine: Engine, reference: str) -> str:
    return engine.client("image", "inspect", "--format", "{{.Id}}", reference).stdout.strip().removeprefix("sha256:")


def test_existing_tag_and_volume_block(migfix_pair: Pair) -> None:
    pair = migfix_pair
    port = free_port()
    write_project(pair.folder, pair.name, port)
    # The target has its own image under the service's image name, and a volume of the project.
    target_image = build_labelled_image(pair.target, pair.image)
    pair.target.client("volume", "create", "--label", f"io.crank.project={pair.name}", pair.volume)
    seed_volume(pair.target, pair.volume, "echo kept on the target > /data/target-file")
    try:
        start_seeded(pair, port)
        target_before = volume_manifest(pair.target, pair.volume)
        source_ids = container_short_ids(pair.source, pair.name)

        refused = pair.migrate()

        assert refused.returncode == 2, refused.stderr
        assert "these findings block the migration" in refused.stderr
        assert f"{pair.image} names image {target_image.removeprefix('sha256:')[:12]} on {pair.target.name}" in refused.stderr
        assert f"volume {pair.volume} already exists on {pair.target.name}" in refused.stderr
        assert "pass --replace-existing" in refused.stderr
        assert image_id(pair.target, pair.image) == target_image.removeprefix("sha256:")
        assert volume_manifest(pair.target, pair.volume) == target_before
        assert pair.target.objects(pair.name)["containers"] == []
        assert container_short_ids(pair.source, pair.name) == source_ids
        assert not (pair.folder / ".crank").exists()

        replaced = pair.migrate("--replace-existing")

        assert replaced.returncode == 0, replaced.stderr
        assert volume_manifest(pair.target, pair.volume) == volume_manifest(pair.source, pair.volume)
        assert image_id(pair.target, pair.image) == image_id(pair.source, pair.image)
    finally:
        pair.target.client("rmi", target_image, check=False)
