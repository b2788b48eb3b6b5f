"""`.env` parsing against the reference: its fixtures and the edge cases of the format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, write_project

from crank_cli.compose import LoadOptions, project_variables
from crank_cli.compose.dotenv import DotenvError, parse_dotenv, parse_raw_env
from crank_cli.errors import InvalidProjectError

FIXTURES = Path(__file__).parents[3] / ".." / "shared" / "corpus" / "compose-go" / "dotenv" / "fixtures"
OS_VARIABLES = {"VAR_TO_BE_LOADED_FROM_OS_ENV": "from the process"}

EDGE_CASES = {
    "inline comment needs a space": "A=b #c\nB=b#c\nC=x\t#tab\nD= #only comment\n",
    "double quote escapes": 'A="x\\ty\\nz\\\\q\\"w\\$v\\a"\nB="\\x\\u00e9"\n',
    "single quotes are literal": "A='s \\n $HOME'\nB='Let\\'s'\n",
    "export and yaml style": "export A=1\nexportB=2\nC: 3\n  D = 4  \n",
    "references to earlier keys": "A=a\nB=${A}b\nC=\"$A c\"\nD='$A'\nE=$$A\nF=${MISSING:-dflt}\n",
    "multi-line values": "A=\"multi\nline\"\nB='m\nl'\n",
    "text after closing quote": 'A="q"x\nB=2\n',
    "crlf line ends": 'A=1\r\nB="x\r\ny"\r\n',
    "utf-8 bom": "\ufeffA=1\n",
    "key characters": "A.B=1\nC-D=2\nE_F=3\n",
    "process environment wins": "VAR_TO_BE_LOADED_FROM_OS_ENV=file\nA=${VAR_TO_BE_LOADED_FROM_OS_ENV}\n",
    "bare key from environment": "VAR_TO_BE_LOADED_FROM_OS_ENV\nNOT_IN_ENV\n",
    "space in key": "A B=1\n",
    "bad key character": "$A=1\n",
    "unterminated quote": 'A="open\nB=1\n',
    "required variable": "A=${MISSING:?is required}\n",
    "invalid template": "A=${}\n",
}


def reference_variables(directory: Path, env_file: Path) -> str | None:
    """Return the reference's interpolation variables as `K=V` lines, or None if it rejects the file."""
    binary = reference_binary()
    assert binary is not None
    command = [str(binary), "--env-file", str(env_file), "config", "--environment"]
    # Read bytes: text mode would turn a value's "\r\n" into "\n".
    result = subprocess.run(command, cwd=directory, env=clean_environment(OS_VARIABLES), capture_output=True, check=False)
    return result.stdout.decode() if result.returncode == 0 else None


def crank_variables(directory: Path, env_file: Path) -> str | None:
    options = LoadOptions(working_dir=directory, environ=clean_environment(OS_VARIABLES), env_files=(env_file,))
    try:
        variables = project_variables(options)
    except InvalidProjectError:
        return None
    variables.setdefault("COMPOSE_PROJECT_NAME", directory.name)
    return "".join(f"{key}={variables[key]}\n" for key in sorted(variables))


def assert_same_variables(tmp_path: Path, env_file: Path) -> None:
    directory = write_project(tmp_path / "proj", {"compose.yaml": "services:\n  web:\n    image: x\n"})
    expected = reference_variables(directory, env_file)
    actual = crank_variables(directory, env_file)
    assert actual == expected


@needs_reference
@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*")), ids=lambda path: path.name)
def test_fixture_matches_reference(tmp_path: Path, fixture: Path) -> None:
    assert_same_variables(tmp_path, fixture.resolve())


@needs_reference
@pytest.mark.parametrize("text", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_edge_case_matches_reference(tmp_path: Path, text: str) -> None:
    env_file = tmp_path / "case.env"
    env_file.write_bytes(text.encode())
    assert_same_variables(tmp_path, env_file)


def test_parse_keeps_file_order() -> None:
    assert list(parse_dotenv("B=1\nA=2\nC=3\n")) == ["B", "A", "C"]


def test_raw_format_keeps_values_as_written() -> None:
    text = "# comment\n  A=$HOME ${X:?no}\nB='q' # kept\nHOME\nNOPE\n"
    assert parse_raw_env(text, {"HOME": "/root"}.get) == {"A": "$HOME ${X:?no}", "B": "'q' # kept", "HOME": "/root"}


def test_raw_format_rejects_blank_in_name() -> None:
    with pytest.raises(DotenvError, match="^line 1: "):
        parse_raw_env("export A=1\n")


def test_error_names_the_line() -> None:
    with pytest.raises(DotenvError, match="^line 3: "):
        parse_dotenv("A=1\n\nB C=2\n")
