"""Verbs given only -p, in a folder without a compose file, live on each engine.

crank then finds the project's containers by their labels, as docker compose does, and
orders them by the `depends_on` that each container's labels record.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE = "trap 'exit 0' TERM; echo {service} up; while true; do sleep 0.2; done"
CHAIN = "services:\n" + "".join(
    f"  {service}:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE.format(service=service)}\"]\n"
    + (f"    depends_on: [{dependency}]\n" if dependency else "")
    for service, dependency in (("db", None), ("api", "db"), ("web", "api"))
)


@pytest.fixture
def elsewhere(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """Crank in an empty folder, for a running project db <- api <- web started from another folder."""
    name = f"fixb-{secrets.token_hex(4)}"
    source = tmp_path / "source"
    source.mkdir()
    (source / "compose.yaml").write_text(CHAIN)
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        started = Crank(source, engine.name, name)("-p", name, "up", "-d")
        assert started.returncode == 0, started.stderr
        yield Crank(empty, engine.name, name)
    finally:
        engine.remove_project(name)


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
