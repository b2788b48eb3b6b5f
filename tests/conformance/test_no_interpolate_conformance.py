"""`config --no-interpolate` against the reference on the public samples of the shared corpus.

Each file is printed from its own folder with `-f <file>` by both tools, as JSON, and the two
must be equal. The samples are the awesome-compose ones, which use neither extends nor
include: crank does not read those in this mode yet.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary

from crank_cli.compose import LoadOptions
from crank_cli.compose.raw_model import load_raw_model

SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "corpus" / "awesome-compose"
FILES = sorted(path.resolve() for pattern in ("*.yaml", "*.yml") for path in SAMPLES.rglob(pattern))

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


def test_samples_are_present() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"the corpus is not at {SAMPLES}")
    assert FILES, f"no compose files under {SAMPLES}"
