"""Foreground `up` and `logs -f` follow a container that its engine restarts, live on each engine."""

from __future__ import annotations

import time

from tests.integration.conftest import TEST_IMAGE, Crank, Engine, interrupt

# Each run prints one line and exits with code 3 a second later, and the engine restarts it twice.
FLAKY = f"""
  flaky:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo run-at-$$(date +%s%N); sleep 1; exit 3"]
    restart: on-failure:2
"""
STEADY = f"""
  steady:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; echo steady-up; while true; do sleep 1; done"]
"""


def write_services(project: Crank, *services: str) -> None:
    (project.folder / "compose.yaml").write_text("services:" + "".join(services))


def runs_shown(output: str) -> int:
    return sum(1 for line in output.splitlines() if line.startswith("flaky-1") and "| run-at-" in line)


def container_status(engine: Engine, name: str) -> str:
    return engine.client("inspect", "--format", "{{.State.Status}}", name).stdout.strip()


def test_up_follows_every_run_until_final_exit(engine: Engine, project: Crank) -> None:
    write_services(project, FLAKY)

    result = project("up", timeout=120)

    assert result.returncode == 0, result.stderr
    assert runs_shown(result.stdout) == 3, result.stdout
    assert result.stderr.count("flaky-1 exited with code 3 (restarting)\n") == 2, result.stderr
    assert result.stderr.endswith("flaky-1 exited with code 3\n"), result.stderr


def test_exit_code_from_aborts_at_first_exit(engine: Engine, project: Crank) -> None:
    write_services(project, FLAKY, STEADY)

    result = project("up", "--exit-code-from", "flaky", timeout=120)

    assert result.returncode == 3, result.stderr
    assert "flaky-1 exited with code 3 (restarting)" in result.stderr
    assert "stopping the project" in result.stderr
    # The stop also ends the restarts, so nothing runs on after crank exits.
    time.sleep(2)
    assert container_status(engine, f"{project.project}-flaky-1") == "exited"
    assert container_status(engine, f"{project.project}-steady-1") == "exited"


def test_logs_follow_ends_after_final_exit(engine: Engine, project: Crank) -> None:
    write_services(project, FLAKY)
    started = project("up", "-d")
    assert started.returncode == 0, started.stderr

    result = project("logs", "-f", timeout=120)

    assert result.returncode == 0, result.stderr
    assert runs_shown(result.stdout) == 3, result.stdout
    assert result.stderr.endswith("flaky-1 exited with code 3\n"), result.stderr


def test_logs_follow_waits_while_a_container_is_stopped(engine: Engine, project: Crank) -> None:
    # As with docker compose 2.40.3, a container that was stopped when `logs -f` began keeps it running.
    write_services(project, f"""
  done:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "echo finished"]
""")
    started = project("up", "-d")
    assert started.returncode == 0, started.stderr
    time.sleep(1)
    process = project.start("logs", "-f")

    code, stderr = interrupt(process, after=3)

    assert code == 130, stderr
    assert process.stdout.read() == "done-1 | finished\n"  # type: ignore[union-attr]


def test_up_follows_always_restarted_service(engine: Engine, project: Crank) -> None:
    write_services(project, FLAKY.replace("on-failure:2", "always"), STEADY)
    process = project.start("up")

    code, stderr = interrupt(process, after=8)

    assert code == 130, stderr
    shown = runs_shown(process.stdout.read())  # type: ignore[union-attr]
    runs = engine.client("logs", f"{project.project}-flaky-1").stdout.count("run-at-")
    # The run that began as the interrupt came may not have printed before crank stopped following.
    assert shown >= 3
    assert shown >= runs - 1, (shown, runs)
    assert stderr.count("flaky-1 exited with code 3 (restarting)") >= 2, stderr
