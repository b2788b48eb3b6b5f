"""start's dependency wait, stop by container name and down's orphans, against an in-memory engine."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import NotReadyError, UsageError
from crank_cli.operations import down as down_module
from crank_cli.operations import wait
from crank_cli.operations.down import DownOptions, down, stop
from crank_cli.operations.lifecycle import restart_services, start_services
from crank_cli.operations.up import UpOptions, UpResult, handle_orphans
from crank_cli.runtime.models import ContainerState
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

IMAGE = "localhost/crank-test-busybox:latest"


class RecordedEvents:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def emit(self, subject: str, status: str) -> None:
        self.lines.append((subject, status))


class MemoryEngine:
    """A backend whose containers are records in memory, and which logs the calls that change them."""

    schedules_healthchecks = True

    def __init__(self, states: Sequence[ContainerState]) -> None:
        self.states = {state.name: state for state in states}
        self.calls: list[tuple[str, list[str]]] = []

    def list_containers(self, labels: dict[str, str | None]) -> list[ContainerState]:
        # A label given without a value matches any value, as the engines' label filters do.
        return [state for state in self.states.values()
                if all(key in state.labels if value is None else state.labels.get(key) == value
                       for key, value in labels.items())]

    def list_networks(self, labels: dict[str, str | None]) -> list[str]:
        return ["demo_default"]

    def inspect_containers(self, names: Sequence[str]) -> list[ContainerState]:
        # Like `docker inspect`, a name may also be a container ID or a prefix of one.
        return [state for state in self.states.values()
                if any(state.name == name or state.id.startswith(name) for name in names)]

    def start_containers(self, names: Sequence[str]) -> None:
        self.calls.append(("start", list(names)))
        for name in names:
            self.states[name] = self.states[name]._replace(state="running")

    def stop_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        self.calls.append(("stop", list(names)))

    def restart_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        self.calls.append(("restart", list(names)))

    def stop_and_remove(self, names: Sequence[str], timeout: int | None = None) -> None:
        self.calls.append(("remove", list(names)))

    def remove_networks(self, names: Sequence[str]) -> None:
        self.calls.append(("remove networks", list(names)))


def container(name: str, service: str | None, state: str = "running", *, health: str | None = None,
              depends_on: str | None = None, one_off: bool = False) -> ContainerState:
    labels = {"io.crank.project": "demo", "io.crank.service": service} if service else {}
    if one_off:
        labels["io.crank.oneoff"] = "True"
    if depends_on is not None:
        labels["io.crank.depends-on"] = depends_on
    return ContainerState(id=f"id-{name}", name=name, image=IMAGE, state=state, health=health, labels=labels,
                          ports=(), exit_code=0, has_healthcheck=health is not None)


def load(tmp_path: Path, text: str, profiles: tuple[str, ...] = ()) -> Project:
    (tmp_path / "compose.yaml").write_text(text)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo", profiles=profiles))


DEPENDS = f"""
services:
  db:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
  web:
    image: {IMAGE}
    depends_on:
      db: {{condition: service_healthy, required: %s}}
