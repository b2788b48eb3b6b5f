"""Compare the keys a compose project uses with what crank does on one engine.

The check reads the canonical model and facts about the engine that the caller gathered,
and runs no engine command. Each finding has one of three levels:

- `emulated`: crank does the work itself instead of the engine, so the result can differ
  in detail from Docker Compose on Docker (health waits on an engine that schedules no
  healthchecks, secrets written to files).
- `unsupported`: crank ignores the key, or the engine rejects the flag crank passes for it.
- `migration`: `crank migrate` adds these for what moving the project changes, beyond what
  the target engine supports (a dependency left on the source, an anonymous volume).

A key that crank passes to the engine as it is gives no finding. The rules follow what
`specs`, `service_options`, `secrets`, `resources`, `converge`, `up` and the runtime
adapters read and pass: a service key that none of them reads is in `IGNORED_SERVICE_KEYS`,
and a test keeps that table in step with the compose schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from crank_cli.operations.secrets import mount_target
from crank_cli.runtime.inspect import version_numbers

EMULATED = "emulated"
UNSUPPORTED = "unsupported"
MIGRATION = "migration"

# The label that lists the engines an image was made for, as Dockerfile.universal sets it.
COMPATIBLE_LABEL = "org.crank.runtime.compatible"
_ENGINE_ALIASES = {"nerdctl": "containerd"}


class Finding(NamedTuple):
    """One key of a project that crank emulates or cannot honour, or that a migration changes."""

    level: str  # EMULATED, UNSUPPORTED or MIGRATION
    service: str | None  # None for a top-level key
    # The key path in the canonical model, such as services.web.healthcheck.start_interval. A
    # migration finding about an engine object names the object instead, such as `volume NAME`.
    key: str
    message: str  # what differs and what crank does about it
    blocking: bool = False  # True when crank cannot go on at all, even without --strict

    def line(self) -> str:
        return f"{self.level}: {self.key}: {self.message}"


class EngineFacts(NamedTuple):
    """Facts about the chosen engine that the rules depend on."""

    name: str  # docker, podman or containerd
    version: str  # as the probe reports it, which for containerd is containerd's version, not nerdctl's
    schedules_healthchecks: bool
    rootless: bool = False
    # Whether a CMD list healthcheck reaches the engine as a list (Docker over its socket).
    runs_exec_healthchecks: bool = False
    # The lowest port that a process without privileges may bind on the engine's machine
    # (net.ipv4.ip_unprivileged_port_start), when the caller could read it.
    unprivileged_port_start: int | None = None

    def version_at_least(self, *minimum: int) -> bool:
        """Tell whether the version is `minimum` or later. An unreadable version counts as older."""
        return version_numbers(self.version) >= minimum


# Service keys that crank reads and passes on, or that the loader resolves before crank
# receives the model. Keys with their own rule below are here too: the rules report the parts
# of them that crank cannot honour.
MAPPED_SERVICE_KEYS = frozenset({
    "attach", "build", "cap_add", "cap_drop", "command", "configs", "container_name", "cpus",
    "depends_on", "deploy", "develop", "devices", "dns", "dns_search", "domainname", "entrypoint",
    "env_file", "environment", "expose", "extends", "extra_hosts", "gpus", "healthcheck",
    "hostname", "image", "init", "ipc", "label_file", "labels", "links", "logging", "mem_limit",
    "mem_reservation", "network_mode", "networks", "pid", "pids_limit", "ports", "privileged",
    "profiles", "pull_policy", "read_only", "restart", "scale", "secrets", "security_opt",
    "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "sysctls", "tmpfs", "tty",
    "ulimits", "user", "volumes", "working_dir",
})

_NOT_PASSED = "crank does not pass {key} to the engine, so it has no effect"

# Service keys that no part of crank reads, with what that means for the project.
IGNORED_SERVICE_KEYS: dict[str, str] = {
    "annotations": _NOT_PASSED,
    "blkio_config": _NOT_PASSED,
    "cgroup": _NOT_PASSED,
    "cgroup_parent": _NOT_PASSED,
    "cpu_count": _NOT_PASSED,
    "cpu_percent": _NOT_PASSED,
    "cpu_period": _NOT_PASSED,
    "cpu_quota": _NOT_PASSED,
    "cpu_rt_period": _NOT_PASSED,
    "cpu_rt_runtime": _NOT_PASSED,
    "cpu_shares": _NOT_PASSED,
    "cpuset": _NOT_PASSED,
    "credential_spec": _NOT_PASSED,
    "device_cgroup_rules": _NOT_PASSED,
    "dns_opt": _NOT_PASSED,
    "external_links": "crank passes no --link, so the external containers are not linked",
    "group_add": _NOT_PASSED,
    "isolation": _NOT_PASSED,
    "mac_address": _NOT_PASSED,
    "mem_swappiness": _NOT_PASSED,
    "memswap_limit": _NOT_PASSED,
    "models": "crank provides no models, so the service gets no model endpoint variables",
    "oom_kill_disable": _NOT_PASSED,
    "oom_score_adj": _NOT_PASSED,
    "platform": "crank passes no --platform to run or build, so the engine uses its own platform",
    "post_start": "crank runs no lifecycle hooks, so the post_start commands never run",
    "pre_stop": "crank runs no lifecycle hooks, so the pre_stop commands never run",
    "provider": "crank starts no provider services, and up rejects a service without image or build",
    "runtime": _NOT_PASSED,
    "storage_opt": _NOT_PASSED,
    "use_api_socket": "crank does not mount the engine's API socket into the container",
    "userns_mode": _NOT_PASSED,
    "uts": _NOT_PASSED,
    "volumes_from": "crank passes no --volumes-from, so the container gets none of those volumes",
}

# deploy keys that only a swarm acts on.
_SWARM_DEPLOY_KEYS = ("labels", "update_config", "rollback_config", "placement", "endpoint_mode")
# build keys that specs.build_spec and argv.build_flags pass to the engine's build.
_PASSED_BUILD_KEYS = frozenset({"context", "dockerfile", "dockerfile_inline", "args", "labels", "target", "no_cache",
                                "pull", "tags", "network", "shm_size", "extra_hosts", "ulimits"})
# Network attachment keys that specs._networks and the adapters pass.
_PASSED_ATTACHMENT_KEYS = frozenset({"aliases", "ipv4_address", "priority"})
# Log drivers that Podman accepts. It rejects others as "invalid log driver" (checked on 4.3.1).
_PODMAN_LOG_DRIVERS = frozenset({"k8s-file", "json-file", "journald", "none", "passthrough", "passthrough-tty"})
_PODMAN_NETWORK_DRIVERS = frozenset({"bridge", "macvlan", "ipvlan"})
_PODMAN_VOLUME_DRIVERS = frozenset({"local", "image"})
_PULL_POLICIES = frozenset({"always", "never", "missing", "if_not_present", "build"})
_STATE_FOLDER = "crank's state folder ($XDG_STATE_HOME/crank, by default ~/.local/state/crank)"


class _Service(NamedTuple):
    """One service under check, with the model and engine its rules need."""

    name: str
    definition: dict[str, Any]
    model: dict[str, Any]
    engine: EngineFacts

    def finding(self, level: str, key: str, message: str) -> Finding:
        return Finding(level, self.name, f"services.{self.name}.{key}", message)

    def emulated(self, key: str, message: str) -> Finding:
        return self.finding(EMULATED, key, message)

    def unsupported(self, key: str, message: str) -> Finding:
        return self.finding(UNSUPPORTED, key, message)


ServiceRule = Callable[[_Service], Iterator[Finding]]


def check_project(model: dict[str, Any], engine: EngineFacts) -> list[Finding]:
    """Return every key of `model` that crank emulates or cannot honour on `engine`.

    `model` is the canonical compose model (`project.model`). The findings come per service,
    in service name order, then for the top-level networks, volumes, secrets and configs.
    """
    findings: list[Finding] = []
    for name, definition in sorted((model.get("services") or {}).items()):
        service = _Service(name, definition, model, engine)
        for rule in _SERVICE_RULES:
            findings.extend(rule(service))
    findings.extend(_network_findings(model, engine))
    findings.extend(_volume_findings(model, engine))
    findings.extend(_file_object_findings(model))
    return findings


def _is_set(value: Any) -> bool:
    return value not in (None, False, "", [], {})


# Service rules


def _ignored_keys(service: _Service) -> Iterator[Finding]:
    for key, message in IGNORED_SERVICE_KEYS.items():
        if _is_set(service.definition.get(key)):
            yield service.unsupported(key, message.format(key=key))


def _attach(service: _Service) -> Iterator[Finding]:
    if service.definition.get("attach") is False:
        yield service.unsupported("attach", "crank follows the logs of every service it starts, so attach: false has no effect")


def _pull_policy(service: _Service) -> Iterator[Finding]:
    policy = service.definition.get("pull_policy")
    if policy and policy not in _PULL_POLICIES:
        message = f"crank handles only the pull policies always, missing, never and build, so {policy} acts as missing"
        yield service.unsupported("pull_policy", message)


def _build(service: _Service) -> Iterator[Finding]:
    build = service.definition.get("build") or {}
    for key in sorted(set(build) - _PASSED_BUILD_KEYS):
        if _is_set(build[key]):
            passed = ", ".join(sorted(_PASSED_BUILD_KEYS))
            message = f"crank's build passes only {passed}, so build.{key} is ignored"
            yield service.unsupported(f"build.{key}", message)


def _healthcheck(service: _Service) -> Iterator[Finding]:
    check = service.definition.get("healthcheck") or {}
    test_kind = (check.get("test") or [None])[0]
    if not check or check.get("disable") or test_kind == "NONE":
        return
    if check.get("start_interval") and not (service.engine.name == "docker" and service.engine.version_at_least(25)):
        message = "the engine has no start interval (Docker has it from 25.0), so checks run every interval during the start period too"
        yield service.unsupported("healthcheck.start_interval", message)
    if test_kind == "CMD" and not service.engine.runs_exec_healthchecks:
        message = "crank joins the CMD list into one --health-cmd string, which the engine runs with /bin/sh, so the image needs a shell"
        yield service.emulated("healthcheck.test", message)
    yield from _health_scheduling(service)


def _health_scheduling(service: _Service) -> Iterator[Finding]:
    engine = service.engine
    if engine.name == "containerd":
        message = ("nerdctl before 2.1 rejects the --health-* flags crank passes, and later nerdctl "
                   "runs checks only through systemd timers, which crank does not check for")
        yield service.unsupported("healthcheck", message)
    elif not engine.schedules_healthchecks:
        message = (f"{engine.name} does not run healthchecks on its own here, so crank runs this check "
                   "only while it waits for health (service_healthy, up --wait), and the status stays as last checked otherwise")
        yield service.emulated("healthcheck", message)


def _depends_on(service: _Service) -> Iterator[Finding]:
    engine = service.engine
    if engine.schedules_healthchecks or engine.name == "containerd":
        return
    for dependency, condition in sorted((service.definition.get("depends_on") or {}).items()):
        if (condition or {}).get("condition") == "service_healthy":
            message = (f"{engine.name} does not run healthchecks on its own here, so crank runs {dependency}'s check "
                       f"at its interval (30 s when the compose file sets none) until it passes, then starts {service.name}")
            yield service.emulated(f"depends_on.{dependency}.condition", message)


def _deploy(service: _Service) -> Iterator[Finding]:
    deploy = service.definition.get("deploy") or {}
    mode = deploy.get("mode")
    if mode and mode != "replicated":
        yield service.unsupported("deploy.mode", f"crank ignores deploy.mode {mode}, a swarm mode, and runs the service as replicated")
    for key in _SWARM_DEPLOY_KEYS:
        if _is_set(deploy.get(key)):
            yield service.unsupported(f"deploy.{key}", f"deploy.{key} applies only to a swarm, so crank ignores it")
    yield from _restart_policy(service, deploy.get("restart_policy") or {})
    yield from _resources(service, deploy.get("resources") or {})


def _restart_policy(service: _Service, policy: dict[str, Any]) -> Iterator[Finding]:
    for key in ("delay", "window"):
        if policy.get(key):
            message = f"crank passes only the condition and max_attempts as --restart, so restart_policy.{key} is ignored"
            yield service.unsupported(f"deploy.restart_policy.{key}", message)
    if policy.get("max_attempts") and policy.get("condition") not in (None, "on-failure"):
        message = "the engines count restarts only with on-failure, so max_attempts is ignored for this condition"
        yield service.unsupported("deploy.restart_policy.max_attempts", message)


def _resources(service: _Service, resources: dict[str, Any]) -> Iterator[Finding]:
    ignored = {"limits": ("devices", "generic_resources"), "reservations": ("cpus", "pids", "generic_resources")}
    for part, keys in ignored.items():
        for key in keys:
            if _is_set((resources.get(part) or {}).get(key)):
                yield service.unsupported(f"deploy.resources.{part}.{key}", _NOT_PASSED.format(key=f"{part}.{key}"))
    yield from _device_reservations(service, (resources.get("reservations") or {}).get("devices") or [])


def _device_reservations(service: _Service, devices: list[dict[str, Any]]) -> Iterator[Finding]:
    first_gpu = True
    for index, device in enumerate(devices):
        key = f"deploy.resources.reservations.devices[{index}]"
        if "gpu" not in (device.get("capabilities") or ()):
            yield service.unsupported(key, "crank passes only GPU requests, so this device request is ignored")
        elif not first_gpu:
            yield service.unsupported(key, "crank passes only the first GPU request, so this one is ignored")
        else:
            first_gpu = False
            yield from _podman_gpu_count(service, key, device)


def _podman_gpu_count(service: _Service, key: str, device: dict[str, Any]) -> Iterator[Finding]:
    count = device.get("count")
    if service.engine.name == "podman" and not device.get("device_ids") and count not in (None, -1, "all"):
        message = f"Podman reaches GPUs through CDI names, which cannot express a count, so crank gives the container all GPUs, not {count}"
        yield service.unsupported(f"{key}.count", message)


def _gpus(service: _Service) -> Iterator[Finding]:
    requests = service.definition.get("gpus") or ()
    reservations = (((service.definition.get("deploy") or {}).get("resources") or {}).get("reservations") or {})
    if requests and any("gpu" in (device.get("capabilities") or ()) for device in reservations.get("devices") or ()):
        # As service_options.gpus: a GPU reservation under deploy wins over the gpus key.
        yield service.unsupported("gpus", "crank takes the GPU request from deploy.resources.reservations.devices, so gpus is ignored")
        return
    for index, request in enumerate(requests):
        if request.get("device_ids") or request.get("count") not in (None, -1):
            yield service.unsupported(f"gpus[{index}]", "crank reads gpus only as a request for all GPUs, so its count and device_ids are ignored")


def _links(service: _Service) -> Iterator[Finding]:
    for index, link in enumerate(service.definition.get("links") or ()):
        target, _, alias = link.partition(":")
        if alias and alias != target:
            message = f"crank passes no --link, so the alias {alias} does not resolve, but the service name {target} does on a shared network"
            yield service.unsupported(f"links[{index}]", message)
        else:
            message = f"crank passes no --link and relies on the name {target} resolving on a network both services join"
            yield service.emulated(f"links[{index}]", message)


def _ports(service: _Service) -> Iterator[Finding]:
    engine = service.engine
    if not engine.rootless:
        return
    lowest = engine.unprivileged_port_start if engine.unprivileged_port_start is not None else 1024
    for index, port in enumerate(service.definition.get("ports") or ()):
        first = _first_port(port.get("published"))
        if first is not None and first < lowest:
            yield service.unsupported(f"ports[{index}].published", _privileged_port_message(engine, first, lowest))


def _privileged_port_message(engine: EngineFacts, port: int, lowest: int) -> str:
    if engine.unprivileged_port_start is None:
        return (f"a rootless {engine.name} cannot publish port {port}, below 1024, "
                "unless the host lowers net.ipv4.ip_unprivileged_port_start")
    return (f"a rootless {engine.name} cannot publish port {port}, below {lowest}, "
            "the value of net.ipv4.ip_unprivileged_port_start on this machine")


def _first_port(published: str | int | None) -> int | None:
    """Return the first host port of `8080` or `8000-8010`, or None when none is given."""
    match = re.match(r"\d+", str(published or ""))
    return int(match.group()) if match else None


def _network_mode(service: _Service) -> Iterator[Finding]:
    engine = service.engine
    if service.definition.get("network_mode") != "host" or not engine.rootless:
        return
    if engine.name in ("docker", "containerd"):
        message = f"a rootless {engine.name} gives the container RootlessKit's network namespace, not the host's, so its ports do not listen on the host"
        yield service.unsupported("network_mode", message)
    elif engine.name == "podman":
        lowest = engine.unprivileged_port_start if engine.unprivileged_port_start is not None else 1024
        message = (f"a rootless Podman shares the host's network with the container, but without root's rights in it, "
                   f"so the service cannot bind ports below {lowest}")
        yield service.unsupported("network_mode", message)


def _networks(service: _Service) -> Iterator[Finding]:
    if service.definition.get("network_mode"):
        return
    networks = service.definition.get("networks") or {}
    for network, settings in sorted(networks.items()):
        for key in sorted(set(settings or {}) - _PASSED_ATTACHMENT_KEYS):
            if _is_set(settings[key]):
                yield service.unsupported(f"networks.{network}.{key}", _NOT_PASSED.format(key=key))
    if service.engine.name == "containerd":
        yield from _containerd_networks(service, len(networks))


def _containerd_networks(service: _Service, count: int) -> Iterator[Finding]:
    # NOTE: taken from nerdctl 2.x's flag definitions and command reference, which list no
    # --network-alias and no `network connect`. No nerdctl was run to confirm it.
    message = "nerdctl has no --network-alias flag, which crank passes to give the container its service name, so nerdctl rejects the container"
    yield service.unsupported("networks", message)
    if count > 1:
        message = "nerdctl has no network connect command, which crank uses for every network after the first"
        yield service.unsupported("networks", message)


def _volumes(service: _Service) -> Iterator[Finding]:
    for index, volume in enumerate(service.definition.get("volumes") or ()):
        key = f"volumes[{index}]"
        yield from _mount_type(service, key, volume.get("type"))
        yield from _mount_options(service, key, volume)


def _mount_options(service: _Service, key: str, volume: dict[str, Any]) -> Iterator[Finding]:
    for part in ("bind", "volume", "tmpfs", "image"):
        for option, value in sorted((volume.get(part) or {}).items()):
            # crank creates a missing source folder itself, as Docker Compose does: see
            # resources.creates_host_path.
            if _is_set(value) and (part, option) != ("bind", "create_host_path"):
                message = f"crank's --mount passes only type, source, target and readonly, so {part}.{option} is ignored"
                yield service.unsupported(f"{key}.{part}.{option}", message)


def _mount_type(service: _Service, key: str, mount_type: str | None) -> Iterator[Finding]:
    engine = service.engine
    if mount_type not in ("bind", "volume", "tmpfs", "image"):
        yield service.unsupported(f"{key}.type", f"crank passes --mount type={mount_type}, which no Linux engine supports")
    elif mount_type == "image" and engine.name == "docker" and not engine.version_at_least(28):
        yield service.unsupported(f"{key}.type", f"Docker accepts --mount type=image only from 28.0, and this engine is {engine.version}")


def _file_references(service: _Service) -> Iterator[Finding]:
    for kind in ("secrets", "configs"):
        declared = service.model.get(kind) or {}
        for index, reference in enumerate(service.definition.get(kind) or ()):
            definition = declared.get(reference.get("source")) or {}
            yield from _file_reference(service, kind, index, reference, definition)


def _file_reference(service: _Service, kind: str, index: int, reference: dict[str, Any],
                    definition: dict[str, Any]) -> Iterator[Finding]:
    key = f"{kind}[{index}]"
    for option in ("uid", "gid"):
        if reference.get(option):
            yield service.unsupported(f"{key}.{option}", f"a bind mount keeps the host file's owner, so {option} is ignored")
    if definition.get("file") and reference.get("mode") is not None:
        yield service.unsupported(f"{key}.mode", "crank mounts a file source as it is, so mode is ignored")
    if "content" in definition or definition.get("environment"):
        message = (f"crank writes the value to a file of its own under {_STATE_FOLDER} and bind-mounts it read-only "
                   f"at {mount_target(kind, reference)}")
        yield service.emulated(key, message)


def _logging(service: _Service) -> Iterator[Finding]:
    driver = (service.definition.get("logging") or {}).get("driver")
    if driver and service.engine.name == "podman" and driver not in _PODMAN_LOG_DRIVERS:
        message = f"Podman has no log driver {driver}, so it rejects the container crank creates"
        yield service.unsupported("logging.driver", message)


def _domainname(service: _Service) -> Iterator[Finding]:
    # podman run has no --domainname (checked on Podman 4.3.1 and in podman-run's documentation).
    if service.definition.get("domainname") and service.engine.name == "podman":
        yield service.unsupported("domainname", "podman run has no --domainname flag, so Podman rejects the container crank creates")


def _expose(service: _Service) -> Iterator[Finding]:
    if service.definition.get("expose") and service.engine.name == "containerd":
        yield service.unsupported("expose", "nerdctl has no --expose flag, so it rejects the container crank creates")


_SERVICE_RULES: tuple[ServiceRule, ...] = (
    _ignored_keys, _attach, _pull_policy, _build, _healthcheck, _depends_on, _deploy, _gpus,
    _links, _ports, _network_mode, _networks, _volumes, _file_references, _logging, _domainname, _expose,
)


# Top-level rules


def _network_findings(model: dict[str, Any], engine: EngineFacts) -> Iterator[Finding]:
    for key, network in sorted((model.get("networks") or {}).items()):
        if network.get("external"):
            continue
        ipam = network.get("ipam") or {}
        if engine.name == "podman" and (_is_set(ipam.get("options")) or
                                        any(_is_set(pool.get("aux_addresses")) for pool in ipam.get("config") or ())):
            message = "Podman has no --aux-address or --ipam-opt, so crank leaves out ipam aux_addresses and options"
            yield Finding(UNSUPPORTED, None, f"networks.{key}.ipam", message)
        if network.get("enable_ipv4") is False:
            yield Finding(UNSUPPORTED, None, f"networks.{key}.enable_ipv4", "crank creates every network with IPv4")
        driver = network.get("driver")
        if driver and engine.name == "podman" and driver not in _PODMAN_NETWORK_DRIVERS:
            message = f"Podman has no network driver {driver} (it has bridge, macvlan and ipvlan)"
            yield Finding(UNSUPPORTED, None, f"networks.{key}.driver", message)


def _volume_findings(model: dict[str, Any], engine: EngineFacts) -> Iterator[Finding]:
    for key, volume in sorted((model.get("volumes") or {}).items()):
        driver = volume.get("driver")
        if volume.get("external") or not driver or engine.name != "podman" or driver in _PODMAN_VOLUME_DRIVERS:
            continue
        # NOTE: a volume plugin registered in containers.conf would make this driver valid,
        # and the check cannot read that configuration.
        message = f"Podman provides the volume drivers local and image, and others only as plugins that containers.conf registers, so {driver} likely fails"
        yield Finding(UNSUPPORTED, None, f"volumes.{key}.driver", message)


def _file_object_findings(model: dict[str, Any]) -> Iterator[Finding]:
    for kind in ("secrets", "configs"):
        referenced = {reference.get("source") for service in (model.get("services") or {}).values()
                      for reference in service.get(kind) or ()}
        for name, definition in sorted((model.get(kind) or {}).items()):
            if name in referenced:
                yield from _file_object(kind, name, definition)


def _file_object(kind: str, name: str, definition: dict[str, Any]) -> Iterator[Finding]:
    if definition.get("external"):
        message = f"crank reads {kind} only from file, environment or content, so up stops at an external one"
        yield Finding(UNSUPPORTED, None, f"{kind}.{name}.external", message)
    for key in ("driver", "driver_opts", "template_driver"):
        if _is_set(definition.get(key)):
            yield Finding(UNSUPPORTED, None, f"{kind}.{name}.{key}", f"{key} applies only to a swarm, so crank ignores it")


# Image labels


def compatible_engines(labels: Mapping[str, str]) -> frozenset[str] | None:
    """Return the engines an image's `org.crank.runtime.compatible` label lists, or None without one.

    A blank label is treated as no label: it makes no claim.
    """
    value = labels.get(COMPATIBLE_LABEL) or ""
    names = [part.strip().lower() for part in value.split(",") if part.strip()]
    return frozenset(_ENGINE_ALIASES.get(name, name) for name in names) or None


def check_image_labels(service_images: Mapping[str, Mapping[str, str]], engine_name: str) -> list[Finding]:
    """Return a finding for each service whose image's label does not list `engine_name`.

    `service_images` maps a service name to the labels of its image.
    """
    findings = []
    for service, labels in sorted(service_images.items()):
        listed = compatible_engines(labels)
        if listed is not None and engine_name not in listed:
            message = f"the image's {COMPATIBLE_LABEL} label lists {', '.join(sorted(listed))}, not {engine_name}"
            findings.append(Finding(UNSUPPORTED, service, f"services.{service}.image", message))
    return findings


def preferred_engines(service_images_labels: Mapping[str, Mapping[str, str]], usable_engines: Sequence[str]) -> list[str]:
    """Order usable engines for runtime auto: those the most labelled images list come first.

    An engine that every labelled image lists therefore leads. Images without the label count
    for no engine, and engines listed equally often keep their order in `usable_engines`.
    """
    claims = [engines for labels in service_images_labels.values() if (engines := compatible_engines(labels))]
    return sorted(usable_engines, key=lambda engine: -sum(engine in claim for claim in claims))
