"""The quick path: it reads a command line as Typer does, or leaves it to Typer."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crank_cli.cli import quick
from crank_cli.cli.app import run_typer

REPOSITORY = Path(__file__).resolve().parents[2]
GENERATOR = REPOSITORY / "scripts" / "generate-quick-table"

# Command lines that the quick path reads itself. Each must reach the action with exactly the
# arguments and global options that Typer gives it.
READ = [
    ["status"],
    ["ps", "--format", "json"],
    ["ps", "--format=table", "-a"],
    ["-p", "demo", "status", "--all", "--runtimes"],
    ["ps", "-q", "web"],
    ["ps", "-aq", "--services", "web", "db"],
    ["status", "--all-projects", "--status", "exited", "--status=running", "--quiet"],
    ["ps", "web", "--status", "paused", "-a", "db", "--format", "json"],
    ["-f", "a.yaml", "--file=b.yaml", "-fc.yaml", "--env-file", "x.env", "status"],
    ["--profile", "web", "--profile=db", "--runtime", "podman", "--dry-run", "up"],
    ["-vv", "--progress", "json", "--project-directory", "sub", "up", "-d"],
    ["-v", "--verbose", "-p", "-", "down", "-v", "--rmi", "local", "-t", "0"],
    ["up", "web", "-d", "db", "--scale", "web=3", "--scale=db=2", "--parallel", "2", "--wait-timeout", "1.5"],
    ["up", "--wait", "--timeout=7", "--pull", "never", "--no-build", "--strict", "--no-deps", "web"],
    ["up", "--force-recreate", "--remove-orphans", "--no-start", "--build", "--no-recreate", "--dry-run"],
    ["up", "--attach", "web", "--attach=db", "--no-attach", "x", "--abort-on-container-failure", "web"],
    ["up", "-dV", "--always-recreate-deps", "--quiet-build", "web"],
    ["up", "--renew-anon-volumes", "-d"],
    ["down", "--volumes", "--remove-orphans", "--force", "--timeout", "3", "--dry-run"],
    ["doctor", "--format", "json"],
    ["-p", "x", "-p", "y", "status"],
    ["ps", "--filter", "status=exited", "--filter=status=running", "--no-trunc", "--no-orphans"],
    ["status", "--no-orphans", "--orphans", "web"],
    ["ps", "--orphans", "--no-orphans", "-a"],
    ["ps", "--orphans=false"],
    ["status", "--orphans=0", "--orphans=True", "web"],
    ["ps", "--format", "{{.Name}} {{.State}}"],
    ["status", "--format=yaml"],
]

# Command lines the quick path leaves to Typer: help, completion, mistakes, and spellings it
# does not check itself.
DECLINED = [
    [],
    ["--help"],
    ["-h"],
    ["up", "--help"],
    ["--version"],
    ["--show-completion"],
    ["nosuchverb"],
    ["config"],
    ["-p"],
    ["status", "--format"],
    ["status", "--all=yes"],
    ["ps", "--services=yes"],
    ["ps", "--status"],
    ["ps", "-aqx"],
    ["up", "--timeout", "-1"],
    ["up", "--timeout", "ten"],
    ["up", "--timeout", "1_0"],
    ["up", "--parallel", "0"],
    ["up", "--wait-timeout", "nan"],
    ["up", "--", "web"],
    ["up", "-dq"],
    ["up", "--no-such-option"],
    ["up", "--attach"],
    ["down", "extra"],
    ["-x", "status"],
    ["ps", "--no-orphans=false"],
    ["ps", "--orphans=maybe"],
    ["ps", "--no-trunc=yes"],
    ["ps", "--filter"],
]


class Recorded(Exception):
    """Raised by the stand-in action, so nothing after it runs."""


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any, dict[str, Any]]]:
    """Replace each action's `run` with one that records what it was given."""
    seen: list[tuple[str, Any, dict[str, Any]]] = []
    for name in ("status", "up", "down", "doctor"):
        module = importlib.import_module(f"crank_cli.cli.actions.{name}")

        def record(ctx: Any, *, _name: str = name, **arguments: Any) -> None:
            seen.append((_name, ctx.find_root().obj, arguments))
            raise Recorded

        monkeypatch.setattr(module, "run", record)
    return seen


