"""Output for scripts, live on each engine: dry runs, JSON documents and progress formats."""

from __future__ import annotations

import json

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, free_port

IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"
PROJECT = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    ports: ["127.0.0.1:{{port}}:80"]
    volumes: [data:/data]
  worker:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on: [web]
volumes:
  data:
"""

STATUS_TYPES = {
    "project": str, "service": str, "container": str, "runtime": str, "host": str,
    "state": str, "health": (str, type(None)), "ports": list, "image": str,
}


def write_project(project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(PROJECT.format(port=free_port()))


def project_state(engine: Engine, project: str) -> dict[str, object]:
    """The project's networks and volumes, and each container's ID and state."""
    found = engine.objects(project)
    containers = {
        name: engine.client("inspect", "--format", "{{.Id}} {{.State.Status}} {{.State.StartedAt}}", name).stdout
        for name in found["containers"]
    }
    return {"containers": containers, "networks": found["networks"], "volumes": found["volumes"]}


def test_dry_run_up_changes_nothing(engine: Engine, project: Crank) -> None:
    write_project(project)
    before = engine.objects(project.project)

    result = project("up", "-d", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert engine.objects(project.project) == before
    commands = result.stdout.splitlines()
    assert commands[0].startswith(f"{engine.name} network create ")
    assert commands[1].startswith(f"{engine.name} volume create ")
    assert [line.split()[1] for line in commands[2:]] == ["run", "run"]
    assert f"--name {project.project}-web-1" in commands[2]
    assert f"--name {project.project}-worker-1" in commands[3]


def test_dry_run_down_and_stop_change_nothing(engine: Engine, project: Crank) -> None:
    write_project(project)
    assert project("up", "-d").returncode == 0
    before = project_state(engine, project.project)

    stopped = project("stop", "--dry-run")
    removed = project("down", "-v", "--dry-run")
    ran = project("run", "--dry-run", "-d", TEST_IMAGE, "true")

    assert [result.returncode for result in (stopped, removed, ran)] == [0, 0, 0]
    assert project_state(engine, project.project) == before
    assert stopped.stdout.splitlines() == [
        f"{engine.name} stop {project.project}-worker-1",
        f"{engine.name} stop {project.project}-web-1",
    ]
    assert f"{engine.name} volume rm {project.project}_data" in removed.stdout.splitlines()
    assert ran.stdout.splitlines()[0].startswith(f"{engine.name} run --detach")


def test_status_json_matches_schema(engine: Engine, project: Crank) -> None:
    write_project(project)
    assert project("up", "-d").returncode == 0

    rows = json.loads(project("status", "--format", "json").stdout)

    assert len(rows) == 2
    for row in rows:
        assert set(row) == set(STATUS_TYPES)
        for key, expected in STATUS_TYPES.items():
            assert isinstance(row[key], expected), f"{key} is {row[key]!r}"
        assert all(isinstance(port, str) and "->" in port for port in row["ports"])


def test_ls_and_error_json_have_schema_version(engine: Engine, project: Crank) -> None:
    write_project(project)
    assert project("up", "-d").returncode == 0

    listing = json.loads(project("ls", "--format", "json").stdout)
    mine = [item for item in listing["projects"] if item["name"] == project.project]
    failed = project("-f", "missing.yaml", "status", "--format", "json")

    assert listing["schema"] == 1
    assert mine == [{
        "name": project.project, "runtime": engine.name, "host": mine[0]["host"], "tool": "crank",
        "status": "running(2)", "containers": 2, "config_files": str(project.folder / "compose.yaml"),
    }]
    assert failed.returncode == 3
    error = json.loads(failed.stdout)
    assert set(error) == {"schema", "error", "message"}
    assert error["error"] == "invalid-project"
    (project.folder / "compose.yaml").write_text("services: [not, a, mapping]\n")
    invalid = project("config", "--format", "json")
    assert invalid.returncode == 3
    assert json.loads(invalid.stdout)["error"] == "invalid-project"


def test_progress_modes_produce_their_formats(engine: Engine, project: Crank) -> None:
    write_project(project)

    as_json = project("--progress", "json", "up", "-d")
    assert project("down").returncode == 0
    plain = project("--progress", "plain", "up", "-d")
    assert project("down").returncode == 0
    quiet = project("--progress", "quiet", "up", "-d")

    events = [json.loads(line) for line in as_json.stderr.splitlines()]
    assert {"schema", "time", "subject", "status"} == set(events[0])
    assert {event["status"] for event in events} >= {"creating", "created", "started"}
    assert all(line[2] == ":" and line[5] == ":" and ": " in line[9:] for line in plain.stderr.splitlines())
    assert quiet.returncode == 0
    assert quiet.stderr == ""


def test_strict_refuses_unsupported_key_before_creating(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    cgroup_parent: crank-test.slice
volumes:
  data:
"""
    )

    refused = project("up", "-d", "--strict")

    assert refused.returncode == 3
    assert "services.web.cgroup_parent: unsupported" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}

    warned = project("up", "-d")

    assert warned.returncode == 0, warned.stderr
    assert "crank: warning: services.web.cgroup_parent: unsupported" in warned.stderr


def test_status_keeps_image_name_after_untag(engine: Engine, project: Crank) -> None:
    reference = f"localhost/{project.project}:pinned"
    engine.client("tag", TEST_IMAGE, reference)
    (project.folder / "compose.yaml").write_text(f"services:\n  web:\n    image: {reference}\n    command: [sleep, '600']\n    init: true\n")
    assert project("up", "-d").returncode == 0

    # The tag goes; the image stays, under its other name, and the container keeps running.
    engine.client("rmi", reference)
    rows = json.loads(project("status", "--format", "json").stdout)

    assert [row["image"] for row in rows] == [reference]


def test_build_output_follows_progress_mode(engine: Engine, project: Crank) -> None:
    # The project's name in the step keeps the engine from taking it from an earlier run's cache.
    (project.folder / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo step-ran-{project.project}\n")
    (project.folder / "compose.yaml").write_text("services:\n  web:\n    build: .\n")
    image = f"{project.project}-web"
    built: list[str] = []
    try:
        as_json = project("--progress", "json", "build")
        # The build without cache leaves the first image untagged; the cleanup removes it too.
        built.append(engine.client("image", "inspect", "--format", "{{.Id}}", image).stdout.strip())
        quiet = project("--progress", "quiet", "build", "--no-cache")
        (project.folder / "Dockerfile").write_text(f"FROM {TEST_IMAGE}\nRUN echo before-the-failure && false\n")
        stopped_before = stopped_containers(engine)
        failed = project("--progress", "quiet", "build")
        stopped_after = stopped_containers(engine)
    finally:
        engine.client("rmi", "--force", image, *built, check=False)

    assert as_json.returncode == 0, as_json.stderr
    records = [json.loads(line) for line in as_json.stderr.splitlines()]
    output = [record["message"] for record in records if record.get("level") == "output"]
    assert f"step-ran-{project.project}" in output
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert failed.returncode == 1
    assert failed.stderr.startswith("crank: error: ")
    assert len(failed.stderr.splitlines()) == 1
    assert "before-the-failure" in failed.stderr
    assert stopped_after == stopped_before


def stopped_containers(engine: Engine) -> list[str]:
    """Return the IDs of every stopped container, such as one a failed build step left."""
    listed = engine.client("ps", "--all", "--quiet", "--no-trunc", "--filter", "status=exited")
    return sorted(listed.stdout.split())
