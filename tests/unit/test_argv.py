"""Argument lists built from typed specs, checked as exact lists."""

from __future__ import annotations

from pathlib import Path

from crank_cli.runtime import argv
from crank_cli.runtime.models import BuildSpec, ContainerSpec, HealthCheck, Mount, NetworkAttachment, PortMapping


def test_container_flags_full_spec() -> None:
    spec = ContainerSpec(
        name="demo-web-1",
        image="busybox",
        environment={"A": "1"},
        labels={"io.crank.project": "demo"},
        ports=(PortMapping(target=80, published="8080", host_ip="127.0.0.1"),),
        mounts=(Mount("volume", "/data", "demo_data"), Mount("bind", "/site", "/srv/site", read_only=True)),
        networks=(NetworkAttachment("demo_default", ("web",)),),
        restart="always",
    )
    assert argv.container_flags(spec) == [
        "--name", "demo-web-1",
        "--env", "A=1",
        "--label", "io.crank.project=demo",
        "--publish", "127.0.0.1:8080:80/tcp",
        "--mount", "type=volume,source=demo_data,target=/data",
        "--mount", "type=bind,source=/srv/site,target=/site,ro",
        "--network", "demo_default",
        "--network-alias", "web",
        "--restart", "always",
    ]


def test_list_entrypoint_splits_around_image() -> None:
    spec = ContainerSpec(name="x", image="busybox", entrypoint=("/bin/sh", "-c"), command=("echo hi",))
    flags = argv.container_flags(spec)
    assert flags[-2:] == ["--entrypoint", "/bin/sh"]
    assert argv.command_words(spec) == ["-c", "echo hi"]


def test_list_entrypoint_as_json_array() -> None:
    spec = ContainerSpec(name="x", image="busybox", entrypoint=("/bin/sh", "-c"), command=("echo hi",))
    flags = argv.container_flags(spec, list_entrypoint=True)
    assert flags[-2:] == ["--entrypoint", '["/bin/sh", "-c"]']
    assert argv.command_words(spec, list_entrypoint=True) == ["echo hi"]


def test_json_array_entrypoint_single_word() -> None:
    plain = ContainerSpec(name="x", image="busybox", entrypoint=("/bin/sh",))
    assert argv.container_flags(plain, list_entrypoint=True)[-2:] == ["--entrypoint", "/bin/sh"]
    # A word that would parse as a JSON array is sent inside one, so it stays one word.
    bracketed = ContainerSpec(name="x", image="busybox", entrypoint=('["a"]',))
    assert argv.container_flags(bracketed, list_entrypoint=True)[-2:] == ["--entrypoint", '["[\\"a\\"]"]']


def test_entrypoint_fits_flag() -> None:
    assert argv.entrypoint_fits_flag(None)
    assert argv.entrypoint_fits_flag(("/bin/sh",))
    assert argv.entrypoint_fits_flag(("/opt/my app/run",))
    assert not argv.entrypoint_fits_flag(("/bin/sh", "-c"))
    # Docker stores `--entrypoint ""` as null, where docker compose's empty list stays [].
    assert not argv.entrypoint_fits_flag(())


def test_entrypoint_words_with_spaces_split() -> None:
    spec = ContainerSpec(name="x", image="busybox", entrypoint=("/bin/sh", "-c", 'echo "$0"', "zero with space"),
                         command=("one with space",))
    assert argv.container_flags(spec)[-2:] == ["--entrypoint", "/bin/sh"]
    assert argv.command_words(spec) == ["-c", 'echo "$0"', "zero with space", "one with space"]


def test_empty_entrypoint_resets_image_entrypoint() -> None:
    spec = ContainerSpec(name="x", image="busybox", entrypoint=())
    assert argv.container_flags(spec)[-2:] == ["--entrypoint", ""]
    assert argv.container_flags(spec, list_entrypoint=True)[-2:] == ["--entrypoint", ""]


