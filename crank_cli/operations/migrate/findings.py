"""The findings of a migration plan: the general capability check for the target, and what the move changes.

`capabilities.check_project` reports what the target engine emulates or cannot honour for
the moved services, as `crank config --check` does for the chosen engine. The rules here
add, at level `migration`, only what moving the project changes. Examples are a dependency
left on the source, an anonymous volume that cannot travel, or a volume driver that the copy
does not recreate. `--strict` turns every finding into an error, and a blocking one is an
error even without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from crank_cli.errors import CrankError
from crank_cli.operations.capabilities import (
    MIGRATION,
    EngineFacts,
    Finding,
    check_image_labels,
    check_project,
)
from crank_cli.operations.graph import dependencies
from crank_cli.runtime import queries
from crank_cli.runtime.compatible import DockerCompatibleEngine


def migration_finding(key: str, message: str, *, service: str | None = None, blocking: bool = False) -> Finding:
    return Finding(MIGRATION, service, key, message, blocking)


def target_facts(target: DockerCompatibleEngine) -> EngineFacts:
    """Read what the capability check needs to know about the target engine."""
    info = target.probe()
    try:
        rootless = queries.is_rootless(target)
    except CrankError:
        rootless = False
    return EngineFacts(target.name, info.version or "", target.schedules_healthchecks, rootless=rootless,
                       runs_exec_healthchecks=target.runs_exec_healthchecks,
                       unprivileged_port_start=queries.unprivileged_port_start())


def capability_findings(model: Mapping[str, Any], moved: Iterable[str], facts: EngineFacts,
                        image_labels: Mapping[str, Mapping[str, str]]) -> list[Finding]:
    """Return the general check's findings for the moved services on the target engine.

    `image_labels` maps each moved service to the labels of the image it runs on the source.
    """
    chosen = set(moved)
    restricted = {**model, "services": {name: model["services"][name] for name in sorted(chosen)}}
    found = check_project(restricted, facts)
    labels = {name: value for name, value in image_labels.items() if name in chosen}
    return found + check_image_labels(labels, facts.name)


def service_findings(services: Mapping[str, dict[str, Any]], moved: Iterable[str], *, source: str,
                     target: str) -> list[Finding]:
    """Return the findings about what the move changes for the moved services."""
    findings: list[Finding] = []
    for name in sorted(moved):
        findings += _restart_findings(name, services[name], source, target)
    findings += _left_behind_dependencies(services, set(moved), source)
    return findings


def volume_findings(volumes: Mapping[str, dict[str, Any]], used: Iterable[str], target: str) -> list[Finding]:
    """Return the findings about the top-level volumes that the moved services mount."""
    findings = []
    for key in sorted(used):
        volume = volumes.get(key) or {}
        name = volume.get("name", key)
        driver = volume.get("driver")
        if driver and driver != "local" or volume.get("driver_opts"):
            message = (f"volume {name} uses driver {driver or 'local'} with options {sorted(volume.get('driver_opts') or {})}, "
                       f"which {target} may not have or may mount elsewhere, so crank creates a plain local volume "
                       "on the target and copies the files into it")
            findings.append(migration_finding(f"volumes.{key}.driver", message))
        if volume.get("external"):
            message = (f"volume {name} is external, so the project does not create it. crank creates it on the target, "
                       "without project labels, and copies its files")
            findings.append(migration_finding(f"volumes.{key}.external", message))
    return findings


def _restart_findings(name: str, service: dict[str, Any], source: str, target: str) -> list[Finding]:
    policy = service.get("restart")
    if target != "podman" or policy not in ("always", "unless-stopped"):
        return []
    message = (f"{source} restarts the container after a reboot, and Podman, which has no daemon, does so only "
               "when podman-restart.service is enabled. crank keeps the policy as written")
    return [migration_finding(f"services.{name}.restart", message, service=name)]


def _left_behind_dependencies(services: Mapping[str, dict[str, Any]], moved: set[str], source: str) -> list[Finding]:
    findings = []
    graph = dependencies(services)
    for name in sorted(moved):
        for dependency in sorted(graph[name] - moved):
            message = (f"{dependency} stays on {source}, so {name} cannot reach it by its service name from the "
                       f"target's network, only through ports that {dependency} publishes on the host")
            findings.append(migration_finding(f"services.{name}.depends_on.{dependency}", message, service=name))
    return findings
