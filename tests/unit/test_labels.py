"""The labels crank writes on containers, and what crank reads back from them."""

from __future__ import annotations

from pathlib import Path

from crank_cli.compose import LoadOptions, load_project
from crank_cli.operations import labels, specs
from crank_cli.runtime.models import ContainerState

IMAGE = "localhost/crank-test-busybox:latest"

CHAIN = f"""
services:
  db:
    image: {IMAGE}
  cache:
    image: {IMAGE}
  api:
    image: {IMAGE}
    depends_on:
      db: {{condition: service_healthy, restart: true}}
      cache: {{condition: service_started, required: false}}
  web:
    image: {IMAGE}
    depends_on: [api]
"""


def state(name: str, service: str, recorded: str | None, interval: str | None = None) -> ContainerState:
    container_labels = {labels.PROJECT: "demo", labels.SERVICE: service}
    if recorded is not None:
        container_labels[labels.DEPENDS_ON] = recorded
    if interval is not None:
        container_labels[labels.HEALTHCHECK_INTERVAL] = interval
    return ContainerState(id=f"id-{name}", name=name, image=IMAGE, state="running", health=None,
                          labels=container_labels, ports=())


def test_container_spec_records_depends_on(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(CHAIN)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))

    def recorded(service: str) -> str:
        return specs.container_spec(project, service).labels[labels.DEPENDS_ON]

    assert recorded("api") == "cache:service_started:false:false,db:service_healthy:true:true"
    assert recorded("web") == "api:service_started:false:true"
    assert recorded("db") == ""


def test_depends_on_label_reads_back() -> None:
    depends_on = {
        "db": {"condition": "service_healthy", "restart": True, "required": True},
        "cache": {"condition": "service_completed_successfully", "restart": False, "required": False},
    }

    assert labels.parse_depends_on(labels.depends_on_value(depends_on)) == depends_on


def test_depends_on_label_reads_compose_form() -> None:
    # docker compose v2.40.3 writes SERVICE:CONDITION:RESTART, without `required`.
    parsed = labels.parse_depends_on("api:service_healthy:true,db:service_started:false")

    assert parsed == {
        "api": {"condition": "service_healthy", "restart": True, "required": True},
        "db": {"condition": "service_started", "restart": False, "required": True},
    }
    assert labels.parse_depends_on("") == {}


def test_recorded_services_from_labels() -> None:
    states = [
        state("demo-db-1", "db", ""),
        state("demo-web-1", "web", "db:service_started:false:true"),
        state("demo-web-2", "web", "db:service_started:false:true"),
        # Made by a crank version that did not write the label.
        state("demo-old-1", "old", None),
    ]

    services = labels.recorded_services(states)

    assert services == {
        "db": {"depends_on": {}},
        "web": {"depends_on": {"db": {"condition": "service_started", "restart": False, "required": True}}},
        "old": {"depends_on": {}},
    }


HEALTHCHECKS = f"""
services:
  timed:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"], interval: 90s, start_period: 5s}}
  untimed:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"]}}
  disabled:
    image: {IMAGE}
    healthcheck: {{disable: true}}
  plain:
    image: {IMAGE}
"""


def test_container_spec_records_healthcheck_interval(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(HEALTHCHECKS)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))

    def recorded(service: str) -> str | None:
        return specs.container_spec(project, service).labels.get(labels.HEALTHCHECK_INTERVAL)

    assert recorded("timed") == "1m30s"
    assert recorded("untimed") is None
    assert recorded("disabled") is None
    assert recorded("plain") is None


def test_recorded_services_read_interval() -> None:
    states = [
        state("demo-db-1", "db", "", interval="1s"),
        state("demo-db-2", "db", "", interval="1s"),
        state("demo-web-1", "web", "db:service_healthy:false:true"),
        state("demo-odd-1", "odd", "", interval="soon"),
    ]

    services = labels.recorded_services(states)

    assert services["db"]["healthcheck"] == {"interval": "1s"}
    assert "healthcheck" not in services["web"]
    # An interval that is no compose duration is ignored, as a missing one is.
    assert "healthcheck" not in services["odd"]


def test_recorded_cycle_keeps_interval() -> None:
    states = [
        state("demo-a-1", "a", "b:service_started:false:true", interval="2s"),
        state("demo-b-1", "b", "a:service_started:false:true"),
    ]

    services = labels.recorded_services(states)

    assert services == {
        "a": {"depends_on": {}, "healthcheck": {"interval": "2s"}},
        "b": {"depends_on": {}},
    }
