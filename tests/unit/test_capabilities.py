"""The capability check: one small canonical model per rule, on the engines it concerns."""

from __future__ import annotations

from typing import Any

import pytest

from crank_cli.compose.schema import SERVICE_FIELDS
from crank_cli.operations.capabilities import (
    COMPATIBLE_LABEL,
    EMULATED,
    IGNORED_SERVICE_KEYS,
    MAPPED_SERVICE_KEYS,
    UNSUPPORTED,
    EngineFacts,
    Finding,
    check_image_labels,
    check_project,
    compatible_engines,
    preferred_engines,
)

DOCKER = EngineFacts("docker", "20.10.24+dfsg1", schedules_healthchecks=True)
PODMAN = EngineFacts("podman", "4.3.1", schedules_healthchecks=False)
PODMAN_WITH_SYSTEMD = EngineFacts("podman", "4.3.1", schedules_healthchecks=True)
CONTAINERD = EngineFacts("containerd", "1.6.20~ds1", schedules_healthchecks=True)
ROOTLESS_DOCKER = EngineFacts("docker", "27.3.1", schedules_healthchecks=True, rootless=True)
ROOTLESS_PODMAN = EngineFacts("podman", "5.2.0", schedules_healthchecks=False, rootless=True)


def model_of(web: dict[str, Any] | None = None, **top_level: Any) -> dict[str, Any]:
    """Return a canonical model with one service `web` holding the keys given."""
    service = {"image": "busybox", "networks": {"default": None}, **(web or {})}
    return {"services": {"web": service}, **top_level}


def findings_by_key(model: dict[str, Any], engine: EngineFacts) -> dict[str, Finding]:
    """Run the check and return its findings by key path."""
    return {finding.key: finding for finding in check_project(model, engine)}


def level_of(model: dict[str, Any], engine: EngineFacts, key: str) -> str | None:
    found = findings_by_key(model, engine).get(key)
    return None if found is None else found.level


# The key tables


def test_every_schema_service_key_classified() -> None:
    unclassified = set(SERVICE_FIELDS) - MAPPED_SERVICE_KEYS - set(IGNORED_SERVICE_KEYS)
    assert unclassified == set()


def test_key_tables_name_schema_keys_once() -> None:
    assert MAPPED_SERVICE_KEYS & set(IGNORED_SERVICE_KEYS) == set()
    assert MAPPED_SERVICE_KEYS - set(SERVICE_FIELDS) == set()
    assert set(IGNORED_SERVICE_KEYS) - set(SERVICE_FIELDS) == set()


# Services without findings


@pytest.mark.parametrize("engine", [DOCKER, PODMAN, PODMAN_WITH_SYSTEMD])
def test_plain_service_has_no_findings(engine: EngineFacts) -> None:
    web = {
        "command": ["sh", "-c", "sleep 1"], "environment": {"A": "1"}, "ports": [{"target": 80, "published": "8080"}],
        "restart": "always", "cap_add": ["NET_ADMIN"], "deploy": {"resources": {"limits": {"cpus": 1}}, "placement": {}},
    }
    assert check_project(model_of(web), engine) == []


# Keys crank never reads


@pytest.mark.parametrize("key", sorted(IGNORED_SERVICE_KEYS))
def test_ignored_key_is_unsupported(key: str) -> None:
    found = findings_by_key(model_of({key: "x"}), DOCKER)[f"services.web.{key}"]
    assert found.level == UNSUPPORTED
    assert found.service == "web"
    assert "{key}" not in found.message


def test_ignored_key_with_zero_value_has_no_finding() -> None:
    assert check_project(model_of({"oom_kill_disable": False}), DOCKER) == []


def test_attach_false_is_unsupported() -> None:
    assert level_of(model_of({"attach": False}), DOCKER, "services.web.attach") == UNSUPPORTED
    assert level_of(model_of({"attach": True}), DOCKER, "services.web.attach") is None


def test_pull_policy_daily_is_unsupported() -> None:
    assert level_of(model_of({"pull_policy": "daily"}), DOCKER, "services.web.pull_policy") == UNSUPPORTED
    assert level_of(model_of({"pull_policy": "if_not_present"}), DOCKER, "services.web.pull_policy") is None


