"""A scale-down stops and removes its surplus containers in parallel, within the limit (engine faked at the process boundary)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.operations import specs
from crank_cli.operations.up import UpOptions, up
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fakes import FakeRunner

IMAGE_ID = "sha256:" + "a" * 64


class RecordedEvents:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def emit(self, subject: str, status: str) -> None:
        with self.lock:
            self.lines.append((subject, status))


def load(tmp_path: Path) -> Project:
    (tmp_path / "compose.yaml").write_text("services:\n  worker:\n    image: busybox\n")
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


class ScaledEngine(FakeRunner):
    """A Docker client whose project runs four current worker replicas, and which counts stops in flight."""

    def __init__(self, project: Project, meet: int | None = None, meet_timeout: float = 30) -> None:
        records = []
        for number in range(1, 5):
            spec = specs.container_spec(project, "worker", number)
            records.append({"Id": spec.name, "Name": "/" + spec.name, "Image": IMAGE_ID,
                            "State": {"Status": "running", "Running": True},
                            "Config": {"Image": "busybox", "Labels": spec.labels}, "NetworkSettings": {"Ports": {}}})
        super().__init__({
            ("docker", "ps"): "\n".join(record["Id"] for record in records),
            ("docker", "container", "inspect"): json.dumps(records),
            ("docker", "network", "ls"): "demo_default",
            ("docker", "image", "inspect"): IMAGE_ID,
            ("docker", "stop"): self.stop,
        })
        # With `meet`, each stop waits until that many stops are in flight, which only parallel
        # stops reach. A barrier that is never met breaks after `meet_timeout` seconds.
        self.barrier = threading.Barrier(meet, timeout=meet_timeout) if meet else None
        self.in_flight = 0
        self.max_in_flight = 0
        self.count_lock = threading.Lock()

    def stop(self, argv: list[str]) -> str:
        with self.count_lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.barrier is not None:
            try:
                self.barrier.wait()
            except threading.BrokenBarrierError:
                pass
        with self.count_lock:
            self.in_flight -= 1
        return ""

    def removed(self) -> list[str]:
        return sorted(name for call in self.calls if call[1] == "rm" for name in call[2:] if name.startswith("demo-"))


def test_scale_down_stops_in_parallel(tmp_path: Path) -> None:
    project = load(tmp_path)
    runner = ScaledEngine(project, meet=3)
    events = RecordedEvents()

    result = up(project, DockerEngine(runner=runner), UpOptions(scale={"worker": 1}, parallel=3), events)

    assert runner.max_in_flight == 3
    assert runner.removed() == ["demo-worker-2", "demo-worker-3", "demo-worker-4"]
    assert [call[1] for call in runner.calls].count("stop") == 3
    assert result.actions["demo-worker-4"] == "removed"


def test_scale_down_respects_parallel_limit(tmp_path: Path) -> None:
    project = load(tmp_path)
    # Three stops can never be in flight at once under a limit of 2, so the barrier breaks.
    runner = ScaledEngine(project, meet=3, meet_timeout=0.5)

    up(project, DockerEngine(runner=runner), UpOptions(scale={"worker": 1}, parallel=2), RecordedEvents())

    assert runner.max_in_flight == 2
    assert runner.removed() == ["demo-worker-2", "demo-worker-3", "demo-worker-4"]


def test_scale_down_reports_each_removal(tmp_path: Path) -> None:
    project = load(tmp_path)
    runner = ScaledEngine(project)
    events = RecordedEvents()

    up(project, DockerEngine(runner=runner), UpOptions(scale={"worker": 1}, parallel=1), events)

    removing = [subject for subject, status in events.lines if status == "removing (scale down)"]
    assert removing == ["demo-worker-4", "demo-worker-3", "demo-worker-2"]
    for name in removing:
        assert events.lines.index((name, "removing (scale down)")) < events.lines.index((name, "removed"))
