"""`crank build` options reach the engine's build command, with the engine's client faked as a script on PATH."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import PODMAN_UP

# A podman client that logs each command line, one argument per line and a blank line after.
CLIENT = """#!/bin/sh
for word in "$@"; do echo "$word"; done >> "{log}"
echo >> "{log}"
case "$1" in
  version) echo '{version}' ;;
esac
exit 0
"""

COMPOSE = """\
services:
  web:
    build:
      context: .
      args:
        K: fromfile
        KEEP: kept
  tool:
    build: .
    profiles: [tools]
"""


@pytest.fixture
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman, chdir into a project with a Dockerfile; return the log file."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    log = tmp_path / "calls.log"
    client = bin_folder / "podman"
    client.write_text(CLIENT.format(log=log, version=PODMAN_UP))
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    monkeypatch.delenv("K", raising=False)
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    (folder / "Dockerfile").write_text("FROM scratch\n")
    monkeypatch.chdir(folder)
    return log


def build_commands(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    commands = [block.splitlines() for block in log.read_text().split("\n\n") if block.strip()]
    return [command for command in commands if command[0] == "build"]


def build_args(command: list[str]) -> list[str]:
    return [command[index + 1] for index, word in enumerate(command) if word == "--build-arg"]


def test_build_arg_overrides_service_args(builds: Path) -> None:
    code = run_cli(["--runtime", "podman", "build", "--build-arg", "K=cli", "--build-arg", "NEW=1", "web"])

    assert code == 0
    [command] = build_commands(builds)
    assert sorted(build_args(command)) == ["K=cli", "KEEP=kept", "NEW=1"]


def test_build_arg_key_takes_environment(builds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("K", "from-env")

    code = run_cli(["--runtime", "podman", "build", "--build-arg", "K", "web"])

    assert code == 0
    [command] = build_commands(builds)
    assert sorted(build_args(command)) == ["K=from-env", "KEEP=kept"]


def test_build_arg_key_unset_drops_arg(builds: Path) -> None:
    # With K unset, the Dockerfile's ARG default applies, as with docker compose build.
    code = run_cli(["--runtime", "podman", "build", "--build-arg", "K", "web"])

    assert code == 0
    [command] = build_commands(builds)
    assert build_args(command) == ["KEEP=kept"]


def test_build_names_disabled_profile_service(builds: Path) -> None:
    code = run_cli(["--runtime", "podman", "build", "tool"])

    assert code == 0
    [command] = build_commands(builds)
    assert command[command.index("--tag") + 1] == "shop-tool"


def test_build_without_names_skips_disabled_profile(builds: Path) -> None:
    code = run_cli(["--runtime", "podman", "build"])

    assert code == 0
    tags = [command[command.index("--tag") + 1] for command in build_commands(builds)]
    assert tags == ["shop-web"]


def test_tag_build_passes_target_and_args(builds: Path) -> None:
    code = run_cli(["--runtime", "podman", "build", "-t", "buildfix-one", "--target", "base",
                    "--build-arg", "A=1", "."])

    assert code == 0
    [command] = build_commands(builds)
    assert command[command.index("--target") + 1] == "base"
    assert build_args(command) == ["A=1"]


@pytest.mark.parametrize("option", [["--target", "base"], ["-f", "Dockerfile"]], ids=["target", "file"])
def test_tag_options_without_tag_rejected(builds: Path, option: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "build", *option, "web"])

    assert code == 2
    assert "only valid with -t TAG" in capsys.readouterr().err
    assert build_commands(builds) == []


def test_memory_reaches_every_build(builds: Path) -> None:
    code = run_cli(["--runtime", "podman", "build", "-m", "64m"])

    assert code == 0
    [command] = build_commands(builds)
    assert command[command.index("--memory") + 1] == str(64 * 1024 * 1024)


def test_invalid_memory_builds_nothing(builds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "build", "-m", "lots"])

    assert code == 2
    assert '--memory: invalid size "lots"' in capsys.readouterr().err
    assert build_commands(builds) == []


def test_with_dependencies_builds_them_first(builds: Path) -> None:
    (builds.parent / "shop" / "compose.yaml").write_text(
        "services:\n  base:\n    build: .\n  plain:\n    image: localhost/plain\n"
        "  app:\n    build: .\n    depends_on: [base, plain]\n"
    )

    code = run_cli(["--runtime", "podman", "build", "--with-dependencies", "app"])

    assert code == 0
    tags = [command[command.index("--tag") + 1] for command in build_commands(builds)]
    # plain has no build section, so it is left out.
    assert tags == ["shop-base", "shop-app"]


@pytest.mark.parametrize("option", ["--push", "--with-dependencies"])
def test_service_options_with_tag_rejected(builds: Path, option: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "build", "-t", "one", option, "."])

    assert code == 2
    assert f"{option}: only valid for the project's services" in capsys.readouterr().err
    assert build_commands(builds) == []


def test_tag_build_missing_file_rejected(builds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "build", "-t", "one", "-f", "Dockerfile.absent", "."])

    assert code == 2
    error = capsys.readouterr().err
    assert "Dockerfile 'Dockerfile.absent' (-f) not found at " in error
    assert "relative to the current folder" in error
    assert build_commands(builds) == []


def test_tag_build_without_dockerfile_rejected(builds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (Path.cwd() / "Dockerfile").unlink()

    code = run_cli(["--runtime", "podman", "build", "-t", "one", "."])

    assert code == 2
    assert "build context '.' has no Dockerfile: add one, or name it with -f" in capsys.readouterr().err
    assert build_commands(builds) == []


FAILING_BUILD = """#!/bin/sh
case "$1" in
  version) echo '{version}' ;;
  build) echo "STEP 2/2: RUN false"; echo "Error: building at STEP \\"RUN false\\": exit status 1" >&2; exit 1 ;;
esac
exit 0
"""


@pytest.mark.parametrize(("arguments", "subject"), [(["web"], "service web: could not build image shop-web"),
                                                     (["-t", "one", "."], "could not build image one")],
                         ids=["service", "tag"])
def test_failed_build_names_image_and_fix(builds: Path, arguments: list[str], subject: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    client = builds.parent / "bin" / "podman"
    client.write_text(FAILING_BUILD.format(version=PODMAN_UP))

    code = run_cli(["--runtime", "podman", "build", "-q", *arguments])

    assert code == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(f"crank: error: {subject} (Error: building at STEP \"RUN false\": exit status 1); fix the Dockerfile")
    assert "failed: " not in error