def test_build_keys_not_passed_unsupported() -> None:
    build = {"context": ".", "dockerfile": "Dockerfile", "args": {"A": "1"}, "target": "prod", "ssh": ["default"],
             "no_cache": True, "pull": True, "network": "host", "dockerfile_inline": "FROM scratch\n",
             "shm_size": "67108864", "extra_hosts": ["db=10.0.0.2"], "ulimits": {"nproc": 100}, "tags": ["app:1"],
             "cache_from": ["app:cache"]}
    found = findings_by_key(model_of({"build": build}), DOCKER)
    assert found["services.web.build.ssh"].level == UNSUPPORTED
    assert found["services.web.build.cache_from"].level == UNSUPPORTED
    assert "network" in found["services.web.build.ssh"].message
    assert sorted(found) == ["services.web.build.cache_from", "services.web.build.ssh"]


# Healthchecks and dependencies


def test_start_interval_only_on_docker_25() -> None:
    web = {"healthcheck": {"test": ["CMD-SHELL", "true"], "start_interval": "2s"}}
    key = "services.web.healthcheck.start_interval"
    for engine in (DOCKER, PODMAN, CONTAINERD):
        assert level_of(model_of(web), engine, key) == UNSUPPORTED, engine
    assert level_of(model_of(web), EngineFacts("docker", "27.3.1", schedules_healthchecks=True), key) is None


def test_cmd_list_healthcheck_needs_shell() -> None:
    assert level_of(model_of({"healthcheck": {"test": ["CMD", "true"]}}), DOCKER, "services.web.healthcheck.test") == EMULATED
    assert level_of(model_of({"healthcheck": {"test": ["CMD-SHELL", "true"]}}), DOCKER, "services.web.healthcheck.test") is None
    # Over Docker's socket the list reaches the engine as it is.
    docker_socket = EngineFacts("docker", "20.10.24+dfsg1", schedules_healthchecks=True, runs_exec_healthchecks=True)
    assert level_of(model_of({"healthcheck": {"test": ["CMD", "true"]}}), docker_socket, "services.web.healthcheck.test") is None


def test_healthcheck_emulated_without_scheduler() -> None:
    web = {"healthcheck": {"test": ["CMD-SHELL", "true"], "interval": "1s"}}
    assert level_of(model_of(web), PODMAN, "services.web.healthcheck") == EMULATED
    assert level_of(model_of(web), PODMAN_WITH_SYSTEMD, "services.web.healthcheck") is None
    assert level_of(model_of(web), DOCKER, "services.web.healthcheck") is None


def test_disabled_healthcheck_has_no_finding() -> None:
    assert check_project(model_of({"healthcheck": {"disable": True}}), PODMAN) == []
    assert check_project(model_of({"healthcheck": {"test": ["NONE"]}}), PODMAN) == []


def test_healthcheck_unsupported_on_containerd() -> None:
    model = {"services": {"web": {"image": "busybox", "network_mode": "host", "healthcheck": {"test": ["CMD-SHELL", "true"]}}}}
    assert level_of(model, CONTAINERD, "services.web.healthcheck") == UNSUPPORTED


def test_service_healthy_emulated_without_scheduler() -> None:
    model = model_of()
    model["services"]["app"] = {"image": "busybox", "depends_on": {"web": {"condition": "service_healthy", "required": True}}}
    key = "services.app.depends_on.web.condition"
    assert level_of(model, PODMAN, key) == EMULATED
    assert level_of(model, PODMAN_WITH_SYSTEMD, key) is None
    assert level_of(model, DOCKER, key) is None


def test_service_started_has_no_finding() -> None:
    model = model_of()
    model["services"]["app"] = {"image": "busybox", "depends_on": {"web": {"condition": "service_started", "required": True}}}
    assert check_project(model, PODMAN) == []


# Replicas and deploy


@pytest.mark.parametrize("engine", [DOCKER, PODMAN, CONTAINERD], ids=["docker", "podman", "containerd"])
def test_replicas_have_no_finding(engine: EngineFacts) -> None:
    # Every engine runs the replicas as numbered containers, as docker compose does, so
    # there is no limit of the engine to report on each `up`.
    assert "services.web.deploy.replicas" not in findings_by_key(model_of({"deploy": {"replicas": 3}}), engine)
    assert "services.web.deploy.replicas" not in findings_by_key(model_of({"deploy": {"replicas": 0}}), engine)
    assert "services.web.scale" not in findings_by_key(model_of({"scale": 2}), engine)
    assert "services.web.scale" not in findings_by_key(model_of({"scale": 0}), engine)


