"""Live on each engine: `stats` without --no-stream follows the project's containers, as docker compose does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from tests.integration.conftest import TEST_IMAGE, Crank, Engine

IDLE = f"""
    image: {TEST_IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
"""


class ViewOutput:
    """Collect what a live view writes to its standard output, from a thread of its own."""

    def __init__(self, view: subprocess.Popen[str]) -> None:
        self.text = ""
        self.thread = threading.Thread(target=self._read, args=(view,), daemon=True)
        self.thread.start()

    def _read(self, view: subprocess.Popen[str]) -> None:
        for chunk in iter(lambda: view.stdout.read(1), ""):  # type: ignore[union-attr]
            self.text += chunk

    def last_frame(self) -> str:
        """Return the last whole frame: the lines between the last two header lines."""
        lines = self.text.splitlines()
        headers = [index for index, line in enumerate(lines) if "NAME" in line and "CPU %" in line]
        if len(headers) < 2:
            return ""
        return "\n".join(lines[headers[-2] + 1:headers[-1]])

    def wait_for(self, condition: Callable[[str], bool], seconds: float = 30) -> bool:
        """Wait until a frame that begins after this call meets `condition`; return whether one did."""
        deadline = time.monotonic() + seconds
        start = len(self.text)
        while time.monotonic() < deadline:
            if self.text.count("CPU %", start) >= 2 and condition(self.last_frame()):
                return True
            time.sleep(0.5)
        return False


def test_live_stats_follows_containers(engine: Engine, project: Crank) -> None:
    (project.folder / "compose.yaml").write_text(f"services:\n  one:{IDLE}  two:{IDLE}")
    one, two = f"{project.project}-one-1", f"{project.project}-two-1"
    assert project("up", "-d", "one").returncode == 0
    # Ctrl-C on a terminal reaches crank and the engine's client, which share a process group.
    view = subprocess.Popen([sys.executable, "-m", "crank_cli", "stats"], cwd=project.folder,
                            env=project.environ(None), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        output = ViewOutput(view)
        first_shown = output.wait_for(lambda frame: one in frame)
        up = project("up", "-d", "two")
        started_shown = output.wait_for(lambda frame: one in frame and two in frame)
        engine.client("rm", "-f", one)
        removed_gone = output.wait_for(lambda frame: one not in frame and two in frame)
        os.killpg(view.pid, signal.SIGINT)
        view.wait(timeout=30)
        output.thread.join(timeout=10)
        errors = view.stderr.read()  # type: ignore[union-attr]
    finally:
        if view.poll() is None:
            os.killpg(view.pid, signal.SIGKILL)

    assert first_shown, output.text[-2000:]
    assert up.returncode == 0, up.stderr
    assert started_shown, output.text[-2000:]
    assert removed_gone, output.text[-2000:]
    assert view.returncode == 130, errors
    assert errors == ""
