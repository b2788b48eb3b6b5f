"""A project read back from its containers' labels, and the project name used without a compose file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.cli.context import GlobalOptions, given_project_name
from crank_cli.errors import InvalidProjectError, NotReadyError, UsageError
from crank_cli.operations import labels
from crank_cli.operations.events import NoEvents
from crank_cli.operations.lifecycle import restart_services, start_services
from crank_cli.operations.recorded import recorded_project, require_recorded_services
from crank_cli.runtime import podman
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner
from tests.unit.test_lifecycle_operations import MemoryEngine, RecordedEvents, container


def chain() -> MemoryEngine:
    """An engine with db, api and web, api waiting for db to be healthy, all stopped."""
    return MemoryEngine([
        container("demo-web-1", "web", "exited", depends_on="api:service_started:false:true"),
        container("demo-api-1", "api", "exited", depends_on="db:service_healthy:false:true"),
        container("demo-db-1", "db", "exited", health="healthy", depends_on=""),
    ])


def test_recorded_project_has_label_services() -> None:
    engine = chain()

    project = recorded_project("demo", list(engine.states.values()))

    assert project.name == "demo"
    assert project.files == ()
    assert sorted(project.model["services"]) == ["api", "db", "web"]
    assert project.model["services"]["api"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_start_follows_recorded_dependencies() -> None:
    engine = chain()
    project = recorded_project("demo", list(engine.states.values()))

    started = start_services(project, engine, (), RecordedEvents())  # type: ignore[arg-type]

    assert started == ["demo-db-1", "demo-api-1", "demo-web-1"]
    assert engine.calls == [("start", ["demo-db-1"]), ("start", ["demo-api-1"]), ("start", ["demo-web-1"])]


def test_start_waits_for_recorded_condition() -> None:
    engine = chain()
    engine.states["demo-db-1"] = container("demo-db-1", "db", "running", health="unhealthy", depends_on="")
    project = recorded_project("demo", list(engine.states.values()))

    with pytest.raises(NotReadyError, match="service db .* is unhealthy"):
        start_services(project, engine, ("api",), RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == []


class PodmanWithoutSystemd:
    """Podman's replies for db, with a healthcheck recorded at `interval`, and api waiting for db to be healthy.

    db turns healthy once crank has run its check. After `patience` inspections without a
    check, the next inspection fails the test, because crank waits at the wrong interval.
    """

    def __init__(self, interval: str | None, patience: int) -> None:
        self.running: set[str] = set()
        self.checks = 0
        self.inspections = 0
        self.patience = patience
        db_labels = {labels.PROJECT: "demo", labels.SERVICE: "db", labels.DEPENDS_ON: ""}
        if interval is not None:
            db_labels[labels.HEALTHCHECK_INTERVAL] = interval
        api_labels = {labels.PROJECT: "demo", labels.SERVICE: "api", labels.DEPENDS_ON: "db:service_healthy:false:true"}
        self.labels = {"demo-db-1": db_labels, "demo-api-1": api_labels}
        self.runner = FakeRunner({
            ("podman", "ps"): self.listing,
            ("podman", "start"): self.start,
            ("podman", "container", "inspect"): self.inspect,
            ("podman", "healthcheck", "run"): self.check,
        })

    def state(self, name: str) -> str:
        return "running" if name in self.running else "exited"

    def listing(self, argv: list[str]) -> str:
        return json.dumps([{"Id": name, "Names": [name], "State": self.state(name), "Status": "", "Labels": found}
                           for name, found in self.labels.items()])

    def start(self, argv: list[str]) -> str:
        self.running.update(argv[2:])
        return "\n".join(argv[2:])

    def inspect(self, argv: list[str]) -> str:
        self.inspections += 1
        assert self.checks or self.inspections <= self.patience, "db's healthcheck did not run at its recorded interval"
        health = {"Status": "healthy" if self.checks else "starting"}
        return json.dumps([{"Id": name, "Name": name, "State": {"Status": self.state(name), "Health": health},
                            "Config": {"Labels": self.labels[name], "Healthcheck": {"Test": ["CMD-SHELL", "true"]}}}
                           for name in argv[3:]])

    def check(self, argv: list[str]) -> str:
        self.checks += 1
        return ""


def test_start_checks_at_recorded_interval(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(podman, "SYSTEMD_RUNTIME_DIR", tmp_path / "no-systemd")
    # The wait inspects every 0.25 s, so 12 inspections take 3 s: many 100 ms intervals, not 30 s.
    engine = PodmanWithoutSystemd("100ms", patience=12)
    backend = PodmanEngine(runner=engine.runner)
    project = recorded_project("demo", backend.list_containers(labels.project_filter("demo")))

    started = start_services(project, backend, (), NoEvents())

    assert started == ["demo-db-1", "demo-api-1"]
    assert engine.checks >= 1


def test_restart_follows_recorded_dependencies() -> None:
    # restart orders only by `depends_on` entries with `restart: true` (the third field).
    engine = MemoryEngine([
        container("demo-web-1", "web", depends_on="api:service_started:true:true"),
        container("demo-api-1", "api", depends_on="db:service_healthy:true:true"),
        container("demo-db-1", "db", health="healthy", depends_on=""),
    ])
    engine.restart_containers = lambda names, timeout: engine.calls.append(("restart", list(names)))  # type: ignore[method-assign]
    project = recorded_project("demo", list(engine.states.values()))

    restart_services(project, engine, ("db",), None, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == [("restart", ["demo-db-1"]), ("restart", ["demo-api-1"]), ("restart", ["demo-web-1"])]


def test_restart_all_ignores_plain_recorded_dependencies() -> None:
    engine = chain()
    engine.restart_containers = lambda names, timeout: engine.calls.append(("restart", list(names)))  # type: ignore[method-assign]
    project = recorded_project("demo", list(engine.states.values()))

    restart_services(project, engine, (), None, RecordedEvents())  # type: ignore[arg-type]

    assert engine.calls == [("restart", ["demo-api-1", "demo-db-1", "demo-web-1"])]


def test_unknown_recorded_service_names_known_ones() -> None:
    project = recorded_project("demo", list(chain().states.values()))

    with pytest.raises(UsageError, match=r"no such service: nope \(project demo has containers of api, db, web on docker"):
        require_recorded_services(project, ["web", "nope"], "docker")


def test_unknown_service_without_containers() -> None:
    project = recorded_project("demo", [])

    with pytest.raises(UsageError, match="project demo has no containers on podman; check the project name"):
        require_recorded_services(project, ["web"], "podman")


def options(tmp_path: Path, **values: object) -> GlobalOptions:
    return GlobalOptions(environ={}, working_dir=tmp_path)._replace(**values)


def test_given_name_from_flag_then_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COMPOSE_PROJECT_NAME=fromfile\n")

    assert given_project_name(options(tmp_path, project_name="flag")) == "flag"
    assert given_project_name(options(tmp_path, environ={"COMPOSE_PROJECT_NAME": "fromenv"})) == "fromenv"
    assert given_project_name(options(tmp_path)) == "fromfile"


def test_given_name_absent_or_with_files(tmp_path: Path) -> None:
    assert given_project_name(options(tmp_path)) is None
    # With -f, the files named must load, so no name replaces them.
    assert given_project_name(options(tmp_path, project_name="flag", files=(Path("compose.yaml"),))) is None


def test_given_name_is_checked(tmp_path: Path) -> None:
    with pytest.raises(InvalidProjectError, match="-p/--project-name"):
        given_project_name(options(tmp_path, project_name="Not Valid"))


def test_given_name_from_project_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("COMPOSE_PROJECT_NAME=fromcurrent\n")
    project_folder = tmp_path / "project"
    project_folder.mkdir()
    (project_folder / ".env").write_text("COMPOSE_PROJECT_NAME=fromproject\n")

    # As with docker compose, --project-directory names the folder whose .env is read.
    assert given_project_name(options(tmp_path, project_directory=Path("project"))) == "fromproject"
    assert given_project_name(options(tmp_path, project_directory=project_folder)) == "fromproject"
    # A project directory without .env gives no name, although the current folder's .env has one.
    assert given_project_name(options(tmp_path, project_directory=tmp_path / "empty")) is None
