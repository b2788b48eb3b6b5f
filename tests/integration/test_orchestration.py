"""up as an orchestrator, live on each engine: conditions, health, changes, scale, lock, Ctrl-C."""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime
from pathlib import Path

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, interrupt

# Busybox's sh is PID 1 and ignores SIGTERM without a trap; the image has no /tmp.
IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"

CHAIN = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3; touch /ready; {IDLE}"]
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 30
  migrate-once:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "sleep 1; exit 0"]
    depends_on:
      db: {{condition: service_healthy}}
  api:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    environment:
      MODE: ${{API_MODE:-one}}
    depends_on:
      db: {{condition: service_healthy, restart: true}}
      migrate-once: {{condition: service_completed_successfully}}
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      api: {{condition: service_started, restart: true}}
"""


def timestamp(engine: Engine, container: str, field: str) -> datetime:
    """Read State.StartedAt or State.FinishedAt, trimmed to microseconds for datetime."""
    text = engine.client("inspect", "--format", "{{.State." + field + "}}", container).stdout.strip()
    # Docker prints RFC 3339 (2026-12-04T20:41:18.5Z); Podman prints Go's default (2026-12-04 20:41:18.5 +0000 UTC).
    match = re.match(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?", text)
    assert match, f"unexpected {field}: {text!r}"
    fraction = (match.group(3) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}.{fraction}")


def inspect(engine: Engine, container: str, template: str) -> str:
    return engine.client("inspect", "--format", template, container).stdout.strip()


def test_chain_waits_for_health_and_completion(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(CHAIN)
    name = project.project

    result = project("up", "--wait", "--wait-timeout", "90")

    assert result.returncode == 0, result.stderr
    db_started = timestamp(engine, f"{name}-db-1", "StartedAt")
    migrate_finished = timestamp(engine, f"{name}-migrate-once-1", "FinishedAt")
    api_started = timestamp(engine, f"{name}-api-1", "StartedAt")
    web_started = timestamp(engine, f"{name}-web-1", "StartedAt")
    assert (api_started - db_started).total_seconds() >= 3, "api started before db could be healthy"
    assert api_started >= migrate_finished, "api started before migrate-once finished"
    assert web_started >= api_started
    assert inspect(engine, f"{name}-db-1", "{{.State.Health.Status}}") == "healthy"
    assert inspect(engine, f"{name}-migrate-once-1", "{{.State.ExitCode}}") == "0"


# db removes its ready file on each start, so after `stop` it is unhealthy again for 3 s.
RESTARTABLE_CHAIN = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; rm -f /ready; sleep 3; touch /ready; {IDLE}"]
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 30
  migrate-once:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "sleep 1; exit 0"]
    depends_on:
      db: {{condition: service_healthy}}
  api:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      db: {{condition: service_healthy}}
      migrate-once: {{condition: service_completed_successfully}}
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      api: {{condition: service_started}}
"""


