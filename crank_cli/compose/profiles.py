"""Keep the services that the active profiles enable.

A service without `profiles` is always enabled. One with `profiles` is enabled when one of
them is active (`--profile`, else `COMPOSE_PROFILES`), when `*` is active, or when the
service is named on the command line. The verbs that act on existing containers also enable
the disabled services that an enabled one requires (see `add_required_dependencies`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crank_cli.compose import LoadOptions


def active_profiles(options: LoadOptions, variables: Mapping[str, str]) -> set[str]:
    """Return the active profiles: the --profile values, else those in COMPOSE_PROFILES."""
    if options.profiles:
        return set(options.profiles)
    listed = variables.get("COMPOSE_PROFILES", "")
    return {profile.strip() for profile in listed.split(",") if profile.strip()}


def select_services(
    services: dict[str, Any], options: LoadOptions, variables: Mapping[str, str]
) -> dict[str, Any]:
    """Return the enabled services, in name order."""
    active = active_profiles(options, variables)
    selected = {}
    for name in sorted(services):
        profiles = services[name].get("profiles") or []
        if not profiles or "*" in active or active.intersection(profiles) or name in options.services:
            selected[name] = services[name]
    return selected


def add_required_dependencies(selected: dict[str, Any], services: dict[str, Any]) -> dict[str, Any]:
    """Return `selected` with each service it requires, directly or through others, added, in name order.

    A dependency counts unless its `depends_on` entry sets `required: false`. `links`,
    `service:` namespaces and `volumes_from` count as required dependencies too. A name that
    `services` lacks is left for `check_references` to reject.
    """
    enabled = dict(selected)
    pending = list(enabled)
    while pending:
        for dependency in _required_dependencies(enabled[pending.pop()]):
            if dependency in services and dependency not in enabled:
                enabled[dependency] = services[dependency]
                pending.append(dependency)
    return {name: enabled[name] for name in sorted(enabled)}


def _required_dependencies(service: dict[str, Any]) -> list[str]:
    from crank_cli.compose.normalize import add_implicit_dependencies

    probe = {**service, "depends_on": dict(service.get("depends_on") or {})}
    add_implicit_dependencies(probe)
    return [name for name, entry in probe["depends_on"].items() if (entry or {}).get("required", True) is not False]