"""


def test_start_raises_for_unhealthy_dependency(tmp_path: Path) -> None:
    project = load(tmp_path, DEPENDS % "true")
    engine = MemoryEngine([container("demo-db-1", "db", health="unhealthy"), container("demo-web-1", "web", "exited")])

    with pytest.raises(NotReadyError, match="service db .* is unhealthy"):
        start_services(project, engine, (), RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == []


def test_start_passes_optional_unhealthy_dependency(tmp_path: Path) -> None:
    project = load(tmp_path, DEPENDS % "false")
    engine = MemoryEngine([container("demo-db-1", "db", health="unhealthy"), container("demo-web-1", "web", "exited")])
    events = RecordedEvents()

    started = start_services(project, engine, (), events)  # type: ignore[arg-type]

    assert started == ["demo-web-1"]
    assert engine.calls == [("start", ["demo-web-1"])]
    assert any("optional dependency db not ready" in status for _, status in events.lines)


def test_start_starts_dependency_before_waiting(tmp_path: Path) -> None:
    project = load(tmp_path, DEPENDS % "true")
    engine = MemoryEngine([container("demo-db-1", "db", "exited", health="healthy"),
                           container("demo-web-1", "web", "exited")])

    started = start_services(project, engine, (), RecordedEvents())  # type: ignore[arg-type]

    assert started == ["demo-db-1", "demo-web-1"]
    assert engine.calls == [("start", ["demo-db-1"]), ("start", ["demo-web-1"])]


def test_wait_for_dependencies_skips_missing_containers(tmp_path: Path) -> None:
    project = load(tmp_path, DEPENDS % "true")
    engine = MemoryEngine([])

    wait.wait_for_dependencies(project, engine, "web", {}, 1.0, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == []


ONE_SERVICE = f"services:\n  app:\n    image: {IMAGE}\n"


def test_stop_takes_container_outside_project(tmp_path: Path) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("demo-app-1", "app"), container("solo", None)])

    stopped = stop(project, "demo", engine, ["solo"], None, RecordedEvents())  # type: ignore[arg-type]

    assert stopped == ["solo"]
    assert engine.calls == [("stop", ["solo"])]


def test_stop_takes_container_id_prefix(tmp_path: Path) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("solo", None)])

    stopped = stop(project, "demo", engine, ["id-so"], None, RecordedEvents())  # type: ignore[arg-type]

    assert stopped == ["solo"]


ONE_OFF = "demo-app-run-0123456789ab"


@pytest.mark.parametrize("targets", [[], ["app"]], ids=["project", "service"])
def test_stop_leaves_one_off_running(tmp_path: Path, targets: list[str]) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("demo-app-1", "app"), container(ONE_OFF, "app", one_off=True)])

    stopped = stop(project, "demo", engine, targets, None, RecordedEvents())  # type: ignore[arg-type]

    assert stopped == ["demo-app-1"]
    assert engine.calls == [("stop", ["demo-app-1"])]


def test_stop_takes_one_off_by_name(tmp_path: Path) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("demo-app-1", "app"), container(ONE_OFF, "app", one_off=True)])

    stopped = stop(project, "demo", engine, [ONE_OFF], None, RecordedEvents())  # type: ignore[arg-type]

    assert stopped == [ONE_OFF]
    assert engine.calls == [("stop", [ONE_OFF])]


def test_start_and_restart_leave_one_off(tmp_path: Path) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("demo-app-1", "app", "exited"), container(ONE_OFF, "app", "exited", one_off=True)])

    started = start_services(project, engine, (), RecordedEvents())  # type: ignore[arg-type]
    restarted = restart_services(project, engine, (), None, RecordedEvents())  # type: ignore[arg-type]

    assert started == ["demo-app-1"]
    assert restarted == ["demo-app-1"]
    assert engine.calls == [("start", ["demo-app-1"]), ("restart", ["demo-app-1"])]


def test_stop_rejects_unknown_name(tmp_path: Path) -> None:
    project = load(tmp_path, ONE_SERVICE)
    engine = MemoryEngine([container("demo-app-1", "app")])

    with pytest.raises(UsageError, match="no such container: missing"):
        stop(project, "demo", engine, ["app", "missing"], None, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == []


PROFILES = f"""
services:
  app:
    image: {IMAGE}
  tool:
    image: {IMAGE}
    profiles: [tools]
"""


def test_down_removes_disabled_profile_service(tmp_path: Path) -> None:
    project = load(tmp_path, PROFILES)
    engine = MemoryEngine([container("demo-app-1", "app"), container("demo-tool-1", "tool")])

    result = down(project, "demo", engine, DownOptions(), RecordedEvents())  # type: ignore[arg-type]

    assert sorted(result.containers) == ["demo-app-1", "demo-tool-1"]
    assert result.networks == ["demo_default"]
    assert result.warnings == []


def test_down_keeps_orphan_and_names_networks(tmp_path: Path) -> None:
    project = load(tmp_path, PROFILES)
    engine = MemoryEngine([container("demo-app-1", "app"), container("demo-old-1", "old")])

    result = down(project, "demo", engine, DownOptions(), RecordedEvents())  # type: ignore[arg-type]

    assert result.containers == ["demo-app-1"]
    assert result.networks == []
    assert "demo-old-1" in result.warnings[0]
    assert "demo_default" in result.warnings[1]


def test_disabled_service_known_without_reload(tmp_path: Path) -> None:
    project = load(tmp_path, PROFILES)
    # The project itself records the services no profile enables, so the files are not read again.
    (tmp_path / "compose.yaml").unlink()

    orphans = down_module._orphans(project, [container("demo-tool-1", "tool"), container("demo-old-1", "old")])

    assert project.disabled_services == ("tool",)
    assert orphans == ["demo-old-1"]


def test_up_removes_only_orphans_of_removed_services(tmp_path: Path) -> None:
    project = load(tmp_path, PROFILES)
    runner = FakeRunner({("podman",): ""})
    observed = {"app": [container("demo-app-1", "app")], "tool": [container("demo-tool-1", "tool")],
                "old": [container("demo-old-1", "old")]}
    result = UpResult()

    handle_orphans(project, make_backend("podman", runner), observed, UpOptions(remove_orphans=True), result,
                   RecordedEvents())

    assert result.orphans == ["demo-old-1"]
    removals = [call for call in runner.calls if "rm" in call]
    assert len(removals) == 1
    assert "demo-old-1" in removals[0]
    assert "demo-tool-1" not in removals[0]


def test_up_warns_not_for_disabled_profile(tmp_path: Path) -> None:
    project = load(tmp_path, PROFILES)
    runner = FakeRunner({("podman",): ""})
    observed = {"app": [container("demo-app-1", "app")], "tool": [container("demo-tool-1", "tool")]}
    result = UpResult()

    handle_orphans(project, make_backend("podman", runner), observed, UpOptions(), result, RecordedEvents())

    assert result.orphans == []
    assert result.warnings == []
    assert runner.calls == []


def recorded_chain() -> list[ContainerState]:
    """Containers of db, api and web, each labelled with what it depends on, listed db first."""
    return [
        container("demo-db-1", "db", depends_on=""),
        container("demo-api-1", "api", depends_on="db:service_started:false:true"),
        container("demo-web-1", "web", depends_on="api:service_started:false:true"),
    ]


def test_down_without_project_follows_labels() -> None:
    engine = MemoryEngine(recorded_chain())

    result = down(None, "demo", engine, DownOptions(), RecordedEvents())  # type: ignore[arg-type]

    assert result.containers == ["demo-web-1", "demo-api-1", "demo-db-1"]
    assert engine.calls[:3] == [("remove", ["demo-web-1"]), ("remove", ["demo-api-1"]), ("remove", ["demo-db-1"])]


def test_down_without_labels_removes_together() -> None:
    # Containers from a crank version that did not record depends_on have no known order.
    engine = MemoryEngine([container("demo-db-1", "db"), container("demo-web-1", "web")])

    down(None, "demo", engine, DownOptions(), RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls[0] == ("remove", ["demo-db-1", "demo-web-1"])


def test_down_with_recorded_cycle_removes_together() -> None:
    engine = MemoryEngine([container("demo-a-1", "a", depends_on="b"), container("demo-b-1", "b", depends_on="a")])

    down(None, "demo", engine, DownOptions(), RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls[0] == ("remove", ["demo-a-1", "demo-b-1"])


def test_stop_without_project_follows_labels() -> None:
    engine = MemoryEngine(recorded_chain())

    stopped = stop(None, "demo", engine, (), None, RecordedEvents())  # type: ignore[arg-type]

    assert sorted(stopped) == ["demo-api-1", "demo-db-1", "demo-web-1"]
    assert engine.calls == [("stop", ["demo-web-1"]), ("stop", ["demo-api-1"]), ("stop", ["demo-db-1"])]


RESTART_CHAIN = f"""
services:
  db:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
  web:
    image: {IMAGE}
    depends_on:
      db: {{condition: service_healthy, restart: true}}
  plain:
    image: {IMAGE}
    depends_on: [db]
  side:
    image: {IMAGE}
    network_mode: service:web
