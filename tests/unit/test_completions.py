"""The committed shell completion scripts, and the completion mechanism they call back into."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
GENERATOR = REPOSITORY / "scripts" / "generate-completions"
COMPLETIONS = REPOSITORY / "completions"
SCRIPTS = {"bash": "crank.bash", "zsh": "_crank", "fish": "crank.fish"}
VERBS = {"up", "down", "status"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("completions")
    command = [sys.executable, str(GENERATOR), "--output-dir", str(folder)]
    subprocess.run(command, check=True, capture_output=True, text=True, timeout=60)
    return folder


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_committed_script_is_current(shell: str, generated: Path) -> None:
    name = SCRIPTS[shell]
    committed = COMPLETIONS / name
    assert committed.exists(), f"completions/{name} is missing: run scripts/generate-completions and commit it"
    assert committed.read_text() == (generated / name).read_text(), (
        f"completions/{name} is out of date: run `.venv/bin/python scripts/generate-completions` and commit the result"
    )


def _complete(shell: str, words: str, folder: Path | None = None) -> list[str]:
    """Ask crank for completions the way each shell's script does, and return the candidates."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("_CRANK_", "_TYPER_"))}
    environment["_CRANK_COMPLETE"] = f"complete_{shell}"
    if shell == "bash":
        environment.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split(" ")) - 1))
    else:
        environment["_TYPER_COMPLETE_ARGS"] = words
    if shell == "fish":
        environment["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    command = [sys.executable, "-m", "crank_cli"]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=True, timeout=60,
                            cwd=folder)
    return result.stdout.splitlines()


def test_bash_completion_lists_verbs() -> None:
    assert VERBS <= set(_complete("bash", "crank "))


def test_fish_completion_lists_verbs() -> None:
    names = {line.split("\t")[0] for line in _complete("fish", "crank ")}
    assert VERBS <= names


def test_zsh_completion_lists_verbs() -> None:
    output = "\n".join(_complete("zsh", "crank "))
    for verb in VERBS:
        assert f'"{verb}":' in output


def test_bash_completion_lists_verb_options() -> None:
    assert "--detach" in _complete("bash", "crank up --")


def test_bash_script_completes_verbs_in_bash() -> None:
    """Source the committed script in a real bash and run the function that Tab would run."""
    bash = shutil.which("bash")
    crank = Path(sys.executable).parent / "crank"
    if bash is None or not crank.exists():
        pytest.skip("needs bash and the crank entry point beside this Python")
    script = (
        f'source "{COMPLETIONS / SCRIPTS["bash"]}"\n'
        'COMP_WORDS=(crank ""); COMP_CWORD=1\n'
        "_crank_completion crank\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    environment = {**os.environ, "PATH": f"{crank.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run([bash, "--noprofile", "--norc", "-c", script], env=environment, capture_output=True, text=True, check=True, timeout=60)
    assert VERBS <= set(result.stdout.split())


@pytest.mark.parametrize(("words", "expected"), [
    ("crank --runtime ", ["docker", "podman", "containerd", "auto"]),
    ("crank --progress p", ["plain"]),
    ("crank up --pull ", ["always", "missing", "never"]),
    ("crank config --format ", ["yaml", "json"]),
])
def test_bash_completion_offers_option_values(words: str, expected: list[str]) -> None:
    assert _complete("bash", words) == expected


COMPOSE = """
services:
  web:
    image: busybox
  db:
    image: busybox
  tool:
    image: busybox
    profiles: [tools]
"""


@pytest.mark.parametrize(("words", "expected"), [
    ("crank logs ", ["db", "web"]),
    ("crank stop db ", ["web"]),
    ("crank --profile tools exec t", ["tool"]),
    ("crank -f absent.yaml logs ", []),
])
def test_bash_completion_offers_service_names(tmp_path: Path, words: str, expected: list[str]) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)

    # Bash's reply is one line per candidate, and one empty line when there is none.
    assert [name for name in _complete("bash", words, tmp_path) if name] == expected
