"""The verbs on a project whose containers are on Docker and Podman at once.

`crank migrate --to ENGINE worker` moves one service and leaves db and web on the source,
and `--keep-source` leaves a stopped copy of what moved. Under runtime auto the verbs act on
both engines. With the engine named, they act on that one and exit with code 2 while the
other still has the project's containers, so a cleanup step in CI cannot pass unnoticed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import Crank, Engine
from tests.integration.test_migrate import DIRECTIONS, Pair, make_pair

SERVICES = ("db", "web", "worker")


def write_project(pair: Pair, *, volume: bool = False) -> None:
    mount = "    volumes: [data:/data]\n" if volume else ""
    services = "".join(f"  {service}:\n    image: {pair.image}\n    command: sleep 3600\n    init: true\n{mount}"
                       for service in SERVICES)
    volumes = "volumes:\n  data: {}\n" if volume else ""
    (pair.folder / "compose.yaml").write_text(f"name: {pair.name}\nservices:\n{services}{volumes}")


@pytest.fixture(params=DIRECTIONS)
def split(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    """A project of three services on the source, with worker moved to the target."""
    pair = make_pair(request, tmp_path, os.environ.get("CRANK_TEST_PREFIX") or "crank-split")
    write_project(pair)
    yield pair
    pair.remove()


def start_split(pair: Pair, *migrate_args: str) -> None:
    started = pair.crank("up", "-d")
    assert started.returncode == 0, started.stderr
    moved = pair.migrate(*migrate_args, "worker")
    assert moved.returncode == 0, moved.stderr


def containers(engine: Engine, project: str, *, running: bool = False) -> list[str]:
    every = [] if running else ["--all"]
    listed = engine.client("ps", *every, "--format", "{{.Names}}", "--filter", f"label=io.crank.project={project}")
    return sorted(listed.stdout.split())


def on_auto(pair: Pair) -> Crank:
    return Crank(pair.folder, "auto", pair.name)


@pytest.mark.parametrize("migrate_args", [(), ("--keep-source",)], ids=["moved", "kept-source"])
def test_auto_down_removes_both_engines(split: Pair, migrate_args: tuple[str, ...]) -> None:
    start_split(split, *migrate_args)

    result = on_auto(split)("down", "-t", "1")

    assert result.returncode == 0, result.stderr
    assert containers(split.source, split.name) == []
    assert containers(split.target, split.name) == []
    assert split.source.objects(split.name)["networks"] == []
    assert split.target.objects(split.name)["networks"] == []


@pytest.mark.parametrize("side", ["source", "target"])
def test_pinned_down_names_other_engine(split: Pair, side: str) -> None:
    start_split(split)
    chosen, other = (split.source, split.target) if side == "source" else (split.target, split.source)
    left = containers(other, split.name)

    result = Crank(split.folder, chosen.name, split.name)("down", "-t", "1")

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has containers on {other.name}" in result.stderr
    # The command to run there keeps the options given.
    assert f"`crank --runtime {other.name} down -t 1`" in result.stderr
    assert containers(chosen, split.name) == []
    assert containers(other, split.name) == left


def test_auto_stop_and_kill_reach_both_engines(split: Pair) -> None:
    start_split(split)

    stopped = on_auto(split)("stop", "-t", "1")

    assert stopped.returncode == 0, stopped.stderr
    assert containers(split.source, split.name, running=True) == []
    assert containers(split.target, split.name, running=True) == []
    for engine in (split.source, split.target):
        engine.client("start", *containers(engine, split.name))
    killed = on_auto(split)("kill")
    assert killed.returncode == 0, killed.stderr
    assert containers(split.source, split.name, running=True) == []
    assert containers(split.target, split.name, running=True) == []


@pytest.mark.parametrize("verb", ["stop", "kill"])
def test_pinned_stop_names_other_engine(split: Pair, verb: str) -> None:
    start_split(split)

    result = split.crank(verb)

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has running containers on {split.target.name}" in result.stderr
    assert containers(split.source, split.name, running=True) == []
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]


def test_pinned_down_volumes_after_move(split: Pair) -> None:
    write_project(split, volume=True)
    started = split.crank("up", "-d")
    assert started.returncode == 0, started.stderr
    moved = split.migrate()
    assert moved.returncode == 0, moved.stderr
    assert split.source.objects(split.name)["volumes"] == [split.volume]
    running = containers(split.target, split.name, running=True)

    result = split.crank("down", "-v")

    assert result.returncode == 0, result.stderr
    assert f"project {split.name} still has containers on {split.target.name}" in result.stderr
    assert split.source.objects(split.name) == {"containers": [], "networks": [], "volumes": []}
    assert containers(split.target, split.name, running=True) == running
    assert split.target.objects(split.name)["volumes"] == [split.volume]


def test_auto_rm_reaches_both_engines(split: Pair) -> None:
    start_split(split, "--keep-source")

    result = on_auto(split)("rm", "-f", "-s")

    assert result.returncode == 0, result.stderr
    assert f"{split.name}-worker-1 on {split.source.name}" in result.stderr
    assert containers(split.source, split.name) == []
    assert containers(split.target, split.name) == []


def test_pinned_rm_names_other_engine(split: Pair) -> None:
    start_split(split)

    result = split.crank("rm", "-f", "-s")

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has containers on {split.target.name}" in result.stderr
    assert containers(split.source, split.name) == []
    assert containers(split.target, split.name) == [f"{split.name}-worker-1"]


def test_auto_pause_reaches_both_engines(split: Pair) -> None:
    start_split(split)

    paused = on_auto(split)("pause")

    assert paused.returncode == 0, paused.stderr
    for engine in (split.source, split.target):
        states = engine.client("ps", "--all", "--format", "{{.State}}", "--filter",
                               f"label=io.crank.project={split.name}").stdout.split()
        assert states and all(state.lower() == "paused" for state in states), (engine.name, states)
    unpaused = on_auto(split)("unpause")
    assert unpaused.returncode == 0, unpaused.stderr
    assert len(containers(split.source, split.name, running=True)) == 2
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]


def test_pinned_pause_names_other_engine(split: Pair) -> None:
    start_split(split)

    result = split.crank("pause")

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has running containers on {split.target.name}" in result.stderr
    unpaused = split.crank("unpause")
    assert unpaused.returncode == 0, unpaused.stderr


@pytest.mark.parametrize("verb", ["stop", "kill"])
def test_pinned_stop_service_names_other_engine(split: Pair, verb: str) -> None:
    start_split(split)

    result = split.crank(verb, "worker")

    assert result.returncode == 2, result.stderr
    expected = f"crank: error: project {split.name} still has running containers of worker on {split.target.name}"
    assert expected in result.stderr
    assert f"`crank --runtime {split.target.name} {verb} worker`" in result.stderr
    assert len(containers(split.source, split.name, running=True)) == 2
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]
    # A service that runs on the chosen engine only stops without the error.
    on_chosen = split.crank(verb, "web")
    assert on_chosen.returncode == 0, on_chosen.stderr
    assert containers(split.source, split.name, running=True) == [f"{split.name}-db-1"]


def stop_everywhere(pair: Pair) -> None:
    for engine in (pair.source, pair.target):
        engine.client("stop", "-t", "1", *containers(engine, pair.name))


@pytest.mark.parametrize("verb", ["start", "restart"])
def test_auto_start_reaches_both_engines(split: Pair, verb: str) -> None:
    start_split(split)
    stop_everywhere(split)

    result = on_auto(split)(verb)

    assert result.returncode == 0, result.stderr
    assert containers(split.source, split.name, running=True) == [f"{split.name}-db-1", f"{split.name}-web-1"]
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]


@pytest.mark.parametrize("stopped", [False, True], ids=["running", "stopped"])
@pytest.mark.parametrize("verb", ["start", "restart"])
def test_auto_start_leaves_kept_copies_stopped(split: Pair, verb: str, stopped: bool) -> None:
    start_split(split, "--keep-source")
    if stopped:
        stop_everywhere(split)
    assert containers(split.source, split.name) == [f"{split.name}-{service}-1" for service in SERVICES]

    result = on_auto(split)(verb)

    assert result.returncode == 0, result.stderr
    assert containers(split.source, split.name, running=True) == [f"{split.name}-db-1", f"{split.name}-web-1"]
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]
    assert containers(split.source, split.name) == [f"{split.name}-{service}-1" for service in SERVICES]


@pytest.mark.parametrize("verb", ["start", "restart"])
def test_pinned_start_names_other_engine(split: Pair, verb: str) -> None:
    start_split(split)
    stop_everywhere(split)

    result = split.crank(verb)

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has containers on {split.target.name}" in result.stderr
    assert f"`crank --runtime {split.target.name} {verb}`" in result.stderr
    assert containers(split.source, split.name, running=True) == [f"{split.name}-db-1", f"{split.name}-web-1"]
    assert containers(split.target, split.name, running=True) == []


@pytest.mark.parametrize("verb", ["start", "restart"])
def test_pinned_start_service_names_other_engine(split: Pair, verb: str) -> None:
    start_split(split)
    stop_everywhere(split)

    result = split.crank(verb, "worker")

    assert result.returncode == 2, result.stderr
    assert f"crank: error: project {split.name} still has containers of worker on {split.target.name}" in result.stderr
    assert f"`crank --runtime {split.target.name} {verb} worker`" in result.stderr
    assert containers(split.source, split.name, running=True) == []
    assert containers(split.target, split.name, running=True) == []


@pytest.mark.parametrize("verb", ["status", "ps"])
def test_pinned_status_names_other_engine(split: Pair, verb: str) -> None:
    start_split(split)

    result = split.crank(verb, "--format", "json")

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(row["service"], row["runtime"]) for row in rows] == [("db", split.source.name), ("web", split.source.name)]
    assert f"crank: warning: project {split.name} also has containers on {split.target.name}" in result.stderr
    assert f"`crank --runtime {split.target.name} {verb} --format json`" in result.stderr


def test_pinned_status_service_names_other_engine(split: Pair) -> None:
    start_split(split)

    result = split.crank("status", "worker")

    assert result.returncode == 0, result.stderr
    assert f"{split.name}-worker-1" not in result.stdout
    assert f"project {split.name} also has containers of worker on {split.target.name}" in result.stderr
    assert f"`crank --runtime {split.target.name} status worker`" in result.stderr


def test_pinned_status_of_moved_project(split: Pair) -> None:
    started = split.crank("up", "-d")
    assert started.returncode == 0, started.stderr
    moved = split.migrate()
    assert moved.returncode == 0, moved.stderr

    result = split.crank("ps", "--format", "json")

    # As for `logs`, a named engine without any of the project's containers is a usage error.
    assert result.returncode == 2, result.stderr
    assert json.loads(result.stdout) == []
    expected = (f"crank: error: project {split.name} has no containers on {split.source.name}, the engine that "
                f"CRANK_CONTAINER_RUNTIME in the environment chose, but it has containers on {split.target.name}")
    assert expected in result.stderr


def test_migrate_service_names_moved_services(split: Pair) -> None:
    started = split.crank("up", "-d")
    assert started.returncode == 0, started.stderr

    moved = split.migrate("worker")

    assert moved.returncode == 0, moved.stderr
    expected = (f"services worker of project {split.name} now run on {split.target.name}, "
                f"and the other services stay on {split.source.name}")
    assert expected in moved.stderr
    assert f"project {split.name} now runs on" not in moved.stderr
    assert "set CRANK_CONTAINER_RUNTIME=auto" in moved.stderr


def write_talking_project(pair: Pair) -> None:
    """Write the project with services that print a line naming themselves, for `logs`."""
    services = "".join(f"  {service}:\n    image: {pair.image}\n    init: true\n"
                       f"    command: [sh, -c, 'echo {service} ready && exec sleep 3600']\n"
                       for service in SERVICES)
    (pair.folder / "compose.yaml").write_text(f"name: {pair.name}\nservices:\n{services}")


@pytest.mark.parametrize("migrate_args", [(), ("--keep-source",)], ids=["moved", "kept-source"])
def test_auto_logs_reach_moved_service(split: Pair, migrate_args: tuple[str, ...]) -> None:
    write_talking_project(split)
    start_split(split, *migrate_args)

    for service in SERVICES:
        result = on_auto(split)("logs", "--no-log-prefix", service)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == [f"{service} ready"], (service, result.stderr)
    every = on_auto(split)("logs", "--no-log-prefix")
    assert every.returncode == 0, every.stderr
    assert sorted(every.stdout.splitlines()) == [f"{service} ready" for service in SERVICES]


def test_auto_logs_follow_names_engines(split: Pair) -> None:
    write_talking_project(split)
    start_split(split)

    result = on_auto(split)("logs", "--follow", timeout=60)

    assert result.returncode == 2, result.stderr
    assert f"`crank --runtime {split.target.name} logs --follow`" in result.stderr
    assert f"`crank --runtime {split.source.name} logs --follow`" in result.stderr


@pytest.mark.parametrize("migrate_args", [(), ("--keep-source",)], ids=["moved", "kept-source"])
def test_auto_exec_reaches_moved_service(split: Pair, migrate_args: tuple[str, ...]) -> None:
    start_split(split, *migrate_args)

    for service in SERVICES:
        result = on_auto(split)("exec", "-T", service, "echo", f"hi from {service}")
        assert result.returncode == 0, (service, result.stderr)
        assert result.stdout == f"hi from {service}\n"


@pytest.mark.parametrize("migrate_args", [(), ("--keep-source",)], ids=["moved", "kept-source"])
def test_auto_up_leaves_moved_service(split: Pair, migrate_args: tuple[str, ...]) -> None:
    start_split(split, *migrate_args)
    source_before = containers(split.source, split.name)

    result = on_auto(split)("up", "-d")

    assert result.returncode == 0, result.stderr
    # Runtime auto picks one of the engines, and `up` names the services on the other.
    left = sorted(line for line in result.stderr.splitlines() if line.endswith("so `up` leaves it there"))
    on_target = [f"service worker of project {split.name} runs on {split.target.name}, so `up` leaves it there"]
    on_source = [f"service {service} of project {split.name} runs on {split.source.name}, so `up` leaves it there"
                 for service in ("db", "web")]
    assert left in (on_target, on_source), result.stderr
    assert containers(split.source, split.name, running=True) == [f"{split.name}-db-1", f"{split.name}-web-1"]
    assert containers(split.source, split.name) == source_before
    assert containers(split.target, split.name) == [f"{split.name}-worker-1"]
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]
    named = on_auto(split)("up", "-d", "worker")
    assert named.returncode == 0, named.stderr
    assert containers(split.source, split.name) == source_before
    assert containers(split.target, split.name, running=True) == [f"{split.name}-worker-1"]
