"""The subprocess choke point: errors and redaction."""

from __future__ import annotations

import pytest

from crank_cli import process
from crank_cli.errors import EngineError, EngineNotFoundError


def test_redact_hides_environment_values() -> None:
    line = process.redact(["docker", "run", "-e", "TOKEN=s3cret", "--env=PASS=x", "--build-arg", "K=v", "-e", "BARE"])
    assert "s3cret" not in line
    assert "PASS=x" not in line
    assert "K=v" not in line
    assert line == "docker run -e 'TOKEN=***' '--env=PASS=***' --build-arg 'K=***' -e BARE"


def test_run_raises_engine_error_with_details() -> None:
    with pytest.raises(EngineError) as raised:
        process.run(["sh", "-c", "echo bad thing >&2; exit 3"])
    assert raised.value.returncode == 3
    assert raised.value.argv == ["sh", "-c", "echo bad thing >&2; exit 3"]
    assert raised.value.stderr == "bad thing"
    assert raised.value.message.endswith("failed: bad thing")


def test_run_attached_sends_merged_lines() -> None:
    lines: list[str] = []
    code = process.run_attached(["sh", "-c", "echo one; echo two >&2; exit 4"], lines=lines.append)
    assert code == 4
    assert lines == ["one", "two"]


def test_run_attached_replaces_bytes_not_utf8() -> None:
    lines: list[str] = []
    assert process.run_attached(["printf", "ok \\377\\n"], lines=lines.append) == 0
    assert lines == ["ok \ufffd"]


def test_missing_binary_named() -> None:
    with pytest.raises(EngineNotFoundError, match="no-such-engine not found on PATH"):
        process.run(["no-such-engine", "version"])