def test_global_mode_is_unsupported() -> None:
    assert level_of(model_of({"deploy": {"mode": "global"}}), DOCKER, "services.web.deploy.mode") == UNSUPPORTED
    assert level_of(model_of({"deploy": {"mode": "replicated"}}), DOCKER, "services.web.deploy.mode") is None


@pytest.mark.parametrize("key, value", [
    ("placement", {"constraints": ["node.role==manager"]}),
    ("update_config", {"parallelism": 2}),
    ("rollback_config", {"order": "start-first"}),
    ("endpoint_mode", "dnsrr"),
    ("labels", {"team": "a"}),
])
def test_swarm_deploy_key_is_unsupported(key: str, value: Any) -> None:
    assert level_of(model_of({"deploy": {key: value}}), DOCKER, f"services.web.deploy.{key}") == UNSUPPORTED


def test_restart_policy_delay_is_unsupported() -> None:
    policy = {"condition": "on-failure", "max_attempts": 3, "delay": "5s", "window": "1m0s"}
    found = findings_by_key(model_of({"deploy": {"restart_policy": policy}}), DOCKER)
    assert found["services.web.deploy.restart_policy.delay"].level == UNSUPPORTED
    assert found["services.web.deploy.restart_policy.window"].level == UNSUPPORTED
    assert "services.web.deploy.restart_policy.max_attempts" not in found


def test_max_attempts_needs_on_failure() -> None:
    policy = {"condition": "any", "max_attempts": 3}
    key = "services.web.deploy.restart_policy.max_attempts"
    assert level_of(model_of({"deploy": {"restart_policy": policy}}), DOCKER, key) == UNSUPPORTED


def test_cpu_reservation_is_unsupported() -> None:
    resources = {"limits": {"cpus": 2, "memory": "1073741824"}, "reservations": {"cpus": 0.5}}
    found = findings_by_key(model_of({"deploy": {"resources": resources}}), DOCKER)
    assert sorted(found) == ["services.web.deploy.resources.reservations.cpus"]


# GPUs


def gpu_model(*devices: dict[str, Any]) -> dict[str, Any]:
    return model_of({"deploy": {"resources": {"reservations": {"devices": list(devices)}}}})


def test_gpu_count_unsupported_on_podman() -> None:
    model = gpu_model({"capabilities": ["gpu"], "count": 1})
    key = "services.web.deploy.resources.reservations.devices[0].count"
    assert level_of(model, PODMAN, key) == UNSUPPORTED
    assert level_of(model, DOCKER, key) is None
    assert level_of(model, CONTAINERD, key) is None


def test_gpu_ids_and_all_pass_on_podman() -> None:
    assert check_project(gpu_model({"capabilities": ["gpu"], "device_ids": ["0"], "count": 1}), PODMAN) == []
    assert check_project(gpu_model({"capabilities": ["gpu"], "count": -1}), PODMAN) == []


def test_extra_device_requests_are_ignored() -> None:
    model = gpu_model({"capabilities": ["tpu"]}, {"capabilities": ["gpu"]}, {"capabilities": ["gpu"], "count": 2})
    found = findings_by_key(model, DOCKER)
    assert found["services.web.deploy.resources.reservations.devices[0]"].level == UNSUPPORTED
    assert "services.web.deploy.resources.reservations.devices[1]" not in found
    assert found["services.web.deploy.resources.reservations.devices[2]"].level == UNSUPPORTED


def test_gpus_key_with_count_is_unsupported() -> None:
    assert level_of(model_of({"gpus": [{"count": 2}]}), DOCKER, "services.web.gpus[0]") == UNSUPPORTED
    assert check_project(model_of({"gpus": [{"count": -1}]}), DOCKER) == []


def test_gpu_reservation_wins_over_gpus_key() -> None:
    model = gpu_model({"capabilities": ["gpu"], "count": -1})
    model["services"]["web"]["gpus"] = [{"count": 2}]
    found = findings_by_key(model, DOCKER)
    assert sorted(found) == ["services.web.gpus"]


