"""Container settings beyond image and command, read from a canonical service definition."""

from __future__ import annotations

from typing import Any

from crank_cli.durations import parse_duration
from crank_cli.runtime.models import GpuRequest, Limits

# deploy.restart_policy.condition mapped to the engines' --restart values.
_RESTART_CONDITIONS = {"none": "no", "on-failure": "on-failure", "any": "always"}


def restart_policy(service: dict[str, Any]) -> str | None:
    """Return `restart`, else the `deploy.restart_policy` translated to a --restart value."""
    if service.get("restart"):
        return service["restart"]
    policy = (service.get("deploy") or {}).get("restart_policy") or {}
    condition = _RESTART_CONDITIONS.get(policy.get("condition", ""), None)
    if condition == "on-failure" and policy.get("max_attempts"):
        return f"on-failure:{policy['max_attempts']}"
    return condition


def stop_timeout(service: dict[str, Any], where: str) -> int | None:
    grace = service.get("stop_grace_period")
    return None if grace is None else round(parse_duration(grace, f"{where}.stop_grace_period"))


def ulimits(service: dict[str, Any]) -> tuple[str, ...]:
    values = []
    for name, limit in (service.get("ulimits") or {}).items():
        if isinstance(limit, dict):
            values.append(f"{name}={limit.get('soft')}:{limit.get('hard')}")
        else:
            values.append(f"{name}={limit}")
    return tuple(values)


def limits(service: dict[str, Any]) -> Limits:
    """Return resource limits: deploy.resources wins over the older top-level keys."""
    resources = (service.get("deploy") or {}).get("resources") or {}
    limit = resources.get("limits") or {}
    reservation = resources.get("reservations") or {}
    return Limits(
        memory=integer(limit.get("memory") or service.get("mem_limit")),
        memory_reservation=integer(reservation.get("memory") or service.get("mem_reservation")),
        cpus=_number(limit.get("cpus") or service.get("cpus")),
        pids=integer(limit.get("pids") or service.get("pids_limit")),
        shm_size=integer(service.get("shm_size")),
    )


def gpus(service: dict[str, Any]) -> GpuRequest | None:
    """Return the GPU request of `deploy.resources.reservations.devices` or `gpus`, if any."""
    reservations = ((service.get("deploy") or {}).get("resources") or {}).get("reservations") or {}
    for device in reservations.get("devices") or ():
        if "gpu" in (device.get("capabilities") or ()):
            count = device.get("count")
            return GpuRequest(count=None if count in (None, "all", -1) else int(count),
                              device_ids=tuple(device.get("device_ids") or ()))
    if service.get("gpus"):
        return GpuRequest()
    return None


def devices(service: dict[str, Any]) -> tuple[str, ...]:
    values = []
    for device in service.get("devices") or ():
        if isinstance(device, str):
            values.append(device)
        else:
            values.append(":".join(part for part in (device.get("source"), device.get("target"), device.get("permissions")) if part))
    return tuple(values)


def integer(value: Any) -> int | None:
    """Return a whole number that normalization wrote as text or as a number, or None when unset."""
    return None if value in (None, "") else int(value)


def _number(value: Any) -> float | None:
    return None if value in (None, "") else float(value)
