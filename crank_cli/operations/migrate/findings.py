"""Compatibility findings: what the target engine does not support or treats differently.

Each finding names the service and key, what differs on the target, and what crank will do
about it. `--strict` turns every finding into an error; a blocking finding is an error even
without it, because the migration cannot succeed or would lose data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from crank_cli.operations.graph import dependencies


@dataclass(frozen=True)
class Finding:
    """One difference between the source and the target that matters for this project."""

    subject: str
    problem: str
    action: str
    blocking: bool = False

    def line(self) -> str:
        return f"{self.subject}: {self.problem}; {self.action}"

    def as_dict(self) -> dict[str, object]:
        return {"subject": self.subject, "problem": self.problem, "action": self.action, "blocking": self.blocking}


@dataclass(frozen=True)
class TargetFacts:
    """Facts about the target engine, read before the move."""

    name: str
    source_name: str
    rootless: bool = False
    schedules_healthchecks: bool = True
    unprivileged_port_start: int | None = None


def service_findings(
    services: Mapping[str, dict[str, Any]], moved: Iterable[str], facts: TargetFacts
) -> list[Finding]:
    """Return the findings about the keys of the services that move."""
    findings: list[Finding] = []
    for name in sorted(moved):
        service = services[name]
        findings += _network_findings(name, service, facts)
        findings += _gpu_findings(name, service, facts)
        findings += _port_findings(name, service, facts)
        findings += _health_findings(name, service, facts)
        findings += _restart_findings(name, service, facts)
        findings += _anonymous_volume_findings(name, service)
    findings += _left_behind_dependencies(services, set(moved), facts)
    return findings


def volume_findings(volumes: Mapping[str, dict[str, Any]], used: Iterable[str], facts: TargetFacts) -> list[Finding]:
    """Return the findings about the top-level volumes that the moved services mount."""
    findings = []
    for key in sorted(used):
        volume = volumes.get(key) or {}
        name = volume.get("name", key)
        driver = volume.get("driver")
        if driver and driver != "local" or volume.get("driver_opts"):
            findings.append(Finding(
                f"volume {name}",
                f"uses driver {driver or 'local'} with options {sorted(volume.get('driver_opts') or {})}, "
                f"which {facts.name} may not have or may mount elsewhere",
                "crank creates a plain local volume on the target and copies the files into it",
            ))
        if volume.get("external"):
            findings.append(Finding(
                f"volume {name}",
                "is external, so the project does not create it",
                "crank creates it on the target, without project labels, and copies its files",
            ))
    return findings


def _network_findings(name: str, service: dict[str, Any], facts: TargetFacts) -> list[Finding]:
    if service.get("network_mode") != "host" or not facts.rootless:
        return []
    return [Finding(
        f"service {name} network_mode",
        f"host networking under rootless {facts.name} runs in a user namespace: the service cannot "
        "bind privileged ports and sees host devices without root rights",
        "crank starts it with the same network_mode; check that it still binds its ports",
    )]


def _gpu_findings(name: str, service: dict[str, Any], facts: TargetFacts) -> list[Finding]:
    devices = (((service.get("deploy") or {}).get("resources") or {}).get("reservations") or {}).get("devices") or ()
    wants_gpu = any("gpu" in (device.get("capabilities") or ()) for device in devices)
    wants_gpu = wants_gpu or bool(service.get("gpus")) or service.get("runtime") == "nvidia"
    if not wants_gpu:
        return []
    return [Finding(
        f"service {name} GPU request",
        f"{facts.name} gives containers GPUs through its own device setup (CDI for Podman, "
        "the NVIDIA runtime for Docker), which crank does not configure",
        "crank starts the service without a GPU",
    )]


def _port_findings(name: str, service: dict[str, Any], facts: TargetFacts) -> list[Finding]:
    if not facts.rootless:
        return []
    lowest = facts.unprivileged_port_start if facts.unprivileged_port_start is not None else 1024
    findings = []
    for port in service.get("ports") or ():
        published = str(port.get("published") or "")
        first = published.split("-", 1)[0]
        if first.isdigit() and int(first) < lowest:
            findings.append(Finding(
                f"service {name} port {published}",
                f"rootless {facts.name} cannot bind ports below {lowest} "
                "(net.ipv4.ip_unprivileged_port_start)",
                "the service will fail to start on the target and crank will move the project back",
            ))
    return findings


def _health_findings(name: str, service: dict[str, Any], facts: TargetFacts) -> list[Finding]:
    check = service.get("healthcheck") or {}
    if facts.schedules_healthchecks or not check or check.get("disable"):
        return []
    return [Finding(
        f"service {name} healthcheck",
        f"{facts.name} runs healthchecks only through systemd timers, which this machine may lack",
        f"crank runs the check itself while it verifies the move; afterwards the health shown "
        f"stays at its last result unless something runs `{facts.name} healthcheck run`",
    )]


def _restart_findings(name: str, service: dict[str, Any], facts: TargetFacts) -> list[Finding]:
    policy = service.get("restart")
    if facts.name != "podman" or policy not in ("always", "unless-stopped"):
        return []
    return [Finding(
        f"service {name} restart: {policy}",
        "Podman has no daemon: it restarts a container that exits, but after a reboot only "
        "when podman-restart.service is enabled",
        "crank keeps the policy as written",
    )]


def _anonymous_volume_findings(name: str, service: dict[str, Any]) -> list[Finding]:
    findings = []
    for volume in service.get("volumes") or ():
        if volume.get("type") == "volume" and not volume.get("source"):
            findings.append(Finding(
                f"service {name} anonymous volume {volume.get('target')}",
                "an anonymous volume has no name to copy it by",
                "the service starts on the target with an empty volume there",
            ))
    return findings


def _left_behind_dependencies(services: Mapping[str, dict[str, Any]], moved: set[str], facts: TargetFacts) -> list[Finding]:
    findings = []
    graph = dependencies(services)
    for name in sorted(moved):
        for dependency in sorted(graph[name] - moved):
            findings.append(Finding(
                f"service {name} depends_on {dependency}",
                f"{dependency} stays on {facts.source_name}, so {name} cannot reach it by its "
                "service name from the target's network",
                f"{name} reaches {dependency} only through ports that {dependency} publishes on the host",
            ))
    return findings