# Networking


def test_link_alias_is_unsupported() -> None:
    found = findings_by_key(model_of({"links": ["db:database", "cache"]}), DOCKER)
    assert found["services.web.links[0]"].level == UNSUPPORTED
    assert found["services.web.links[1]"].level == EMULATED


def test_privileged_port_unsupported_when_rootless() -> None:
    ports = [{"target": 80, "published": "80"}, {"target": 443, "published": "443-444"}, {"target": 8080, "published": "8080"}]
    found = findings_by_key(model_of({"ports": ports}), ROOTLESS_PODMAN)
    assert found["services.web.ports[0].published"].level == UNSUPPORTED
    assert found["services.web.ports[1].published"].level == UNSUPPORTED
    assert "services.web.ports[2].published" not in found
    assert check_project(model_of({"ports": ports}), PODMAN) == []


def test_host_network_unsupported_on_rootless_docker() -> None:
    model = {"services": {"web": {"image": "busybox", "network_mode": "host"}}}
    assert level_of(model, ROOTLESS_DOCKER, "services.web.network_mode") == UNSUPPORTED
    assert level_of(model, ROOTLESS_PODMAN, "services.web.network_mode") == UNSUPPORTED
    assert level_of(model, DOCKER, "services.web.network_mode") is None
    assert level_of(model, PODMAN, "services.web.network_mode") is None


def test_host_network_message_names_port_start() -> None:
    model = {"services": {"web": {"image": "busybox", "network_mode": "host"}}}
    engine = EngineFacts("podman", "4.3.1", schedules_healthchecks=False, rootless=True, unprivileged_port_start=80)

    found = findings_by_key(model, engine)

    assert found["services.web.network_mode"].message.endswith("so the service cannot bind ports below 80")


def test_privileged_port_uses_machine_port_start() -> None:
    ports = [{"target": 80, "published": "79"}, {"target": 80, "published": "80"}]
    engine = EngineFacts("podman", "4.3.1", schedules_healthchecks=False, rootless=True, unprivileged_port_start=80)

    found = findings_by_key(model_of({"ports": ports}), engine)

    assert found["services.web.ports[0].published"].message == (
        "a rootless podman cannot publish port 79, below 80, the value of net.ipv4.ip_unprivileged_port_start on this machine")
    assert "services.web.ports[1].published" not in found


def test_attachment_ipv6_address_is_unsupported() -> None:
    networks = {"front": {"aliases": ["www"], "ipv4_address": "10.5.0.4", "ipv6_address": "fd00::4"}}
    found = findings_by_key(model_of({"networks": networks}), DOCKER)
    assert sorted(found) == ["services.web.networks.front.ipv6_address"]


def test_containerd_rejects_network_aliases() -> None:
    found = check_project(model_of(), CONTAINERD)
    assert [(finding.key, finding.level) for finding in found] == [("services.web.networks", UNSUPPORTED)]


def test_containerd_cannot_connect_second_network() -> None:
    found = check_project(model_of({"networks": {"front": None, "back": None}}), CONTAINERD)
    assert len(found) == 2
    assert "network connect" in found[1].message


# Mounts


@pytest.mark.parametrize("bind", [{"create_host_path": True}, None, {}], ids=["short", "long", "no-create"])
def test_bind_host_path_gives_no_finding(bind: dict[str, bool] | None) -> None:
    # crank creates the folder where Docker Compose does, and otherwise both fail alike.
    volume: dict[str, Any] = {"type": "bind", "source": "/srv/data", "target": "/data"}
    if bind is not None:
        volume["bind"] = bind
    assert check_project(model_of({"volumes": [volume]}), DOCKER) == []
    assert check_project(model_of({"volumes": [volume]}), PODMAN) == []


def test_mount_options_are_unsupported() -> None:
    volumes = [
        {"type": "volume", "source": "data", "target": "/data", "volume": {"nocopy": True, "subpath": "a"}},
        {"type": "bind", "source": "/srv", "target": "/srv", "bind": {"propagation": "rshared"}},
        {"type": "tmpfs", "target": "/tmp", "tmpfs": {"size": "1048576"}},
        {"type": "volume", "source": "logs", "target": "/logs", "volume": {}},
    ]
    found = findings_by_key(model_of({"volumes": volumes}), DOCKER)
    assert sorted(found) == [
        "services.web.volumes[0].volume.nocopy",
        "services.web.volumes[0].volume.subpath",
        "services.web.volumes[1].bind.propagation",
        "services.web.volumes[2].tmpfs.size",
    ]