def test_start_waits_for_conditions(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(RESTARTABLE_CHAIN)
    name = project.project
    assert project("up", "--wait", "--wait-timeout", "90").returncode == 0
    assert project("stop").returncode == 0

    result = project("start")

    assert result.returncode == 0, result.stderr
    db_started = timestamp(engine, f"{name}-db-1", "StartedAt")
    migrate_started = timestamp(engine, f"{name}-migrate-once-1", "StartedAt")
    migrate_finished = timestamp(engine, f"{name}-migrate-once-1", "FinishedAt")
    api_started = timestamp(engine, f"{name}-api-1", "StartedAt")
    web_started = timestamp(engine, f"{name}-web-1", "StartedAt")
    assert (migrate_started - db_started).total_seconds() >= 3, "migrate-once started before db could be healthy"
    assert api_started >= migrate_finished, "api started before migrate-once finished"
    assert web_started >= api_started
    assert inspect(engine, f"{name}-migrate-once-1", "{{.State.ExitCode}}") == "0"


def test_start_of_one_service_starts_its_dependencies(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(RESTARTABLE_CHAIN)
    name = project.project
    assert project("up", "--wait", "--wait-timeout", "90").returncode == 0
    assert project("stop").returncode == 0

    result = project("start", "web")

    assert result.returncode == 0, result.stderr
    assert inspect(engine, f"{name}-db-1", "{{.State.Status}}") == "running"
    assert inspect(engine, f"{name}-api-1", "{{.State.Status}}") == "running"
    assert inspect(engine, f"{name}-web-1", "{{.State.Status}}") == "running"


def test_failing_healthcheck_fails_wait(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  broken:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    healthcheck:
      test: ["CMD-SHELL", "exit 1"]
      interval: 1s
      retries: 2
"""
    )

    result = project("up", "--wait", "--wait-timeout", "60")

    assert result.returncode == 5
    assert "service broken" in result.stderr
    assert "unhealthy" in result.stderr
    assert "Traceback" not in result.stderr


def test_changes_recreate_only_changed_service(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(CHAIN)
    name = project.project
    assert project("up", "--wait", "--wait-timeout", "90").returncode == 0
    containers = [f"{name}-{service}-1" for service in ("db", "api", "web")]
    ids = {container: inspect(engine, container, "{{.Id}}") for container in containers}
    started = {container: timestamp(engine, container, "StartedAt") for container in containers}

    unchanged = project("up", "-d")

    assert unchanged.returncode == 0, unchanged.stderr
    # Only the one-shot migrate-once runs again, as it does with docker compose.
    assert "creating" not in unchanged.stderr
    assert "restarting" not in unchanged.stderr
    assert f"{name}-migrate-once-1: started" in unchanged.stderr
    assert {container: inspect(engine, container, "{{.Id}}") for container in containers} == ids
    assert {container: timestamp(engine, container, "StartedAt") for container in containers} == started

    changed = project("up", "-d", env={"API_MODE": "two"})

    assert changed.returncode == 0, changed.stderr
    assert inspect(engine, f"{name}-db-1", "{{.Id}}") == ids[f"{name}-db-1"]
    assert timestamp(engine, f"{name}-db-1", "StartedAt") == started[f"{name}-db-1"]
    assert inspect(engine, f"{name}-api-1", "{{.Id}}") != ids[f"{name}-api-1"]
    assert "MODE=two" in inspect(engine, f"{name}-api-1", "{{.Config.Env}}")
    # web depends on api with restart: true, so it is restarted, not recreated.
    assert inspect(engine, f"{name}-web-1", "{{.Id}}") == ids[f"{name}-web-1"]
    assert timestamp(engine, f"{name}-web-1", "StartedAt") > started[f"{name}-web-1"]


def test_scale_up_and_down(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  worker:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    )
    name = project.project

    assert project("up", "-d", "--scale", "worker=3").returncode == 0
    assert sorted(engine.objects(name)["containers"]) == [f"{name}-worker-{n}" for n in (1, 2, 3)]

    result = project("up", "-d", "--scale", "worker=1")

    assert result.returncode == 0, result.stderr
    assert engine.objects(name)["containers"] == [f"{name}-worker-1"]
    assert result.stderr.index(f"{name}-worker-3: removing") < result.stderr.index(f"{name}-worker-2: removing")
    for removed in (f"{name}-worker-2", f"{name}-worker-3"):
        assert f"{removed}: removed" in result.stderr


def test_deploy_replicas_sets_count(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  worker:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
        "    deploy:\n      replicas: 2\n"
    )

    assert project("up", "-d").returncode == 0

    assert len(engine.objects(project.project)["containers"]) == 2


def test_volume_data_survives_down_without_v(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  writer:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo start >> /data/log; {IDLE}"]
    volumes: [data:/data, "data:/readonly:ro"]
volumes:
  data:
"""
    )
    container = f"{project.project}-writer-1"

    def lines() -> int:
        return len(engine.client("exec", container, "cat", "/data/log").stdout.splitlines())

    assert project("up", "-d").returncode == 0
    assert project("down").returncode == 0
    assert project("up", "-d").returncode == 0
    assert lines() == 2

    assert project("down", "-v").returncode == 0
    assert project("up", "-d").returncode == 0
    assert lines() == 1


def test_concurrent_up_waits_for_lock(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(CHAIN)
    first = project.start("up", "--wait", "--wait-timeout", "90")
    try:
        time.sleep(1.0)
        second = project("up", "-d")
        first_code = first.wait(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()

    assert first_code == 0
    assert second.returncode == 0, second.stderr
    assert f"project {project.project} is being changed by crank process {first.pid}" in second.stderr
    # The first up made every container, so the second only runs the one-shot migrate-once again.
    assert "creating" not in second.stderr


def test_interrupted_up_then_up_completes(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(CHAIN)
    # db needs 3 s to become healthy, so the signal lands while up waits for it.
    code, stderr = interrupt(project.start("up", "-d"), after=1.5)

    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert f"{project.project}-web-1" not in engine.objects(project.project)["containers"]

    result = project("up", "--wait", "--wait-timeout", "90")

    assert result.returncode == 0, result.stderr
    states = {name: inspect(engine, name, "{{.State.Status}}") for name in engine.objects(project.project)["containers"]}
    assert states == {
        f"{project.project}-db-1": "running",
        f"{project.project}-migrate-once-1": "exited",
        f"{project.project}-api-1": "running",
        f"{project.project}-web-1": "running",
    }


def test_logs_tail_shows_service_output(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  talker:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"echo one; echo two; {IDLE}\"]\n"
    )
    assert project("up", "-d").returncode == 0
    time.sleep(1)

    result = project("logs", "--tail", "1", "talker")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "talker-1 | two"


def test_exec_runs_in_service_container(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  box:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    )
    assert project("up", "-d").returncode == 0

    result = project("exec", "-T", "box", "sh", "-c", "echo inside; exit 3")
    piped = project("exec", "-T", "box", "cat", input_text="from stdin\n")

    assert result.returncode == 3
    assert result.stdout.strip() == "inside"
    # As with docker compose, -T turns off the terminal but still passes standard input.
    assert piped.stdout == "from stdin\n"


def test_down_refuses_foreign_project(engine: Engine, project: Crank, tmp_path: Path) -> None:
    container = f"{project.project}-foreign"
    engine.client("run", "-d", "--name", container, "--label", f"com.docker.compose.project={project.project}",
                  TEST_IMAGE, "sh", "-c", IDLE)
    try:
        listed = project("-p", project.project, "status")
        assert f"{project.project} (docker compose)" in listed.stdout

        refused = project("-p", project.project, "down")

        assert refused.returncode == 2
        assert "was started by docker compose" in refused.stderr
        assert "--force" in refused.stderr

        forced = project("-p", project.project, "down", "--force")

        assert forced.returncode == 0, forced.stderr
        assert engine.client("inspect", container, check=False).returncode != 0
    finally:
        engine.client("rm", "-f", container, check=False)


def test_stop_names_container_outside_project(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"services:\n  app:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    )
    outside = f"{project.project}-outside"
    started = project("run", "-d", "--name", outside, TEST_IMAGE, "sh", "-c", IDLE)
    try:
        assert started.returncode == 0, started.stderr

        stopped = project("stop", outside)

        assert stopped.returncode == 0, stopped.stderr
        assert inspect(engine, outside, "{{.State.Running}}") == "false"

        unknown = project("stop", f"{project.project}-missing")

        assert unknown.returncode == 2
        assert f"no such container: {project.project}-missing" in unknown.stderr
    finally:
        engine.client("rm", "-f", outside, check=False)


def test_down_removes_disabled_profile_services(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
  tool:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    profiles: [tools]
"""
    )
    assert project("--profile", "tools", "up", "-d").returncode == 0
    assert f"{project.project}-tool-1" in engine.objects(project.project)["containers"]

    result = project("down")

    assert result.returncode == 0, result.stderr
    assert "--remove-orphans" not in result.stderr
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_down_stops_disabled_dependent_first(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
  tool:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    profiles: [tools]
    depends_on: [web]
"""
    )
    assert project("up", "-d", "tool").returncode == 0

    result = project("down")

    assert result.returncode == 0, result.stderr
    name = project.project
    assert result.stderr.index(f"{name}-tool-1: removed") < result.stderr.index(f"{name}-web-1: stopping")


def test_up_keeps_disabled_profile_services(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
  tool:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    profiles: [tools]
"""
    )
    tool = f"{project.project}-tool-1"
    assert project("--profile", "tools", "up", "-d").returncode == 0

    plain = project("up", "-d")

    assert plain.returncode == 0, plain.stderr
    assert "--remove-orphans" not in plain.stderr
    assert tool not in plain.stderr

    removing = project("up", "-d", "--remove-orphans")

    assert removing.returncode == 0, removing.stderr
    assert tool in engine.objects(project.project)["containers"]


def test_up_replicas_without_warning(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    deploy:
      replicas: 2
"""
    )

    result = project("up", "-d")
    scaled = project("up", "-d", "--scale", "web=3")

    assert result.returncode == 0, result.stderr
    assert scaled.returncode == 0, scaled.stderr
    containers = engine.objects(project.project)["containers"]
    assert f"{project.project}-web-1" in containers
    assert f"{project.project}-web-3" in containers
    # Each engine runs the replicas as numbered containers, as docker compose does without a
    # swarm, so `up` has nothing to report about them.
    assert "deploy.replicas" not in result.stderr
    assert "deploy.replicas" not in scaled.stderr


def test_service_keys_reach_container(engine: Engine, project: Crank) -> None:
    (project.folder / "token.txt").write_text("from-file\n")
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  box:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    read_only: true
    tmpfs: [/scratch]
    cap_drop: [NET_RAW]
    extra_hosts: ["db.example=10.11.12.13"]
    working_dir: /scratch
    user: "1234:1234"
    stop_signal: SIGUSR1
    secrets: [token, {{source: password, target: /run/secrets/pw}}]
    configs: [{{source: greeting, target: /greeting}}]
    networks: [front, back]
secrets:
  token: {{file: ./token.txt}}
  password: {{environment: CRANK_TEST_PASSWORD}}
configs:
  greeting: {{content: "hello from config"}}
networks:
  front: {{}}
  back: {{internal: true}}
"""
    )
    container = f"{project.project}-box-1"

    result = project("up", "-d", env={"CRANK_TEST_PASSWORD": "s3cret-value"})

    assert result.returncode == 0, result.stderr
    assert "s3cret-value" not in result.stderr + result.stdout

    def run(*command: str) -> str:
        return engine.client("exec", container, *command).stdout.strip()

    assert run("cat", "/run/secrets/token") == "from-file"
    assert run("cat", "/run/secrets/pw") == "s3cret-value"
    assert run("cat", "/greeting") == "hello from config"
    assert run("pwd") == "/scratch"
    assert run("id", "-u") == "1234"
    assert "10.11.12.13" in run("cat", "/etc/hosts")
    assert engine.client("exec", container, "touch", "/rootfs-write", check=False).returncode != 0
    assert inspect(engine, container, "{{.HostConfig.ReadonlyRootfs}}") == "true"
    assert inspect(engine, container, "{{.Config.StopSignal}}") in ("SIGUSR1", "10")
    networks = inspect(engine, container, "{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{end}}").split()
    assert sorted(networks) == [f"{project.project}_back", f"{project.project}_front"]


def test_interrupted_down_then_down_completes(engine: Engine, project: Crank) -> None:
    # No SIGTERM trap, so each stop waits for the timeout: down is still busy when Ctrl-C lands.
    (project.folder / "compose.yaml").write_text(
        f"""
services:
  slow:
    image: {TEST_IMAGE}
    command: ["sleep", "3600"]
  front:
    image: {TEST_IMAGE}
    command: ["sleep", "3600"]
    depends_on: [slow]
"""
    )
    assert project("up", "-d").returncode == 0
    code, stderr = interrupt(project.start("down", "-t", "3"), after=1.5)

    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert f"{project.project}-slow-1" in engine.objects(project.project)["containers"]

    again = project("down", "-t", "1")

    assert again.returncode == 0, again.stderr
    assert engine.objects(project.project) == {"containers": [], "networks": [], "volumes": []}


def test_failed_recreate_keeps_old_container(engine: Engine, project: Crank) -> None:
    service = f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
    (project.folder / "compose.yaml").write_text(service)
    assert project("up", "-d").returncode == 0
    before = engine.client("inspect", "--format", "{{.Id}}", f"{project.project}-web-1").stdout.strip()

    # A limit no kernel grants: the new container cannot start.
    (project.folder / "compose.yaml").write_text(service + "    ulimits:\n      nofile: 99999999\n")
    result = project("up", "-d")

    assert result.returncode == 1
    state = engine.client("inspect", "--format", "{{.Id}} {{.State.Status}}", f"{project.project}-web-1").stdout.split()
    assert state == [before, "running"]
    assert len(engine.objects(project.project)["containers"]) == 1


def test_namespace_sharer_recreated_with_owner(engine: Engine, project: Crank) -> None:
    compose = (
        "services:\n"
        f"  web:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n    environment: {{MARK: '1'}}\n"
        f"  side:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n    network_mode: 'service:web'\n"
    )
    (project.folder / "compose.yaml").write_text(compose)
    assert project("up", "-d").returncode == 0
    side = f"{project.project}-side-1"
    before = engine.client("inspect", "--format", "{{.Id}}", side).stdout.strip()

    (project.folder / "compose.yaml").write_text(compose.replace("MARK: '1'", "MARK: '2'"))
    result = project("up", "-d")

    assert result.returncode == 0, result.stderr
    # side joined the old web's network namespace, which is gone, so it is made again.
    assert engine.client("inspect", "--format", "{{.Id}}", side).stdout.strip() != before
    assert engine.client("inspect", "--format", "{{.State.Status}}", side).stdout.strip() == "running"


def test_ipam_subnet_and_fixed_address(engine: Engine, project: Crank) -> None:
    octets = secrets.randbelow(200) + 20, secrets.randbelow(250) + 1
    subnet, address = f"10.{octets[0]}.{octets[1]}.0/24", f"10.{octets[0]}.{octets[1]}.50"
    (project.folder / "compose.yaml").write_text(
        f"services:\n  box:\n    image: {TEST_IMAGE}\n    command: [\"sh\", \"-c\", \"{IDLE}\"]\n"
        f"    networks:\n      fixed:\n        ipv4_address: {address}\n"
        f"networks:\n  fixed:\n    ipam:\n      config:\n        - subnet: {subnet}\n"
    )

    result = project("up", "-d")

    assert result.returncode == 0, result.stderr
    assert "ipam" not in result.stderr
    shown = engine.client("exec", f"{project.project}-box-1", "ip", "-4", "-o", "addr", "show").stdout
    assert f"inet {address}/24" in shown


def test_existing_external_volume_and_network_used(engine: Engine, project: Crank) -> None:
    shared = f"{project.project}-shared"
    engine.client("volume", "create", shared)
    engine.client("network", "create", shared)
    try:
        engine.client("run", "--rm", "-v", f"{shared}:/v", TEST_IMAGE, "sh", "-c", "echo kept > /v/f")
        (project.folder / "compose.yaml").write_text(
            f"services:\n  web:\n    image: {TEST_IMAGE}\n    command: [sh, -c, \"{IDLE}\"]\n"
            f"    volumes: [ext:/data]\n    networks: [ext]\n"
            f"volumes:\n  ext:\n    external: true\n    name: {shared}\n"
            f"networks:\n  ext:\n    external: true\n    name: {shared}\n"
        )
        container = f"{project.project}-web-1"

        assert project("up", "-d").returncode == 0
        # A second up reads the external objects again and changes nothing.
        again = project("up", "-d")
        assert again.returncode == 0
        assert f"project {project.project} is up to date" in again.stderr

        assert engine.client("exec", container, "cat", "/data/f").stdout == "kept\n"
        assert shared in inspect(engine, container, "{{json .NetworkSettings.Networks}}")
        assert project("down", "-v").returncode == 0
        # External objects belong to the user, so down -v keeps them.
        assert engine.client("volume", "inspect", shared, check=False).returncode == 0
        assert engine.client("network", "inspect", shared, check=False).returncode == 0
    finally:
        engine.remove_project(project.project)
        engine.client("network", "rm", shared, check=False)
        engine.client("volume", "rm", shared, check=False)


RESTART_DEPENDENTS = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "touch /ready; {IDLE}"]
    healthcheck: {{test: ["CMD", "test", "-f", "/ready"], interval: 1s, retries: 30}}
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      db: {{condition: service_healthy, restart: true}}
  plain:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on: [db]
  side:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    network_mode: "service:web"
"""


def test_restart_takes_restart_dependents(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(RESTART_DEPENDENTS)
    assert project("up", "-d", "--wait").returncode == 0
    name = project.project
    before = {service: timestamp(engine, f"{name}-{service}-1", "StartedAt") for service in ("web", "plain")}

    result = project("restart", "db")

    assert result.returncode == 0, result.stderr
    assert timestamp(engine, f"{name}-web-1", "StartedAt") > before["web"]
    # plain depends on db without `restart: true`, so it keeps running, as with docker compose.
    assert timestamp(engine, f"{name}-plain-1", "StartedAt") == before["plain"]
    assert result.stderr.index(f"{name}-db-1: healthy") < result.stderr.index(f"{name}-web-1: restarting")
    assert result.stderr.index(f"{name}-web-1: restarted") < result.stderr.index(f"{name}-side-1: restarting")


def test_restart_no_deps_keeps_dependents(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(RESTART_DEPENDENTS)
    assert project("up", "-d", "--wait").returncode == 0
    name = project.project
    before = {service: timestamp(engine, f"{name}-{service}-1", "StartedAt") for service in ("db", "web", "side")}

    result = project("restart", "--no-deps", "db")

    assert result.returncode == 0, result.stderr
    assert timestamp(engine, f"{name}-db-1", "StartedAt") > before["db"]
    assert timestamp(engine, f"{name}-web-1", "StartedAt") == before["web"]
    assert timestamp(engine, f"{name}-side-1", "StartedAt") == before["side"]


def test_restart_keeps_network_of_namespace_sharer(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(RESTART_DEPENDENTS)
    assert project("up", "-d", "--wait").returncode == 0

    result = project("restart", "web")

    assert result.returncode == 0, result.stderr
    # side shares web's network namespace: restarted with web, it joins the new one.
    interfaces = project("exec", "-T", "side", "cat", "/proc/net/dev")
    assert interfaces.returncode == 0, interfaces.stderr
    assert "eth0" in interfaces.stdout


JOB = f"""
services:
  init:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo job-ran"]
  app:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      init: {{condition: service_completed_successfully}}
"""


def test_second_up_runs_job_again(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(JOB)
    assert project("up", "-d").returncode == 0
    app = f"{project.project}-app-1"
    app_started = timestamp(engine, app, "StartedAt")

    again = project("up", "-d")

    assert again.returncode == 0, again.stderr
    logs = project("logs", "--no-log-prefix", "init")
    assert logs.stdout.split() == ["job-ran", "job-ran"]
    assert inspect(engine, f"{project.project}-init-1", "{{.State.ExitCode}}") == "0"
    # The dependent keeps running, as with docker compose.
    assert timestamp(engine, app, "StartedAt") == app_started



QUICK_TASK = f"""
services:
  web:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "touch /ready; {IDLE}"]
    healthcheck:
      test: ["CMD", "test", "-f", "/ready"]
      interval: 1s
      retries: 30
  job:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo job-ran; ${{PAUSE}}; exit 0"]
    depends_on:
      web: {{condition: service_healthy}}
"""


def test_wait_fails_on_quick_task_every_time(engine: Engine, project: Crank) -> None:
    # A task without a healthcheck that exits at once, or after 0.3 s, fails every time. The
    # 0.3 s one outlives the first poll, which used to count it as ready.
    (project.folder / "compose.yaml").write_text(QUICK_TASK)
    for pause in ("true", "true", "sleep 0.3", "sleep 0.3"):
        result = project("up", "-d", "--wait", "--wait-timeout", "60", env={"PAUSE": pause})

        assert result.returncode == 5, f"{pause}: {result.stderr}"
        assert re.search(r"service job \(\S+-job-1\) exited with code 0 instead of running", result.stderr), result.stderr
        assert project("down", "-v", "-t", "0").returncode == 0
