"""Sizes and ages in the forms of Docker's tables, as `crank images` shows them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crank_cli.render.humanize import human_age, human_size

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("size", "expected"), [
    (0, "0B"),
    (999, "999B"),
    (1000, "1kB"),
    (4_269_056, "4.27MB"),
    (1_234_567_890, "1.23GB"),
    # Three significant digits round 999.9 kB up, and Docker prints that in exponent form too.
    (999_900, "1e+03kB"),
])
def test_human_size_decimal_units(size: int, expected: str) -> None:
    assert human_size(size) == expected


@pytest.mark.parametrize(("seconds", "expected"), [
    (0.2, "Less than a second ago"),
    (1.5, "1 second ago"),
    (45, "45 seconds ago"),
    (100, "About a minute ago"),
    (59 * 60, "59 minutes ago"),
    (80 * 60, "About an hour ago"),
    (90 * 60, "2 hours ago"),
    (47 * 3600, "47 hours ago"),
    (10 * 86400, "10 days ago"),
    (20 * 86400, "2 weeks ago"),
    (90 * 86400, "3 months ago"),
    (800 * 86400, "2 years ago"),
])
def test_human_age_thresholds(seconds: float, expected: str) -> None:
    created = (NOW - timedelta(seconds=seconds)).isoformat()

    assert human_age(created, NOW) == expected


def test_human_age_reads_nanoseconds_and_zones() -> None:
    assert human_age("2026-12-05T09:59:30.123456789Z", NOW) == "29 seconds ago"
    assert human_age("2026-12-05T10:59:00+01:00", NOW) == "About a minute ago"


def test_human_age_unreadable_time() -> None:
    assert human_age("yesterday", NOW) == "N/A"