def test_image_mount_needs_docker_28() -> None:
    model = model_of({"volumes": [{"type": "image", "source": "tools:1", "target": "/tools"}]})
    key = "services.web.volumes[0].type"
    assert level_of(model, DOCKER, key) == UNSUPPORTED
    assert level_of(model, EngineFacts("docker", "28.0.1", schedules_healthchecks=True), key) is None
    assert level_of(model, PODMAN, key) is None


def test_npipe_mount_is_unsupported() -> None:
    model = model_of({"volumes": [{"type": "npipe", "source": r"\\.\pipe\docker_engine", "target": r"\\.\pipe\x"}]})
    assert level_of(model, DOCKER, "services.web.volumes[0].type") == UNSUPPORTED


# Secrets and configs


def test_environment_secret_written_to_file() -> None:
    model = model_of({"secrets": [{"source": "token", "target": "/run/secrets/token"}]}, secrets={"token": {"environment": "TOKEN"}})
    found = findings_by_key(model, DOCKER)["services.web.secrets[0]"]
    assert found.level == EMULATED
    assert "/run/secrets/token" in found.message


def test_content_config_default_target() -> None:
    model = model_of({"configs": [{"source": "app"}]}, configs={"app": {"content": "debug=1"}})
    found = findings_by_key(model, DOCKER)["services.web.configs[0]"]
    assert found.level == EMULATED
    assert "at /app" in found.message


def test_relative_targets_shown_absolute() -> None:
    web = {"secrets": [{"source": "token", "target": "renamed"}], "configs": [{"source": "app", "target": "app.conf"}]}
    model = model_of(web, secrets={"token": {"environment": "TOKEN"}}, configs={"app": {"content": "debug=1"}})
    found = findings_by_key(model, DOCKER)
    assert found["services.web.secrets[0]"].message.endswith("at /run/secrets/renamed")
    assert found["services.web.configs[0]"].message.endswith("at /app.conf")


def test_file_secret_mounted_as_is() -> None:
    references = [{"source": "cert", "target": "/run/secrets/cert"}, {"source": "key", "target": "/k", "mode": 0o400, "uid": "10"}]
    declared = {"cert": {"file": "/srv/cert.pem"}, "key": {"file": "/srv/key.pem"}}
    found = findings_by_key(model_of({"secrets": references}, secrets=declared), DOCKER)
    assert sorted(found) == ["services.web.secrets[1].mode", "services.web.secrets[1].uid"]
    assert found["services.web.secrets[1].mode"].level == UNSUPPORTED


def test_external_secret_is_unsupported() -> None:
    declared = {"token": {"external": True, "name": "token"}, "unused": {"external": True, "name": "unused"}}
    model = model_of({"secrets": [{"source": "token", "target": "/run/secrets/token"}]}, secrets=declared)
    found = findings_by_key(model, DOCKER)
    assert found["secrets.token.external"].level == UNSUPPORTED
    assert found["secrets.token.external"].service is None
    assert "secrets.unused.external" not in found


def test_template_driver_is_unsupported() -> None:
    model = model_of({"configs": [{"source": "app"}]}, configs={"app": {"file": "/srv/app.conf", "template_driver": "golang"}})
    assert level_of(model, DOCKER, "configs.app.template_driver") == UNSUPPORTED


# Engine-specific flags


def test_podman_rejects_syslog_driver() -> None:
    model = model_of({"logging": {"driver": "syslog"}})
    assert level_of(model, PODMAN, "services.web.logging.driver") == UNSUPPORTED
    assert level_of(model, DOCKER, "services.web.logging.driver") is None
    assert check_project(model_of({"logging": {"driver": "json-file"}}), PODMAN) == []


def test_podman_rejects_domainname() -> None:
    model = model_of({"domainname": "example.org"})
    assert level_of(model, PODMAN, "services.web.domainname") == UNSUPPORTED
    assert level_of(model, DOCKER, "services.web.domainname") is None


