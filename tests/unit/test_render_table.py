"""Terminal tables rendered by Rich at fixed widths: values stay whole, and columns give way in order."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from crank_cli import render

HEADERS = ["SERVICE", "CONTAINER", "RUNTIME", "HOST", "STATE", "HEALTH", "PORTS", "IMAGE"]
PORTS = ["127.0.0.1:18081->8080/tcp", "127.0.0.1:18082->8081/tcp"]
IMAGE = "localhost/crank-test-busybox:latest"
ROWS = [
    ["web", "trial-p1-web-1", "docker", "buildkitsandbox", "running", "healthy", ", ".join(PORTS), IMAGE],
    ["db", "trial-p1-db-1", "podman", "buildkitsandbox", "running", "-", "-", "trial-p1-db"],
]


def render_status(width: int) -> list[str]:
    output = io.StringIO()
    render._rich_table("project trial-p1", HEADERS, ROWS, Console(file=output, width=width, markup=False, highlight=False))
    return output.getvalue().splitlines()


@pytest.mark.parametrize("width", [80, 100, 160])
def test_status_table_fits_width(width: int) -> None:
    lines = render_status(width)

    assert max(len(line) for line in lines) <= width
    assert not any("…" in line for line in lines)


@pytest.mark.parametrize("width", [80, 100, 160])
def test_each_port_on_own_line(width: int) -> None:
    lines = [line.split() for line in render_status(width)]

    first = next(index for index, words in enumerate(lines) if PORTS[0] in words)
    assert lines[first + 1] == [PORTS[1]]


def test_narrow_table_hides_columns_in_order() -> None:
    text = "\n".join(render_status(80))

    header = next(line for line in text.splitlines() if "SERVICE" in line)
    assert header.split() == ["SERVICE", "RUNTIME", "STATE", "HEALTH", "PORTS"]
    assert "localhost/" not in text
    assert "Hidden because the terminal is too narrow: IMAGE, HOST, CONTAINER." in " ".join(text.split())


def test_medium_table_keeps_container_names() -> None:
    text = "\n".join(render_status(100))

    header = next(line for line in text.splitlines() if "SERVICE" in line)
    assert header.split() == ["SERVICE", "CONTAINER", "RUNTIME", "STATE", "HEALTH", "PORTS"]
    assert "trial-p1-web-1" in text
    assert "Hidden because the terminal is too narrow: IMAGE, HOST." in " ".join(text.split())


def test_wide_table_shows_whole_image() -> None:
    lines = render_status(160)

    header = next(line for line in lines if "SERVICE" in line)
    assert header.split() == HEADERS
    assert any(line.rstrip().endswith(IMAGE) for line in lines)
    assert not any("Hidden" in line for line in lines)


def render_with_host(width: int, host: str) -> list[str]:
    rows = [[*row[:3], host, *row[4:]] for row in ROWS]
    output = io.StringIO()
    render._rich_table("project trial-p1", HEADERS, rows, Console(file=output, width=width, markup=False, highlight=False))
    return output.getvalue().splitlines()


def test_short_column_shown_again() -> None:
    # IMAGE and HOST go first, and once CONTAINER is hidden too, a short HOST fits again.
    lines = render_with_host(80, "vm")

    header = next(line for line in lines if "SERVICE" in line)
    assert header.split() == ["SERVICE", "RUNTIME", "HOST", "STATE", "HEALTH", "PORTS"]
    assert "Hidden because the terminal is too narrow: IMAGE, CONTAINER." in " ".join(" ".join(lines).split())


def test_very_narrow_table_cuts_widest() -> None:
    lines = render_with_host(60, "vm")
    rows = [line.split() for line in lines]

    assert max(len(line) for line in lines) <= 60
    assert ["web", "docker", "running", "healthy", "127.0.0.1:18081…"] in rows
    assert ["db", "podman", "running", "-", "-"] in rows


def test_narrow_table_cuts_only_excess() -> None:
    # At 45 columns every column is cut to 6 characters and one more must go: one column
    # gives it up, and `docker` stays whole instead of every column being cut to 5.
    headers = ["SERVICE", "RUNTIME", "STATE", "HEALTH", "PORTS"]
    rows = [["averyveryverylongservicename", "docker", "running", "-", "127.0.0.1:18081->80/tcp"]]
    output = io.StringIO()

    render._rich_table(None, headers, rows, Console(file=output, width=45, markup=False, highlight=False))

    lines = output.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 45
    assert any("docker" in line.split() for line in lines)


def test_untruncated_table_keeps_every_column_whole() -> None:
    output = io.StringIO()
    console = Console(file=output, width=60, markup=False, highlight=False)

    render._rich_table("project trial-p1", HEADERS, ROWS, console, truncate=False)

    lines = output.getvalue().splitlines()
    header = next(line for line in lines if "SERVICE" in line)
    assert header.split() == HEADERS
    assert any(IMAGE in line for line in lines)
    assert not any("…" in line for line in lines)
    assert "Hidden" not in output.getvalue()


def render_at(width: int, headers: list[str], rows: list[list[str]], hidden: tuple[str, ...]) -> str:
    output = io.StringIO()
    console = Console(file=output, width=width, markup=False, highlight=False)
    render._rich_table(None, headers, rows, console, hidden_when_narrow=hidden)
    return output.getvalue()


def test_images_table_keeps_container_at_80_columns() -> None:
    from crank_cli.cli.images import HEADERS as IMAGE_HEADERS

    rows = [["htrial3-p2-web-1", "localhost/htrial3-web", "latest", "linux/amd64", "0123456789ab", "4.26MB", "2 minutes ago"],
            ["htrial3-p2-db-1", "localhost/htrial3-db", "latest", "linux/amd64", "ba9876543210", "4.26MB", "3 minutes ago"]]

    rendered = render_at(80, IMAGE_HEADERS, rows, ("PLATFORM", "CREATED", "SIZE", "IMAGE ID"))

    assert "htrial3-p2-web-1" in rendered
    assert "localhost/htrial3-web" in rendered
    assert "Hidden because the terminal is too narrow: PLATFORM" in rendered
    assert max(len(line) for line in rendered.splitlines()) <= 80


def test_top_table_hides_times_before_cutting() -> None:
    from crank_cli.cli.top import NARROW_HIDDEN

    headers = ["SERVICE", "#", "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
    rows = [["worker", "1", "root", "31012", "30990", "0", "10:02", "?", "00:00:00", "sleep 3600"]]

    rendered = render_at(60, headers, rows, NARROW_HIDDEN)

    assert "worker" in rendered
    assert "31012" in rendered
    # The command may wrap at its spaces, but no word of it is cut.
    assert "sleep" in rendered
    assert "3600" in rendered
    assert "…" not in rendered
    assert max(len(line) for line in rendered.splitlines()) <= 60
