"""The error of `up` when an image is missing and the options or `pull_policy` forbid making it."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import ExitCode, MissingImageError
from crank_cli.operations.resources import ImagePolicy, ensure_images

COMPOSE = """
services:
  app:
    build: .
    image: demo-app:1
  cache:
    image: demo-cache:1
  pinned:
    image: demo-pinned:1
    pull_policy: never
"""


class NoEvents:
    def emit(self, subject: str, status: str) -> None:
        raise AssertionError(f"nothing is built or pulled, but got {subject}: {status}")


def missing_error(tmp_path: Path, service: str, policy: ImagePolicy) -> MissingImageError:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    found = {"demo-app:1": None, "demo-cache:1": None, "demo-pinned:1": None}
    with pytest.raises(MissingImageError) as raised:
        # No engine command runs, because the policy forbids every build and pull here.
        ensure_images(project, None, [service], policy, NoEvents(), found)  # type: ignore[arg-type]
    return raised.value


def test_no_build_names_flag_and_fix(tmp_path: Path) -> None:
    error = missing_error(tmp_path, "app", ImagePolicy(build="never"))

    assert error.exit_code == ExitCode.ENGINE_FAILED
    assert error.message == ("image demo-app:1 of service app is missing, and --no-build keeps crank from building "
                             "it: run `crank build app` first, or drop --no-build")


def test_pull_never_names_flag_and_fix(tmp_path: Path) -> None:
    error = missing_error(tmp_path, "cache", ImagePolicy(pull="never"))

    assert error.message == ("image demo-cache:1 of service cache is missing, and --pull never keeps crank from "
                             "pulling it: run `crank pull cache` first, or drop --pull never")


def test_pull_policy_never_names_key(tmp_path: Path) -> None:
    error = missing_error(tmp_path, "pinned", ImagePolicy())

    assert "services.pinned.pull_policy: never keeps crank from pulling it" in error.message
    assert "`crank pull --policy always pinned`" in error.message
