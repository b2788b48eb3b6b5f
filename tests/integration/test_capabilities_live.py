"""The capability check with engine facts taken from each live engine."""

from __future__ import annotations

import os
from pathlib import Path

from crank_cli.compose import LoadOptions, load_project
from crank_cli.operations.capabilities import EMULATED, EngineFacts, check_project
from tests.integration.conftest import TEST_IMAGE, Crank, Engine

HEALTH_DEPENDENCY = f"""
name: crank-cap-health
services:
  web:
    image: {TEST_IMAGE}
    command: ["sleep", "300"]
    healthcheck:
      test: ["CMD-SHELL", "true"]
      interval: 1s
  app:
    image: {TEST_IMAGE}
    command: ["sleep", "300"]
    depends_on:
      web:
        condition: service_healthy
"""


MISSING_BINDS = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sleep", "300"]
    volumes:
      - ./short:/short
      - {{type: bind, source: ./long, target: /long}}
"""


def live_facts(engine: Engine) -> EngineFacts:
    info = engine.backend.probe()
    assert info.usable, info.reason
    assert info.version is not None
    return EngineFacts(info.name, info.version, schedules_healthchecks=engine.backend.schedules_healthchecks)


def test_health_dependency_findings_match_engine(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(HEALTH_DEPENDENCY)
    project = load_project(LoadOptions(working_dir=tmp_path, environ=dict(os.environ)))
    facts = live_facts(engine)

    findings = check_project(project.model, facts)

    if engine.name == "docker":
        assert facts.schedules_healthchecks
        assert findings == []
    elif facts.schedules_healthchecks:
        # Podman under systemd, or a remote Podman service, runs the checks itself.
        assert findings == []
    else:
        levels = {finding.key: finding.level for finding in findings}
        assert levels["services.app.depends_on.web.condition"] == EMULATED
        assert levels["services.web.healthcheck"] == EMULATED
        assert set(levels.values()) == {EMULATED}


def test_missing_bind_sources_pass_check(project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(MISSING_BINDS)

    check = project("config", "--check")
    assert check.returncode == 0, check.stderr
    assert "unsupported" not in check.stdout + check.stderr

    up = project("up", "-d")
    assert up.returncode == 0, up.stderr
    assert (project.folder / "short").is_dir()
    assert (project.folder / "long").is_dir()
