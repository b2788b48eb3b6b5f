"""Make the reference helpers of the compose unit tests importable, and print the match count."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "compose"))

from compose_reference import CONFORMANCE_RESULTS  # noqa: E402 - needs the path above


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    results = config.stash.get(CONFORMANCE_RESULTS, {})
    if results:
        matching = sum(results.values())
        terminalreporter.write_line(f"compose conformance: {matching}/{len(results)} files match the reference")
