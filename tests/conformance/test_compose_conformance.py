"""crank against the reference on every compose file of the shared corpus and of tests/data/compose.

Each file is loaded from its own folder with `-f <file>` and no other option, by the
reference and by crank, and the two models must be equal. Where the reference rejects a
file, crank must raise InvalidProjectError. The share of matching files is printed at the end.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from compose_reference import CONFORMANCE_RESULTS, Outcome, needs_reference, run_crank, run_reference

REPOSITORY = Path(__file__).parents[2]
CORPUS = REPOSITORY / ".." / "shared" / "corpus"
OWN_DATA = REPOSITORY / "tests" / "data" / "compose"


def compose_files() -> list[Path]:
    found: list[Path] = []
    for root in (CORPUS, OWN_DATA):
        for pattern in ("*.yaml", "*.yml"):
            found.extend(root.rglob(pattern))
    return sorted(path.resolve() for path in found)


FILES = compose_files()

pytestmark = needs_reference


def describe_difference(reference: Outcome, crank: Outcome) -> str:
    if reference.model is None:
        return f"the reference rejects the file ({reference.error}) but crank loads it"
    if crank.model is None:
        return f"crank rejects the file ({crank.error}) but the reference loads it"
    expected = json.dumps(reference.model, indent=1, sort_keys=True).splitlines()
    actual = json.dumps(crank.model, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(expected, actual, "reference", "crank", lineterm="", n=2))


def _identifier(path: Path) -> str:
    for root in (CORPUS.resolve(), OWN_DATA.resolve()):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)


@pytest.mark.parametrize("path", FILES, ids=[_identifier(path) for path in FILES])
def test_file_matches_reference(path: Path, request: pytest.FixtureRequest) -> None:
    args = ["-f", path.name]
    reference = run_reference(path.parent, args)
    crank = run_crank(path.parent, files=(Path(path.name),))
    matches = reference.model == crank.model and (reference.model is not None or bool(crank.error))
    request.config.stash.setdefault(CONFORMANCE_RESULTS, {})[_identifier(path)] = matches
    assert matches, describe_difference(reference, crank)


def test_corpus_is_present() -> None:
    assert FILES, f"no compose files found under {CORPUS} or {OWN_DATA}"
