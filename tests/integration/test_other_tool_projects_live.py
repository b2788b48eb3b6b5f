"""A project that docker compose or podman-compose started: crank names the tool once and finds it under auto."""

from __future__ import annotations

import json
import subprocess

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, compose_tool

TOOLS = {"docker": "docker compose", "podman": "podman-compose"}
AUTO = {"CRANK_CONTAINER_RUNTIME": "auto"}


def start_with_tool(engine: Engine, project: Crank) -> None:
    compose = f'name: {project.project}\nservices:\n  web:\n    image: {TEST_IMAGE}\n    command: ["sleep", "300"]\n'
    (project.folder / "compose.yaml").write_text(compose)
    started = subprocess.run([*compose_tool(engine.name), "up", "-d"], cwd=project.folder,
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr


def stop_with_tool(engine: Engine, project: Crank) -> None:
    subprocess.run([*compose_tool(engine.name), "down"], cwd=project.folder, capture_output=True, timeout=120)


def test_other_tool_project_listed_once(engine: Engine, project: Crank) -> None:
    start_with_tool(engine, project)
    try:
        listed = project("ls", "--format", "json", "--filter", f"name=^{project.project}$")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)["projects"]
        assert [(row["runtime"], row["tool"]) for row in rows] == [(engine.name, TOOLS[engine.name])]

        status = project("ps", "--format", "json")
        assert status.returncode == 0, status.stderr
        assert [row["container"] for row in json.loads(status.stdout)] == [f"{project.project}_web_1"
                                                                            if engine.name == "podman"
                                                                            else f"{project.project}-web-1"]
    finally:
        stop_with_tool(engine, project)


def test_other_tool_project_named_under_auto(engine: Engine, project: Crank) -> None:
    start_with_tool(engine, project)
    try:
        pinned = project("down")
        assert pinned.returncode == 2
        assert f"was started by {TOOLS[engine.name]}, not crank" in pinned.stderr

        for verb in ("down", "stop", "logs"):
            result = project(verb, env=AUTO)
            assert result.returncode == 2, f"{verb}: {result.stderr}"
            assert f"project {project.project} was started by {TOOLS[engine.name]}, not crank" in result.stderr

        forced = project("down", "--force", env=AUTO)
        assert forced.returncode == 0, forced.stderr
        left = engine.client("ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={project.project}")
        assert left.stdout.split() == []
    finally:
        stop_with_tool(engine, project)
