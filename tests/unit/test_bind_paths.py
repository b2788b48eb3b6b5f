"""crank creates a bind's missing source folder exactly where Docker Compose creates it."""

from __future__ import annotations

from pathlib import Path

from crank_cli.compose import LoadOptions, load_project
from crank_cli.operations.resources import ensure_bind_paths

COMPOSE = """\
services:
  web:
    image: busybox
    volumes:
      - ./short:/short
      - {type: bind, source: ./long, target: /long}
      - {type: bind, source: ./asked, target: /asked, bind: {create_host_path: true}}
      - {type: bind, source: ./refused, target: /refused, bind: {create_host_path: false}}
      - {type: bind, source: ./shared, target: /shared, bind: {propagation: rshared}}
"""


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def emit(self, subject: str, status: str) -> None:
        self.events.append((subject, status))


def test_missing_bind_sources_created(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    recorder = Recorder()

    ensure_bind_paths(project, ["web"], recorder)

    created = sorted(path.name for path in tmp_path.iterdir() if path.is_dir())
    assert created == ["asked", "long", "short"]
    assert recorder.events == [(f"folder {tmp_path / name}", "created") for name in ("short", "long", "asked")]
