"""crank on an interactive terminal, live on each engine.

crank's engine commands run in a process group of their own, which on a terminal is in the
background. The kernel stops a background process that reads the terminal, so an
engine command that inherits the terminal as its input can hang crank for good.
"""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

# Busybox's sh is PID 1 and ignores SIGTERM without a trap.
IDLE = "trap 'exit 0' TERM; while true; do sleep 0.2; done"

HEALTH_CHAIN = f"""
services:
  db:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 30
  api:
    image: {TEST_IMAGE}
    command: ["sh", "-c", "{IDLE}"]
    depends_on:
      db: {{condition: service_healthy}}
"""


def run_on_terminal(project: Crank, *args: str, limit: float) -> tuple[int | None, str]:
    """Run crank as the leader of a new session whose controlling terminal is a new pseudo-terminal.

    The terminal is crank's standard input, output and error. Return crank's exit code, or
    None if it was still running after `limit` seconds (it is then killed), and its output.
    """
    controller, terminal = os.openpty()

    def take_terminal() -> None:
        # Runs in the child after setsid(), so the terminal becomes the new session's
        # controlling terminal, with crank's process group in the foreground.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    command = [sys.executable, "-m", "crank_cli", *args]
    process = subprocess.Popen(command, cwd=project.folder, env=project.environ({"TERM": "xterm"}),
                               stdin=terminal, stdout=terminal, stderr=terminal,
                               start_new_session=True, preexec_fn=take_terminal)
    os.close(terminal)
    output = bytearray()
    deadline = time.monotonic() + limit
    try:
        # The output is read as it comes, because crank blocks once the terminal's buffer is full.
        while process.poll() is None and time.monotonic() < deadline:
            readable, _, _ = select.select([controller], [], [], 0.2)
            if readable:
                output += _read_available(controller)
        code = process.poll()
        if code is None:
            process.kill()
            process.wait(timeout=30)
        output += _read_available(controller)
    finally:
        # An engine command left stopped gets SIGHUP and SIGCONT from the kernel once crank is
        # gone, because its process group is then orphaned, so nothing stays stopped.
        os.close(controller)
    return code, output.decode(errors="replace")


def _read_available(controller: int) -> bytes:
    chunks = b""
    while select.select([controller], [], [], 0)[0]:
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            # Linux raises EIO once no process has the terminal open any more.
            break
        if not chunk:
            break
        chunks += chunk
    return chunks


def test_up_wait_finishes_on_terminal(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(HEALTH_CHAIN)

    code, output = run_on_terminal(project, "up", "-d", "--wait", "--wait-timeout", "50", limit=60)

    # The live progress table redraws itself many times, so only its end goes into a failure.
    tail = output[-2000:]
    assert code is not None, f"crank up -d --wait did not finish within 60 s on a terminal:\n{tail}"
    assert code == 0, tail
    health = engine.client("inspect", "--format", "{{.State.Health.Status}}", f"{project.project}-db-1").stdout
    assert health.strip() == "healthy"
