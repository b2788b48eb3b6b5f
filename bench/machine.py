"""Describe the machine and the versions of every tool that the benchmark ran."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from tools import REFERENCE_NAMES, Tool, clean_environment


def describe_machine() -> dict[str, str]:
    """Return the CPU model and cores, total memory, kernel and operating system."""
    return {
        "CPU": f"{_cpu_model()}, {os.cpu_count()} cores",
        "Memory": f"{_memory_gib():.1f} GiB",
        "Kernel": f"{platform.system()} {platform.release()}",
        "Operating system": _os_name(),
    }


def _cpu_model() -> str:
    for line in _read_lines(Path("/proc/cpuinfo")):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    for line in _read_lines(Path("/proc/meminfo")):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _os_name() -> str:
    for line in _read_lines(Path("/etc/os-release")):
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return "unknown"


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []


def collect_versions(tools: list[Tool]) -> dict[str, str]:
    """Return the version of Python, each engine run, and each tool in `tools`."""
    versions = {"Python": platform.python_version()}
    engines = sorted({tool.engine for tool in tools})
    for engine in engines:
        versions.update(_engine_versions(engine))
    for tool in tools:
        name, argv = _version_command(tool)
        versions.setdefault(name, _first_line(argv, tool.environment()))
    return versions


def _version_command(tool: Tool) -> tuple[str, list[str]]:
    """Return the tool's name in the report and the argv that prints its version."""
    if tool.role == "crank":
        return "crank", [*tool.argv, "--version"]
    return REFERENCE_NAMES[tool.engine], [*tool.argv, "version"]


def _engine_versions(engine: str) -> dict[str, str]:
    if engine == "docker":
        return {
            "Docker engine": _first_line(["docker", "version", "--format", "{{.Server.Version}}"]),
            "Docker client": _first_line(["docker", "version", "--format", "{{.Client.Version}}"]),
        }
    return {"Podman": _first_line(["podman", "version", "--format", "{{.Client.Version}}"])}


def _first_line(argv: list[str], env: dict[str, str] | None = None) -> str:
    """Return the first line a version command prints, or why it printed none."""
    result = subprocess.run(argv, capture_output=True, text=True, env=env or clean_environment(), check=False, timeout=60)
    lines = (result.stdout or result.stderr).strip().splitlines()
    if result.returncode != 0 or not lines:
        return f"unknown (`{' '.join(argv)}` exited with code {result.returncode})"
    return lines[0]


def running_test_suites() -> list[str]:
    """Return the command lines of running pytest processes, which compete for the CPU."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            words = [word for word in (entry / "cmdline").read_bytes().decode(errors="replace").split("\0") if word]
        except OSError:
            continue  # The process ended while the loop ran.
        if _is_pytest(words):
            found.append(" ".join(words))
    return found


def _is_pytest(words: list[str]) -> bool:
    """Tell whether an argv runs pytest, as `pytest ...`, `python -m pytest ...` or under `timeout`."""
    return any(Path(word).name in ("pytest", "py.test") for word in words)


def describe_crank_source() -> str:
    """Return the commit of the crank tree that ran, and how many of its files had uncommitted changes.

    crank is installed editable in the venv, so a benchmark measures the working tree as it is.
    """
    repository = Path(__file__).resolve().parent.parent
    commit = _first_line(["git", "-C", str(repository), "rev-parse", "--short", "HEAD"])
    status = subprocess.run(["git", "-C", str(repository), "status", "--porcelain", "--", "crank_cli"], capture_output=True, text=True, check=False)
    changed = len(status.stdout.splitlines())
    if changed == 0:
        return f"commit {commit}, no uncommitted changes under crank_cli/"
    return f"commit {commit}, with uncommitted changes in {changed} files under crank_cli/"