def test_init_flag_only_when_set() -> None:
    assert "--init" not in argv.container_flags(ContainerSpec(name="x", image="busybox"))
    assert argv.container_flags(ContainerSpec(name="x", image="busybox", init=True))[-1] == "--init"
    assert argv.container_flags(ContainerSpec(name="x", image="busybox", init=False))[-1] == "--init=false"


def test_port_without_host_side() -> None:
    assert PortMapping(target=53, protocol="udp").flag_value() == "53/udp"
    assert PortMapping(target=80, host_ip="127.0.0.1").flag_value() == "127.0.0.1::80/tcp"
    assert PortMapping(target=80, published="8080", host_ip="::1").flag_value() == "[::1]:8080:80/tcp"


def test_healthcheck_flags_with_durations() -> None:
    check = HealthCheck(test=("CMD", "wget", "-q", "http://x/"), interval=1.5, timeout=3, retries=2, start_period=60)
    assert argv.healthcheck_flags(check) == [
        "--health-cmd", "wget -q http://x/",
        "--health-interval", "1.5s",
        "--health-timeout", "3s",
        "--health-start-period", "60s",
        "--health-retries", "2",
    ]


def test_healthcheck_shell_and_none() -> None:
    assert argv.healthcheck_flags(HealthCheck(test=("CMD-SHELL", "exit 0")))[:2] == ["--health-cmd", "exit 0"]
    assert argv.healthcheck_flags(HealthCheck(test=("NONE",))) == ["--no-healthcheck"]


def test_build_flags_context_last() -> None:
    spec = BuildSpec(context=Path("/src"), tag="demo-app", dockerfile="docker/Dockerfile", args={"V": "1"})
    assert argv.build_flags(spec) == [
        "--tag", "demo-app", "--force-rm", "--file", "/src/docker/Dockerfile", "--build-arg", "V=1", "/src",
    ]


def test_build_flags_no_cache_and_pull() -> None:
    spec = BuildSpec(context=Path("/src"), tag="demo-app", no_cache=True, pull=True)
    assert argv.build_flags(spec) == ["--tag", "demo-app", "--force-rm", "--no-cache", "--pull", "/src"]


def test_build_flags_tag_each_build_tag() -> None:
    spec = BuildSpec(context=Path("/src"), tag="demo-app", extra_tags=("registry.example/app:1", "app:latest"))
    assert argv.build_flags(spec)[:6] == [
        "--tag", "demo-app", "--tag", "registry.example/app:1", "--tag", "app:latest",
    ]


def test_label_filters_any_value() -> None:
    assert argv.label_filters({"io.crank.project": None, "io.crank.service": "web"}) == [
        "--filter", "label=io.crank.project", "--filter", "label=io.crank.service=web",
    ]


def test_start_interval_passed_from_docker_25() -> None:
    from crank_cli.runtime.docker import DockerEngine

    spec = ContainerSpec(name="x", image="busybox", healthcheck=HealthCheck(test=("CMD-SHELL", "true"), start_interval=2))
    old, new = DockerEngine(), DockerEngine()
    old.engine_version, new.engine_version = "20.10.24+dfsg1", "25.0.3"

    assert "--health-start-interval" not in old.run_arguments(spec, detach=True)
    assert new.run_arguments(spec, detach=True)[-3:-1] == ["--health-start-interval", "2s"]


def test_build_flags_run_step_settings() -> None:
    spec = BuildSpec(context=Path("/src"), tag="demo-app", network="host", shm_size=67108864,
                     extra_hosts=("db=10.0.0.2", "v6=::1"), ulimits=("nofile=1024:2048", "nproc=100"))
    assert argv.build_flags(spec) == [
        "--tag", "demo-app", "--force-rm", "--network", "host", "--shm-size", "67108864",
        "--add-host", "db:10.0.0.2", "--add-host", "v6:::1", "--ulimit", "nofile=1024:2048", "--ulimit", "nproc=100",
        "/src",
    ]
