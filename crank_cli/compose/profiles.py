"""Keep the services that the active profiles enable.

A service without `profiles` is always enabled. One with `profiles` is enabled when one of
them is active (`--profile`, else `COMPOSE_PROFILES`), when `*` is active, or when the
service is named on the command line.
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
