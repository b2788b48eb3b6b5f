"""Tests of the shell functions of scripts/setup.sh, run in bash without an engine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

EXAMPLE_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lib" / "example.sh"


def classifier_address(published: str) -> str:
    command = 'source "$1" && classifier_address "$2"'
    completed = subprocess.run(["bash", "-c", command, "bash", str(EXAMPLE_SCRIPT), published],
                               capture_output=True, text=True, check=True)
    return completed.stdout.strip()


@pytest.mark.parametrize(("published", "expected"), [
    ("8080", "127.0.0.1:8080"),
    ("127.0.0.1:18080", "127.0.0.1:18080"),
    ("192.0.2.7:18080", "192.0.2.7:18080"),
    ("0.0.0.0:18080", "127.0.0.1:18080"),
    ("[::1]:18080", "[::1]:18080"),
    ("[::]:18080", "[::1]:18080"),
])
def test_classifier_address_forms(published: str, expected: str) -> None:
    assert classifier_address(published) == expected
