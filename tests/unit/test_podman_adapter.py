"""Podman's differences, handled in its adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crank_cli.errors import EngineError
from crank_cli.runtime.models import BuildSpec, ContainerSpec, HealthCheck
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner


def test_podman_retries_network_create_race() -> None:
    failures = [EngineError(["podman"], 125, "Error: route ip+net: no such network interface")]

    def reply(command: list[str]) -> str:
        if failures:
            raise failures.pop()
        return "demo_default"

    runner = FakeRunner({("podman", "network", "create"): reply})

    PodmanEngine(runner=runner).create_network("demo_default", {"io.crank.project": "demo"})

    assert [call[:3] for call in runner.calls] == [["podman", "network", "create"]] * 2


def test_podman_lists_containers_from_one_ps_command() -> None:
    # The shape Podman 4.3 prints for `ps --all --format json`.
    listed = [
        {"Id": "c1", "Names": ["demo-web-1"], "Image": "localhost/web:latest", "ImageID": "b" * 64,
         "State": "running", "Status": "Up 3 minutes (healthy)", "ExitCode": 0,
         "Labels": {"io.crank.service": "web"},
         "Ports": [{"host_ip": "127.0.0.1", "container_port": 80, "host_port": 8080, "range": 2, "protocol": "tcp"},
                   {"host_ip": "", "container_port": 53, "host_port": 5353, "range": 1, "protocol": "udp"}]},
        {"Id": "c2", "Names": ["demo-job-1"], "Image": "busybox", "ImageID": "c" * 64,
         "State": "exited", "Status": "Exited (3) 2 seconds ago", "ExitCode": 3, "Labels": {}, "Ports": None},
    ]
    runner = FakeRunner({("podman", "ps"): json.dumps(listed)})

    web, job = PodmanEngine(runner=runner).list_containers({"io.crank.project": "demo"})

    assert runner.calls == [["podman", "ps", "--all", "--format", "json", "--filter", "label=io.crank.project=demo"]]
    assert (web.name, web.state, web.health, web.service, web.image_id) == ("demo-web-1", "running", "healthy", "web", "b" * 64)
    assert web.ports == ("0.0.0.0:5353->53/udp", "127.0.0.1:8080->80/tcp", "127.0.0.1:8081->81/tcp")
    assert (job.state, job.exit_code, job.health, job.ports) == ("exited", 3, None, ())


def test_podman_passes_whole_list_entrypoint() -> None:
    spec = ContainerSpec(name="demo-job-1", image="busybox", entrypoint=("sh", "-c"), command=("echo hi",))

    args = PodmanEngine(runner=FakeRunner({})).run_arguments(spec, detach=True)

    assert args[-4:] == ["--entrypoint", '["sh", "-c"]', "busybox", "echo hi"]


def test_failed_build_quotes_last_output_lines() -> None:
    def attached(argv, *, stdout=None, lines=None):  # type: ignore[no-untyped-def]
        for number in range(1, 9):
            lines(f"step {number}")
        return 1

    forwarded: list[str] = []
    engine = PodmanEngine(runner=FakeRunner(), attached_runner=attached)
    engine.output_lines = forwarded.append
    with pytest.raises(EngineError) as raised:
        engine.build_image(BuildSpec(context=Path("/src"), tag="demo-web"))
    assert forwarded == [f"step {number}" for number in range(1, 9)]
    assert raised.value.message.endswith("failed: step 4; step 5; step 6; step 7; step 8")


def test_inline_dockerfile_built_from_file() -> None:
    seen: list[tuple[list[str], str]] = []

    def attached(argv, *, stdout=None, lines=None):  # type: ignore[no-untyped-def]
        dockerfile = argv[argv.index("--file") + 1]
        seen.append((argv, Path(dockerfile).read_text()))
        return 0

    engine = PodmanEngine(runner=FakeRunner(), attached_runner=attached)
    engine.build_image(BuildSpec(context=Path("/src"), tag="demo-web", dockerfile_inline="FROM scratch\n"))

    argv, text = seen[0]
    assert text == "FROM scratch\n"
    assert argv[-1] == "/src"
    # The file lives only as long as the build.
    assert not Path(argv[argv.index("--file") + 1]).exists()


def health_check_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, systemd: bool) -> list[str]:
    """Return the `run` arguments of a container with a healthcheck, on a machine with or without systemd."""
    runtime_dir = tmp_path / "systemd"
    if systemd:
        runtime_dir.mkdir()
    monkeypatch.setattr("crank_cli.runtime.podman.SYSTEMD_RUNTIME_DIR", runtime_dir)
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("CONTAINER_CONNECTION", raising=False)
    spec = ContainerSpec(name="demo-web-1", image="busybox", healthcheck=HealthCheck(test=("CMD", "true"), interval=1.0))
    return PodmanEngine(runner=FakeRunner()).run_arguments(spec, detach=True)


def test_health_timer_off_without_systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = health_check_argv(tmp_path, monkeypatch, systemd=False)

    # The check's own interval comes first, and the last --health-interval counts.
    assert argv[argv.index("--health-interval") + 1] == "1s"
    image = argv.index("busybox")
    assert argv[image - 2:image] == ["--health-interval", "disable"]


def test_health_timer_kept_with_systemd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = health_check_argv(tmp_path, monkeypatch, systemd=True)

    assert argv[argv.index("--health-interval") + 1] == "1s"
    assert "disable" not in argv
