"""Points in time for `events --since` and `--until`, in the forms Docker reads."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crank_cli.errors import UsageError
from crank_cli.time_points import parse_time_point


def test_unix_time_as_given() -> None:
    assert parse_time_point("1733400000", "--since") == 1_733_400_000.0
    assert parse_time_point("1733400000.25", "--since") == 1_733_400_000.25


def test_duration_counts_back_from_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.time", lambda: 10_000.0)

    assert parse_time_point("10m", "--since") == 9_400.0
    assert parse_time_point("1h30m", "--since") == 4_600.0
    assert parse_time_point("0s", "--until") == 10_000.0


def test_date_and_time_with_zone() -> None:
    expected = datetime(2026, 12, 5, 19, 10, tzinfo=timezone.utc).timestamp()

    assert parse_time_point("2026-12-05T19:10:00Z", "--since") == expected
    assert parse_time_point("2026-12-05T21:10:00+02:00", "--since") == expected
    assert parse_time_point("2026-12-05T19:10:00.123456789Z", "--since") == pytest.approx(expected + 0.123456)


def test_date_without_zone_is_local_time() -> None:
    assert parse_time_point("2026-12-05", "--until") == datetime(2026, 12, 5).timestamp()


@pytest.mark.parametrize("text", ["bogus", "10 minutes", "-5m", "", "2026-13-01"])
def test_other_text_is_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--since") as raised:
        parse_time_point(text, "--since")

    assert "10m" in raised.value.message
