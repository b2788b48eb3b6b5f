"""Time compose cycles, the raw engine floor and start-up, and remove what the runs create.

Every number is wall-clock time from time.perf_counter around subprocess.run, so it
includes the tool's own start-up, which a user at the prompt waits for too.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from projects import COMMAND, TEST_IMAGE, service_names
from tools import Tool, clean_environment

PHASES = ("up", "up unchanged", "status", "down")
FLOOR_WORKERS = 8
COMMAND_TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Sample:
    """One timed command: which engine, project size, tool role and phase, and its seconds."""

    engine: str
    services: int
    role: str
    phase: str
    seconds: float


class CommandFailed(Exception):
    """A timed command exited with a non-zero code or timed out."""


def run_timed(argv: Sequence[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Run a command, raise CommandFailed unless it exits 0 in time, and return its wall-clock seconds."""
    start = time.perf_counter()
    try:
        result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        message = f"`{shlex.join(argv)}` timed out after {COMMAND_TIMEOUT_SECONDS} s"
        raise CommandFailed(message) from None
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise CommandFailed(f"`{shlex.join(argv)}` exited with code {result.returncode}: {_last_line(result)}")
    return elapsed


def _last_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = (result.stderr or result.stdout or "").strip().splitlines()
    return lines[-1] if lines else "no output"


def measure_compose_cycle(tool: Tool, folder: Path, project: str) -> dict[str, float]:
    """Time `up -d` from nothing, `up -d` again, the status verb and `down` on a fresh project."""
    verbs = {
        "up": ("up", "-d"),
        "up unchanged": ("up", "-d"),
        "status": (tool.status_verb,),
        "down": ("down",),
    }
    environment = tool.environment()
    return {phase: run_timed(tool.command(project, *verbs[phase]), cwd=folder, env=environment) for phase in PHASES}


def measure_floor(engine: str, project: str, services: int) -> float:
    """Time `ENGINE run -d` of the project's N containers, FLOOR_WORKERS at a time.

    The containers match the compose services (same image, command and --init) and carry
    the project's name, so remove_objects finds them. No network is created.
    """
    environment = clean_environment()
    commands = [_floor_run_argv(engine, f"{project}-{name}-1") for name in service_names(services)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=FLOOR_WORKERS) as pool:
        # list() waits for every run and re-raises the first CommandFailed.
        list(pool.map(lambda argv: run_timed(argv, env=environment), commands))
    return time.perf_counter() - start


def _floor_run_argv(engine: str, name: str) -> list[str]:
    return [engine, "run", "-d", "--init", "--name", name, TEST_IMAGE, *COMMAND]


def measure_startup(argv: Sequence[str]) -> float:
    """Time one run of a command that should exit 0 at once, such as `crank --help`."""
    return run_timed(argv, env=clean_environment())


def remove_objects(engine: str, name_part: str) -> list[str]:
    """Force-remove the containers, pods and networks whose names contain `name_part`.

    Returns what it removed. It matches names, not labels, because each tool labels its
    objects differently, and the benchmark's project names are unique.
    """
    removed = []
    for kind, listing, removal in _object_kinds(engine):
        names = _list_names(engine, [*listing, "--filter", f"name={name_part}"])
        if names:
            subprocess.run([engine, *removal, *names], capture_output=True, check=False, timeout=COMMAND_TIMEOUT_SECONDS)
            removed += [f"{kind} {name}" for name in names]
    return removed


def _object_kinds(engine: str) -> list[tuple[str, list[str], list[str]]]:
    """Return (kind, list argv, remove argv) for each object kind, containers first."""
    kinds = [("container", ["ps", "-a", "--format", "{{.Names}}"], ["rm", "-f"])]
    if engine == "podman":
        # podman-compose puts a project's containers in a pod named pod_PROJECT.
        kinds.append(("pod", ["pod", "ls", "--format", "{{.Name}}"], ["pod", "rm", "-f"]))
    kinds.append(("network", ["network", "ls", "--format", "{{.Name}}"], ["network", "rm"]))
    return kinds


def _list_names(engine: str, arguments: list[str]) -> list[str]:
    result = subprocess.run([engine, *arguments], capture_output=True, text=True, check=True, timeout=COMMAND_TIMEOUT_SECONDS)
    return result.stdout.split()


def count_other_containers(engine: str, own_prefix: str) -> int:
    """Count the running containers on an engine whose names do not start with `own_prefix`."""
    names = _list_names(engine, ["ps", "--format", "{{.Names}}"])
    return sum(1 for name in names if not name.startswith(own_prefix))
