"""`config --no-interpolate` against the reference on the public samples of the shared corpus.

Each file is printed from its own folder with `-f <file>` by both tools, as JSON, and the two
must be equal. The samples are the awesome-compose ones, and the files of the compose-go corpus
and of tests/data/compose that use extends or include, where both tools may also reject a file.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary

from crank_cli.compose import LoadOptions
from crank_cli.compose.raw_model import load_raw_model
from crank_cli.errors import InvalidProjectError

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "awesome-compose"
FILES = sorted(path.resolve() for pattern in ("*.yaml", "*.yml") for path in SAMPLES.rglob(pattern))
# The files that extend a service or include other files.
EXTENDING_ROOTS = (Path(__file__).parents[2] / ".." / "shared" / "corpus" / "compose-go",
                   Path(__file__).parents[2] / "tests" / "data" / "compose")
EXTENDING = sorted(path.resolve() for root in EXTENDING_ROOTS for pattern in ("*.yaml", "*.yml") for path in root.rglob(pattern)
                   if re.search(r"^include:|\bextends:", path.read_text(errors="replace"), re.MULTILINE))

pytestmark = needs_reference


@pytest.mark.parametrize("path", FILES, ids=[str(path.relative_to(SAMPLES.resolve())) for path in FILES])
def test_no_interpolate_matches_reference(path: Path) -> None:
    environment = clean_environment()
    binary = reference_binary()
    assert binary is not None
    printed = subprocess.run([str(binary), "-f", path.name, "config", "--no-interpolate", "--format", "json"],
                             cwd=path.parent, env=environment, capture_output=True, text=True, timeout=60, check=True)

    model = load_raw_model(LoadOptions(working_dir=path.parent, environ=environment, files=(Path(path.name),)))

    assert json.loads(json.dumps(model)) == json.loads(printed.stdout)


@pytest.mark.parametrize("path", EXTENDING, ids=[f"{path.parent.name}/{path.name}" for path in EXTENDING])
def test_extends_and_include_match_reference(path: Path) -> None:
    environment = clean_environment()
    binary = reference_binary()
    assert binary is not None
    printed = subprocess.run([str(binary), "-f", path.name, "config", "--no-interpolate", "--format", "json"],
                             cwd=path.parent, env=environment, capture_output=True, text=True, timeout=60, check=False)
    reference = json.loads(printed.stdout) if printed.returncode == 0 else None

    try:
        model = json.loads(json.dumps(load_raw_model(LoadOptions(working_dir=path.parent, environ=environment,
                                                                 files=(Path(path.name),)))))
    except InvalidProjectError:
        model = None

    assert model == reference


def test_extending_files_are_present() -> None:
    if not EXTENDING_ROOTS[0].is_dir():
        pytest.skip(f"the corpus is not at {EXTENDING_ROOTS[0]}")
    assert len(EXTENDING) >= 10, EXTENDING


def test_samples_are_present() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"the corpus is not at {SAMPLES}")
    assert FILES, f"no compose files under {SAMPLES}"