def _run_quick(argv: list[str]) -> None:
    command = quick.parse(argv)
    assert command is not None, f"the quick path declined {argv}"
    with pytest.raises(Recorded):
        command.run()


def _run_typer(argv: list[str]) -> None:
    with pytest.raises(Recorded):
        run_typer(list(argv))


@pytest.mark.parametrize("argv", READ, ids=" ".join)
def test_quick_path_passes_what_typer_passes(argv: list[str], calls: list[Any]) -> None:
    _run_typer(argv)
    _run_quick(argv)
    (typer_verb, typer_options, typer_arguments), (quick_verb, quick_options, quick_arguments) = calls
    assert quick_verb == typer_verb
    assert quick_options == typer_options
    assert quick_arguments == typer_arguments
    assert [type(value) for value in quick_arguments.values()] == [type(value) for value in typer_arguments.values()]


@pytest.mark.parametrize("argv", DECLINED, ids=lambda argv: " ".join(argv) or "(nothing)")
def test_quick_path_leaves_the_rest_to_typer(argv: list[str]) -> None:
    assert quick.parse(argv) is None


def test_completion_goes_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_CRANK_COMPLETE", "complete_bash")
    assert quick.parse(["status"]) is None


def test_quick_path_imports_neither_typer_nor_click() -> None:
    probe = (
        "import sys\n"
        "from crank_cli.cli import quick\n"
        "for argv in (['status', '--format', 'json'], ['up', '-d'], ['down'], ['doctor']):\n"
        "    command = quick.parse(argv)\n"
        "    assert command is not None, argv\n"
        "    __import__('crank_cli.cli.actions.' + command.action)\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('typer', 'click', 'rich', 'yaml'))\n"
        "print(' '.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""


def test_version_alone_skips_typer() -> None:
    probe = (
        "import sys\n"
        "from crank_cli.cli import run_cli\n"
        "assert run_cli(['--version']) == 0\n"
        "print(' '.join(name for name in sys.modules if name.split('.')[0] in ('typer', 'click')), file=sys.stderr)\n"
    )
    quick_run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    typer_run = subprocess.run([sys.executable, "-m", "crank_cli", "--version", "--verbose"], capture_output=True,
                               text=True, timeout=60)

    assert quick_run.stderr.strip() == ""
    assert quick_run.stdout == typer_run.stdout
    assert quick_run.stdout.startswith("crank ")


@pytest.mark.parametrize("columns", ["80", "132"])
@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"]], ids=lambda argv: " ".join(argv) or "(nothing)")
def test_stored_help_is_what_typer_prints(argv: list[str], columns: str) -> None:
    probe = (
        "import sys\n"
        "from crank_cli.cli import run_cli\n"
        f"assert run_cli({argv!r}) == 0\n"
        "print(' '.join(name for name in sys.modules if name.split('.')[0] in ('typer', 'click')), file=sys.stderr)\n"
    )
    environment = {**os.environ, "COLUMNS": columns}
    quick_run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                               timeout=60, env=environment)
    # -v sends the same request through Typer.
    typer_run = subprocess.run([sys.executable, "-m", "crank_cli", "-v", "--help"], capture_output=True, text=True,
                               timeout=60, env=environment)

    assert quick_run.stderr.strip() == ""
    assert quick_run.stdout == typer_run.stdout
    assert quick_run.stdout.startswith("Usage: crank [OPTIONS] COMMAND")


def test_narrow_terminal_help_goes_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "79")
    assert quick.root_help(["--help"]) is None
    monkeypatch.setenv("COLUMNS", "80")
    assert quick.root_help(["--help"]) is not None
    assert quick.root_help(["--help", "up"]) is None


def test_committed_table_is_current() -> None:
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
