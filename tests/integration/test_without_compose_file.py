"""Verbs given only -p, in a folder without a compose file, live on each engine.

crank then finds the project's containers by their labels, as docker compose does, and
orders them by the `depends_on` that each container's labels record.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE = "trap 'exit 0' TERM; echo {service} up; while true; do sleep 0.2; done"
CHAIN = "services:\n" + "".join(
    f"  {service}:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE.format(service=service)}\"]\n"
    + (f"    depends_on: [{dependency}]\n" if dependency else "")
    for service, dependency in (("db", None), ("api", "db"), ("web", "api"))
)


@contextmanager
def started_elsewhere(engine: Engine, tmp_path: Path, name: str, compose: str,
                      files: dict[str, str] | None = None) -> Iterator[Crank]:
    """Start project `name` from a folder with this compose file and `files`, and return crank in an empty folder."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "compose.yaml").write_text(compose)
    for path, text in (files or {}).items():
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(text)
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        started = Crank(source, engine.name, name)("-p", name, "up", "-d")
        assert started.returncode == 0, started.stderr
        yield Crank(empty, engine.name, name)
    finally:
        engine.remove_project(name)


@pytest.fixture
def elsewhere(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """Crank in an empty folder, for a running project db <- api <- web started from another folder."""
    with started_elsewhere(engine, tmp_path, f"fixb-{secrets.token_hex(4)}", CHAIN) as crank:
        yield crank


def removed_containers(engine: Engine, output: str) -> list[list[str]]:
    """Return the containers of each `rm` command that a dry run printed, in order."""
    prefix = f"{engine.name} rm "
    return [[word for word in line.split()[2:] if not word.startswith("-")]
            for line in output.splitlines() if line.startswith(prefix)]


def test_down_dry_run_stops_dependents_first(engine: Engine, elsewhere: Crank) -> None:
    name = elsewhere.project

    result = elsewhere("-p", name, "down", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert removed_containers(engine, result.stdout) == [[f"{name}-web-1"], [f"{name}-api-1"], [f"{name}-db-1"]]


def progress_subjects(stderr: str, status: str) -> list[str]:
    """Return the containers of the `--progress json` records with this status, in order."""
    records = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [record["subject"] for record in records if record.get("status") == status]


def test_logs_and_exec_by_service(elsewhere: Crank) -> None:
    name = elsewhere.project

    logs = elsewhere("-p", name, "logs", "web")
    executed = elsewhere("-p", name, "exec", "-T", "api", "sh", "-c", "echo inside; exit 3")

    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.strip() == "web-1 | web up"
    assert executed.returncode == 3, executed.stderr
    assert executed.stdout.strip() == "inside"


def test_project_name_from_environment(engine: Engine, elsewhere: Crank) -> None:
    name = elsewhere.project
    environ = {"COMPOSE_PROJECT_NAME": name}

    logs = elsewhere("logs", "db", env=environ)
    removal = elsewhere("down", "--dry-run", env=environ)

    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.strip() == "db-1 | db up"
    assert removal.returncode == 0, removal.stderr
    assert removed_containers(engine, removal.stdout) == [[f"{name}-web-1"], [f"{name}-api-1"], [f"{name}-db-1"]]


def test_project_name_from_project_directory(elsewhere: Crank, tmp_path: Path) -> None:
    name = elsewhere.project
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / ".env").write_text(f"COMPOSE_PROJECT_NAME={name}\n")
    # The current folder's .env names another project, which --project-directory overrides.
    (elsewhere.folder / ".env").write_text("COMPOSE_PROJECT_NAME=gapfix-elsewhere\n")

    logs = elsewhere("--project-directory", str(settings), "logs", "db")

    assert logs.returncode == 0, logs.stderr
    assert logs.stdout.strip() == "db-1 | db up"


def test_stop_start_restart_in_order(engine: Engine, elsewhere: Crank) -> None:
    name = elsewhere.project
    chain = [f"{name}-db-1", f"{name}-api-1", f"{name}-web-1"]

    stopped = elsewhere("-p", name, "--progress", "json", "stop")

    assert stopped.returncode == 0, stopped.stderr
    assert progress_subjects(stopped.stderr, "stopped") == chain[::-1]
    assert engine.client("ps", "-q", "--filter", f"label=io.crank.project={name}").stdout.split() == []

    started = elsewhere("-p", name, "--progress", "json", "start")

    assert started.returncode == 0, started.stderr
    # A dependency is reported started twice: once started, and once it meets its condition.
    assert list(dict.fromkeys(progress_subjects(started.stderr, "started"))) == chain

    restarted = elsewhere("-p", name, "--progress", "json", "restart")

    assert restarted.returncode == 0, restarted.stderr
    # As with docker compose, only `depends_on` entries with `restart: true` order a restart,
    # and this chain has none, so the three restart together.
    assert sorted(progress_subjects(restarted.stderr, "restarted")) == sorted(chain)


@pytest.mark.parametrize("arguments", [["logs", "nope"], ["start", "nope"], ["restart", "nope"],
                                       ["exec", "-T", "nope", "true"]])
def test_unknown_service_is_usage_error(elsewhere: Crank, arguments: list[str]) -> None:
    result = elsewhere("-p", elsewhere.project, *arguments)

    assert result.returncode == 2, result.stderr
    assert "no such service: nope" in result.stderr
    assert "api, db, web" in result.stderr


HEALTH_CHAIN = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE.format(service='db')}"]
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
  api:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE.format(service='api')}"]
    depends_on: {{db: {{condition: service_healthy}}}}
