"""The output options of `config` against the reference on every file of the conformance corpus.

Each file is loaded from its own folder with `-f <file>` by both tools, and crank's standard
output must equal the reference's byte for byte, or both must fail. The reference prints
`--networks` and `--models` in a random order, so those lines are compared sorted. `--hash`
runs on every file. Each other option costs one reference run per file, so it runs on the
shared corpus only, not on the project's own test files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compose_reference import clean_environment, needs_reference, reference_binary, run_config

REPOSITORY = Path(__file__).parents[2]
CORPUS = (REPOSITORY / ".." / "shared" / "corpus").resolve()
ROOTS = (CORPUS, REPOSITORY / "tests" / "data" / "compose")
FILES = sorted(path.resolve() for root in ROOTS for pattern in ("*.yaml", "*.yml") for path in root.rglob(pattern))
IDS = [str(path.relative_to(path.parents[1])) for path in FILES]

# Option lists whose output is compared as printed, and those whose lines are compared sorted.
EVERY_FILE = (["--hash", "*"],)
EXACT = (["--hash", "*"], ["--format", "yaml"], ["--format", "json", "--no-path-resolution"],
         ["--format", "json", "--no-consistency"])
SORTED = (["--networks"], ["--models"])
# Where crank still differs from the reference with an option.
KNOWN_DIFFERENCES = {
    ("compose-go/loader/testdata/extends/base.yaml", "--no-consistency"): "crank rejects a null service only by its missing image, a consistency check",
}

pytestmark = needs_reference



def run_reference_config(path: Path, options: list[str]) -> tuple[int, str]:
    binary = reference_binary()
    assert binary is not None
    printed = subprocess.run([str(binary), "-f", path.name, "config", *options], cwd=path.parent,
                             env=clean_environment(), capture_output=True, text=True, timeout=60, check=False)
    return printed.returncode, printed.stdout


def _cases() -> list[object]:
    cases = []
    for path, identifier in zip(FILES, IDS, strict=True):
        in_corpus = path.is_relative_to(CORPUS)
        for options in [*EXACT, *SORTED] if in_corpus else EVERY_FILE:
            reason = KNOWN_DIFFERENCES.get((str(path.relative_to(CORPUS)), options[-1])) if in_corpus else None
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            cases.append(pytest.param(path, options, marks=marks, id=f"{identifier}{' '.join(['', *options])}"))
    return cases


@pytest.mark.parametrize(("path", "options"), _cases())
def test_option_matches_reference(path: Path, options: list[str], monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    reference_code, reference_output = run_reference_config(path, options)
    code, output, _ = run_config(path.parent, ["-f", path.name, "config", *options], monkeypatch, capsys)

    assert (code == 0) == (reference_code == 0), f"crank exits {code}, the reference {reference_code}"
    if reference_code != 0:
        return
    if options in SORTED:
        assert sorted(output.splitlines()) == sorted(reference_output.splitlines())
    else:
        assert output == reference_output


# -o is checked on the first corpus files only, since it writes what the tests above compare.
OUTPUT_FILES = [path for path in FILES if path.is_relative_to(CORPUS)][:40]


@pytest.mark.parametrize("path", OUTPUT_FILES, ids=[str(path.relative_to(CORPUS)) for path in OUTPUT_FILES])
def test_output_file_matches_reference(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    reference_file = tmp_path / "reference.json"
    crank_file = tmp_path / "crank.json"
    reference_code, _ = run_reference_config(path, ["--format", "json", "-o", str(reference_file)])
    code, output, _ = run_config(path.parent, ["-f", path.name, "config", "--format", "json", "-o", str(crank_file)],
                                 monkeypatch, capsys)

    assert (code == 0) == (reference_code == 0)
    if reference_code == 0:
        assert output == ""
        assert crank_file.read_text() == reference_file.read_text()