"""


def restart_chain_engine(db_health: str = "healthy") -> MemoryEngine:
    return MemoryEngine([container("demo-db-1", "db", health=db_health), container("demo-web-1", "web"),
                         container("demo-plain-1", "plain"), container("demo-side-1", "side")])


def test_restart_takes_restart_dependents(tmp_path: Path) -> None:
    project = load(tmp_path, RESTART_CHAIN)
    engine = restart_chain_engine()
    events = RecordedEvents()

    restarted = restart_services(project, engine, ("db",), None, events)  # type: ignore[arg-type]

    # plain's depends_on has no `restart: true`, so it keeps running, as with docker compose.
    assert restarted == ["demo-db-1", "demo-web-1", "demo-side-1"]
    assert engine.calls == [("restart", ["demo-db-1"]), ("restart", ["demo-web-1"]), ("restart", ["demo-side-1"])]
    # db is healthy at the first look, so no line reports that web waits for it.
    assert not [line for line in events.lines if line[0] == "demo-db-1" and line[1].startswith("waiting")]
    assert ("demo-web-1", "restarted") in events.lines


def test_restart_all_orders_by_restart_edges(tmp_path: Path) -> None:
    project = load(tmp_path, RESTART_CHAIN)
    engine = restart_chain_engine()

    restart_services(project, engine, (), None, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == [("restart", ["demo-db-1", "demo-plain-1"]), ("restart", ["demo-web-1"]),
                            ("restart", ["demo-side-1"])]


def test_restart_stops_at_unhealthy_dependency(tmp_path: Path) -> None:
    project = load(tmp_path, RESTART_CHAIN)
    engine = restart_chain_engine(db_health="unhealthy")

    with pytest.raises(NotReadyError, match="service db .* is unhealthy"):
        restart_services(project, engine, ("db",), None, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == [("restart", ["demo-db-1"])]


def test_restart_of_dependent_leaves_dependency(tmp_path: Path) -> None:
    project = load(tmp_path, RESTART_CHAIN)
    engine = restart_chain_engine(db_health="unhealthy")

    restarted = restart_services(project, engine, ("web",), None, RecordedEvents())  # type: ignore[arg-type]

    # db is not restarted, so web does not wait for it, as with docker compose restart web.
    assert restarted == ["demo-web-1", "demo-side-1"]


def test_restart_no_deps_leaves_dependents(tmp_path: Path) -> None:
    project = load(tmp_path, RESTART_CHAIN)
    engine = restart_chain_engine()

    restarted = restart_services(project, engine, ("db",), None, RecordedEvents(), no_deps=True)  # type: ignore[arg-type]

    # web depends on db with `restart: true`, and side shares web's network, but --no-deps keeps both running.
    assert restarted == ["demo-db-1"]
    assert engine.calls == [("restart", ["demo-db-1"])]