"""


def test_start_checks_health_at_recorded_interval(engine: Engine, tmp_path: Path) -> None:
    name = f"gapfix-{secrets.token_hex(4)}"
    with started_elsewhere(engine, tmp_path, name, HEALTH_CHAIN) as crank:
        label = '{{index .Config.Labels "io.crank.healthcheck-interval"}}'
        recorded = engine.client("inspect", "--format", label, f"{name}-db-1").stdout.strip()
        stopped = crank("-p", name, "stop")

        # Without the recorded 1 s interval, Podman without systemd gets db's first check
        # only after the 30 s default, so start would run past this limit.
        try:
            started = crank("-p", name, "start", timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("start waited over 20 s for db, whose healthcheck runs every 1 s")
        running = engine.client("inspect", "--format", "{{.State.Status}}", f"{name}-api-1").stdout.strip()

    assert recorded == "1s"
    assert stopped.returncode == 0, stopped.stderr
    assert started.returncode == 0, started.stderr
    assert running == "running"


# Each service builds an image of its own: crank labels each build with the project, so the
# images share no ID with other projects' images, and their Dockerfiles differ.
BUILT = """
services:
  built:
    build: ./built
    command: ["sleep", "600"]
  named:
    build: ./named
    image: localhost/{name}-named:latest
    command: ["sleep", "600"]
"""


@contextmanager
def built_elsewhere(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """Crank in an empty folder, for a running project whose two services run images it built."""
    name = f"gapfix-{secrets.token_hex(4)}"
    dockerfiles = {f"{service}/Dockerfile": f"FROM {TEST_IMAGE}\nLABEL io.crank.test.service={service}\n"
                   for service in ("built", "named")}
    try:
        with started_elsewhere(engine, tmp_path, name, BUILT.format(name=name), dockerfiles) as crank:
            yield crank
    finally:
        engine.client("rm", "-f", f"{name}-user", check=False)
        engine.client("rmi", f"{name}-built", f"localhost/{name}-named:latest", check=False)


def image_exists(engine: Engine, reference: str) -> bool:
    return engine.client("image", "inspect", reference, check=False).returncode == 0


def test_down_rmi_all_keeps_used_image(engine: Engine, tmp_path: Path) -> None:
    with built_elsewhere(engine, tmp_path) as crank:
        name = crank.project
        named = f"localhost/{name}-named:latest"
        # This container inherits the project's label from the image crank built, but it is
        # not one of the project's containers.
        engine.client("run", "-d", "--name", f"{name}-user", named, "sleep", "600")

        listed = crank("-p", name, "status", "--format", "json")
        removal = crank("-p", name, "down", "-t", "0", "--rmi", "all")

        assert listed.returncode == 0, listed.stderr
        assert f"{name}-user" not in listed.stdout
        assert removal.returncode == 0, removal.stderr
        assert not image_exists(engine, f"{name}-built")
        assert image_exists(engine, named)
        assert f"kept image {named}, because other containers use it: {name}-user" in removal.stderr
        assert engine.objects(name)["containers"] == [f"{name}-user"]


def test_down_rmi_local_without_file(engine: Engine, tmp_path: Path) -> None:
    with built_elsewhere(engine, tmp_path) as crank:
        name = crank.project

        removal = crank("-p", name, "down", "-t", "0", "--rmi", "local")

        assert removal.returncode == 0, removal.stderr
        assert "--rmi local removes no images without a compose file" in removal.stderr
        assert image_exists(engine, f"{name}-built")
        assert image_exists(engine, f"localhost/{name}-named:latest")
        assert engine.objects(name)["containers"] == []
