"""The plan as lines of text, for `--dry-run` and for the log of a migration."""

from __future__ import annotations

from crank_cli.operations.migrate.plan import Plan


def plan_lines(plan: Plan) -> list[str]:
    """Return the whole plan: images, volumes, containers and findings, one item a line."""
    lines = [f"migrate project {plan.project} (started by {plan.started_by}) from {plan.source} to {plan.target}",
             f"services: {', '.join(plan.services)}" + ("" if plan.full else " (per-service cut-over)")]
    lines.append("images:")
    for image in plan.images:
        action = "present on the target" if image.on_target else f"copy {human_size(image.size)}"
        names = ", ".join(image.references) or "helper image for the volume copies"
        lines.append(f"  {image.image_id[:12]} ({names}): {action}")
    lines.append("volumes:" if plan.volumes else "volumes: none")
    for volume in plan.volumes:
        state = "exists on the target" if volume.on_target else "created on the target"
        if volume.container:
            use = f"anonymous volume at {volume.path} of {volume.container}"
        else:
            use = f"mounted by {', '.join(volume.services)}"
        lines.append(f"  {volume.name}: copy {human_size(volume.kilobytes * 1024)} ({state}), "
                     f"{use}, {copy_method_text(volume.method, volume.method_reason)}")
    if plan.helper_image:
        # Host copies use helper containers only to check that each folder is the mounted one.
        use = "copies" if any(volume.method != "host" for volume in plan.volumes) else "checks"
        lines.append(f"helper image for the volume {use}: {plan.helper_image[:12]} ({plan.helper_tar} tar)")
    paused = set(plan.paused_before)
    stopping = [f"{name} (paused)" if name in paused else name for name in plan.running_before]
    lines.append(f"stop on {plan.source}: {', '.join(stopping) or 'nothing running'}")
    lines.append(start_line(plan))
    if plan.created_only:
        created = counted(plan.created_only, plan.replicas)
        lines.append(f"create on {plan.target}, not started (stopped on {plan.source}): {created}")
    if paused:
        lines.append(f"pause on {plan.target} once verified: {', '.join(plan.paused_before)}")
    lines.append("findings:" if plan.findings else "findings: none")
    for finding in plan.findings:
        marker = "blocking: " if finding.blocking else ""
        lines.append(f"  {marker}{finding.line()}")
    return lines


def start_line(plan: Plan) -> str:
    """Return the services the target starts, naming those stopped on the source that start as dependencies."""
    started = plan.started_services
    line = f"start on {plan.target}: {counted(started, plan.replicas) or 'nothing'}"
    dependencies = [name for name in started if name not in plan.active_services]
    if dependencies:
        line += (f" ({', '.join(dependencies)} stopped on {plan.source}, started because "
                 "a service that runs depends on it, as docker compose up does)")
    return line


def counted(services: tuple[str, ...], replicas: dict[str, tuple[int, ...]]) -> str:
    """Return the services joined by commas, each with its container count when it has more than one."""
    return ", ".join(f"{name} ({len(replicas[name])} containers)" if len(replicas.get(name, ())) > 1 else name
                     for name in services)


def copy_method_text(method: str, reason: str | None) -> str:
    """Return how a volume travels (`host` or `containers`), with the reason for the fallback."""
    if method == "host":
        return "on the host, between the volume folders"
    return f"through helper containers ({reason})" if reason else "through helper containers"


def human_size(count: float) -> str:
    """Return a byte count in B, KiB, MiB or GiB."""
    value = float(count)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
