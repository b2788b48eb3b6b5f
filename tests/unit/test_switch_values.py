"""docker compose's `--flag=VALUE` spelling of crank's switches, read before click parses."""

from __future__ import annotations

import pytest

from crank_cli.cli import run_cli
from crank_cli.cli.switch_values import switch_value


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("1", True), ("T", True), ("False", False),
                                                ("0", False), ("maybe", None), ("", None)])
def test_switch_value_reads_go_booleans(text: str, expected: bool | None) -> None:
    assert switch_value(text) is expected


def test_invalid_switch_value_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["ps", "--orphans=maybe"])

    assert code == 2
    assert "invalid --orphans value 'maybe': use true or false" in capsys.readouterr().err
