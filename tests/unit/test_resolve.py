"""Engine resolution, with engines faked at the process boundary."""

from __future__ import annotations

import pytest

from crank_cli.errors import NoUsableEngineError
from crank_cli.runtime.resolve import make_backend, resolve, resolve_where
from crank_cli.settings import load_settings
from tests.unit.fakes import DOCKER_DAEMON_DOWN, DOCKER_UP, PODMAN_UP, FakeRunner


def settings(runtime: str | None = None, fallback: str | None = None):  # type: ignore[no-untyped-def]
    environ = {"CRANK_RUNTIME_FALLBACK": fallback} if fallback else {}
    return load_settings(runtime_flag=runtime, environ=environ, file_values={})


def test_auto_takes_docker_when_daemon_answers() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("podman", "version"): PODMAN_UP})
    chosen = resolve(settings(), runner=runner)
    assert chosen.info.name == "docker"
    assert chosen.info.version == "20.10.24"
    assert [call[0] for call in runner.calls] == ["docker"]


def test_auto_skips_docker_whose_daemon_is_down() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_DAEMON_DOWN, ("podman", "version"): PODMAN_UP})
    chosen = resolve(settings(), runner=runner)
    assert chosen.info.name == "podman"
    assert "docker skipped" in chosen.reason


def test_docker_client_without_server_is_not_usable() -> None:
    runner = FakeRunner({("docker", "version"): '{"Client":{"Version":"28.2.2"},"Server":null}'})
    with pytest.raises(NoUsableEngineError) as raised:
        resolve(settings("docker", "disabled"), runner=runner)
    assert "docker (the --runtime flag) is not usable: the engine did not report a version" in raised.value.message


def test_fallback_enabled_warns_and_uses_podman() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_DAEMON_DOWN, ("podman", "version"): PODMAN_UP})
    warnings: list[str] = []
    chosen = resolve(settings("docker", "enabled"), runner=runner, warn=warnings.append)
    assert chosen.info.name == "podman"
    assert len(warnings) == 1
    assert warnings[0].startswith("docker (the --runtime flag) is not usable: Cannot connect to the Docker daemon")
    assert "`crank up` would start it a second time on podman, with new volumes" in warnings[0]


def test_fallback_disabled_stops_with_reason() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_DAEMON_DOWN, ("podman", "version"): PODMAN_UP})
    with pytest.raises(NoUsableEngineError) as raised:
        resolve(settings("docker", "disabled"), runner=runner)
    message = raised.value.message
    assert message.startswith("docker (the --runtime flag) is not usable: Cannot connect to the Docker daemon")
    assert "Fallback to other engines is disabled by CRANK_RUNTIME_FALLBACK in the environment" in message
    assert "crank did not check the other engines; run `crank doctor`" in message
    assert "no usable container engine" not in message
    assert raised.value.exit_code == 4
    assert [call[0] for call in runner.calls] == ["docker"]


def test_fallback_disabled_names_probed_usable_engines() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("podman", "version"): PODMAN_UP})
    docker = make_backend("docker", runner)
    podman = make_backend("podman", runner)
    probed = {"docker": (docker, docker.probe()), "podman": (podman, podman.probe())}
    with pytest.raises(NoUsableEngineError) as raised:
        resolve(settings("containerd", "disabled"), runner=runner, probed=probed)
    message = raised.value.message
    assert message.startswith("containerd (the --runtime flag) is not usable: nerdctl not found on PATH")
    assert "Fallback to other engines is disabled by CRANK_RUNTIME_FALLBACK in the environment" in message
    assert "Usable engines: docker, podman; choose one with --runtime" in message
    assert raised.value.exit_code == 4


def test_nothing_usable_lists_every_engine() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_DAEMON_DOWN})
    with pytest.raises(NoUsableEngineError) as raised:
        resolve(settings(), runner=runner)
    message = raised.value.message
    assert "docker: Cannot connect to the Docker daemon" in message
    assert "podman: podman not found on PATH" in message
    assert "containerd: nerdctl not found on PATH" in message
    assert raised.value.exit_code == 4


def test_probe_has_timeout() -> None:
    seen: list[float | None] = []

    class TimedRunner(FakeRunner):
        def __call__(self, argv, *, input_text=None, timeout=None, env=None):  # type: ignore[no-untyped-def]
            seen.append(timeout)
            return super().__call__(argv, timeout=timeout)

    resolve(settings("docker"), runner=TimedRunner({("docker", "version"): DOCKER_UP}))
    assert seen == [5.0]



PROJECT = {"io.crank.project": "demo"}


def test_project_on_docker_asks_no_podman() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("docker", "ps"): "0123abcd\n", ("podman", "version"): PODMAN_UP})
    chosen = resolve_where(settings(), PROJECT, runner=runner)
    assert chosen.info.name == "docker"
    assert chosen.reason == "the engine where the project's containers run"
    assert [call[0] for call in runner.calls] == ["docker", "docker"]


def test_project_on_podman_found_after_docker() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("podman", "version"): PODMAN_UP, ("podman", "ps"): "4567cdef\n"})
    chosen = resolve_where(settings(), PROJECT, runner=runner)
    assert chosen.info.name == "podman"
    assert chosen.reason == "the engine where the project's containers run"


def test_running_copy_beats_stopped_copy() -> None:
    # After `migrate --keep-source`, Docker keeps the stopped copy and Podman runs the project.
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("docker", "ps", "--all"): "0123abcd\n",
                         ("podman", "version"): PODMAN_UP, ("podman", "ps", "--quiet"): "4567cdef\n"})

    chosen = resolve_where(settings(), PROJECT, runner=runner)

    assert chosen.info.name == "podman"
    assert chosen.reason == "the engine where the project's containers run"


def test_stopped_copy_chosen_when_none_runs() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("docker", "ps", "--all"): "0123abcd\n",
                         ("podman", "version"): PODMAN_UP})

    chosen = resolve_where(settings(), PROJECT, runner=runner)

    assert chosen.info.name == "docker"
    assert chosen.reason == "the engine where the project's containers are"


def test_new_project_probes_each_engine_once() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("podman", "version"): PODMAN_UP})
    chosen = resolve_where(settings(), PROJECT, runner=runner)
    assert chosen.info.name == "docker"
    assert chosen.reason.startswith("first usable engine")
    versions = [call[0] for call in runner.calls if call[1] == "version"]
    assert versions == ["docker", "podman", "nerdctl"]


def test_fallback_warning_after_engine_question() -> None:
    from crank_cli.runtime.models import EngineInfo
    from crank_cli.runtime.resolve import _fallback_warning

    first = EngineInfo("docker", usable=False, reason="Cannot connect to the Docker daemon. Is the docker daemon running?")
    chosen = EngineInfo("podman", usable=True, version="4.3.1")

    message = _fallback_warning(first, chosen, settings("docker"))

    assert "Is the docker daemon running? crank uses podman 4.3.1 instead" in message
    assert "?;" not in message