def test_containerd_rejects_expose() -> None:
    model = model_of({"expose": ["9000"]})
    assert level_of(model, CONTAINERD, "services.web.expose") == UNSUPPORTED
    assert level_of(model, DOCKER, "services.web.expose") is None


# Top-level networks and volumes


def test_network_ipam_pools_are_supported() -> None:
    ipam = {"config": [{"subnet": "10.5.0.0/16", "gateway": "10.5.0.1"}]}
    model = model_of(networks={"default": {"name": "demo_default", "ipam": ipam}})
    assert level_of(model, DOCKER, "networks.default.ipam") is None
    assert level_of(model, PODMAN, "networks.default.ipam") is None


def test_podman_ipam_aux_addresses_unsupported() -> None:
    ipam = {"config": [{"subnet": "10.5.0.0/16", "aux_addresses": {"router": "10.5.0.2"}}]}
    model = model_of(networks={"default": {"name": "demo_default", "ipam": ipam}})
    assert level_of(model, PODMAN, "networks.default.ipam") == UNSUPPORTED
    assert level_of(model, DOCKER, "networks.default.ipam") is None


def test_network_without_ipv4_is_unsupported() -> None:
    model = model_of(networks={"default": {"name": "demo_default", "ipam": {}, "enable_ipv4": False}})
    assert level_of(model, DOCKER, "networks.default.enable_ipv4") == UNSUPPORTED


def test_podman_network_driver_overlay() -> None:
    model = model_of(networks={"default": {"name": "demo_default", "ipam": {}, "driver": "overlay"}})
    assert level_of(model, PODMAN, "networks.default.driver") == UNSUPPORTED
    assert level_of(model, DOCKER, "networks.default.driver") is None


def test_external_network_is_not_checked() -> None:
    model = model_of(networks={"default": {"name": "shared", "external": True, "ipam": {"driver": "x"}}})
    assert check_project(model, PODMAN) == []


def test_podman_volume_driver_plugin() -> None:
    model = model_of(volumes={"data": {"name": "demo_data", "driver": "rexray"}})
    assert level_of(model, PODMAN, "volumes.data.driver") == UNSUPPORTED
    assert level_of(model, DOCKER, "volumes.data.driver") is None
    assert check_project(model_of(volumes={"data": {"name": "demo_data", "driver": "local"}}), PODMAN) == []


# Engine versions


@pytest.mark.parametrize("version, minimum, expected", [
    ("20.10.24+dfsg1", (20, 10), True),
    ("20.10.24+dfsg1", (25,), False),
    ("28.0.1", (28,), True),
    ("v1.7.2", (1, 7), True),
    ("unknown", (1,), False),
])
def test_version_at_least(version: str, minimum: tuple[int, ...], expected: bool) -> None:
    assert EngineFacts("docker", version, schedules_healthchecks=True).version_at_least(*minimum) is expected


# Image labels


def test_image_label_without_engine() -> None:
    images = {"web": {COMPATIBLE_LABEL: "docker,containerd"}, "db": {COMPATIBLE_LABEL: "docker, podman"}, "cache": {}}
    found = check_image_labels(images, "podman")
    assert len(found) == 1
    assert found[0].level == UNSUPPORTED
    assert found[0].service == "web"
    assert found[0].key == "services.web.image"


def test_blank_label_makes_no_claim() -> None:
    assert compatible_engines({COMPATIBLE_LABEL: " "}) is None
    assert check_image_labels({"web": {COMPATIBLE_LABEL: ""}}, "podman") == []


def test_label_reads_nerdctl_as_containerd() -> None:
    assert compatible_engines({COMPATIBLE_LABEL: "Docker,nerdctl"}) == frozenset({"docker", "containerd"})


def test_preferred_engine_listed_by_every_image() -> None:
    images = {"web": {COMPATIBLE_LABEL: "podman,containerd"}, "db": {COMPATIBLE_LABEL: "podman"}, "cache": {}}
    assert preferred_engines(images, ["docker", "podman", "containerd"]) == ["podman", "containerd", "docker"]


def test_preferred_engines_keep_order_without_labels() -> None:
    assert preferred_engines({"web": {}}, ["docker", "podman"]) == ["docker", "podman"]
    assert preferred_engines({}, ["podman", "docker"]) == ["podman", "docker"]
