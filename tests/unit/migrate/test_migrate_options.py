"""Options of `crank migrate` that are rejected before any engine or project is read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def crank(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crank_cli", *args], cwd=folder, capture_output=True, text=True,
                          timeout=60, check=False)


def test_invalid_format_rejected(tmp_path: Path) -> None:
    result = crank(tmp_path, "migrate", "--to", "podman", "--format", "yaml", "--dry-run")

    assert result.returncode == 2
    assert result.stderr == "crank: error: invalid --format 'yaml': use text or json\n"
    assert result.stdout == ""


def test_json_without_dry_run_rejected_as_json(tmp_path: Path) -> None:
    result = crank(tmp_path, "migrate", "--to", "podman", "--format", "json")

    assert result.returncode == 2
    assert result.stderr == ""
    assert json.loads(result.stdout) == {"schema": 1, "error": "usage",
                                         "message": "--format json applies only to the plan that --dry-run prints"}


def test_same_from_and_to_rejected(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")

    result = crank(tmp_path, "migrate", "--to", "podman", "--from", "podman")

    assert result.returncode == 2
    assert result.stderr == ("crank: error: --from and --to both name podman: --to names the engine to move the "
                             "project to, which must differ from the one it runs on\n")
