"""Step 1 of a migration: take stock of the source and the target, and build the plan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crank_cli.errors import ProjectNotFoundError, UsageError
from crank_cli.operations import labels, specs
from crank_cli.operations.capabilities import Finding
from crank_cli.operations.migrate import hostaccess
from crank_cli.operations.migrate import plan as planning
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.anonymous import AnonymousVolume, anonymous_volumes
from crank_cli.operations.migrate.findings import (
    capability_findings,
    migration_finding,
    service_findings,
    target_facts,
    volume_findings,
)
from crank_cli.operations.migrate.plan import (
    ImageCopy,
    Plan,
    SourceContainer,
    VolumeCopy,
)
from crank_cli.operations.migrate.states import stopped_services
from crank_cli.runtime import queries, transfer
from crank_cli.runtime.compatible import DockerCompatibleEngine

if TYPE_CHECKING:
    from crank_cli.compose import Project
    from crank_cli.runtime.models import ContainerState

HELPER_LABEL = "io.crank.migration-helper"


def project_filters(project_name: str) -> list[tuple[str, dict[str, str | None]]]:
    """Return the label filters that find a project's containers: crank's first, then other tools'."""
    found: list[tuple[str, dict[str, str | None]]] = [("crank", labels.container_filter(project_name))]
    # podman-compose sets docker compose's project label as well as its own, so its own
    # label is tried first.
    for label, tool in sorted(labels.FOREIGN_PROJECT_LABELS.items(), key=lambda item: item[1] != "podman-compose"):
        found.append((tool, {label: project_name}))
    return found


def find_project(engine: DockerCompatibleEngine, project_name: str) -> tuple[str, list[str]] | None:
    """Return which tool started the project on this engine and its container IDs, or None."""
    found = _project_containers(engine, project_name)
    if found is None:
        return None
    tool, states = found
    return tool, [state.id for state in states]


def _project_containers(engine: DockerCompatibleEngine, project_name: str) -> tuple[str, list[ContainerState]] | None:
    for tool, label_filter in project_filters(project_name):
        states = engine.list_containers(label_filter)
        if states:
            return tool, states
    return None


def present_disabled_services(project: Project, source: DockerCompatibleEngine) -> tuple[str, ...]:
    """Return the services that no active profile enables but that have containers on `source`, sorted.

    `up --profile P` started them, and `down` without that profile removes them too, so they
    belong to what the project runs, and the caller loads the project again with them enabled.
    """
    if not project.disabled_services:
        return ()
    found = _project_containers(source, project.name)
    if found is None:
        return ()
    tool, states = found
    service_label = planning.service_label_for(tool)
    present = {state.labels.get(service_label, "") for state in states}
    return tuple(sorted(present & set(project.disabled_services)))


def locate_source(engines: Mapping[str, DockerCompatibleEngine], project_name: str) -> str:
    """Return the name of the one engine that has the project's containers.

    Raise ProjectNotFoundError when no engine has any, and UsageError when several have some.
    """
    holding = [name for name, engine in engines.items() if find_project(engine, project_name)]
    if not holding:
        searched = ", ".join(engines) or "none"
        raise ProjectNotFoundError(f"no containers of project {project_name} found on any usable engine (searched: {searched}): "
                                   "start the project first, or name another one with -p")
    if len(holding) > 1:
        choices = " or ".join(f"--from {name}" for name in holding)
        raise UsageError(f"project {project_name} has containers on {', '.join(holding)}: choose the source with {choices}")
    return holding[0]


def build_plan(
    project: Project,
    source: DockerCompatibleEngine,
    target: DockerCompatibleEngine,
    services: Sequence[str],
    helper_image: str | None = None,
    *,
    replace_existing: bool = False,
) -> tuple[Plan, list[dict[str, Any]]]:
    """Take stock of both engines and return the plan with the source's raw inspect records.

    An image name that names another image on the target, or a project volume that already
    exists there, gives a blocking finding unless `replace_existing` accepts the replacement.
    """
    found = find_project(source, project.name)
    if found is None:
        raise ProjectNotFoundError(f"no containers of project {project.name} found on {source.name}: "
                                   "check --from, or start the project first")
    started_by, ids = found
    inspected = queries.inspect_containers(source, ids)
    containers = planning.source_containers(inspected, planning.service_label_for(started_by))
    moved = _moved_services(project, containers, services, source.name, target.name)

    plan = Plan(
        project=project.name, source=source.name, target=target.name, services=moved,
        containers=containers, images=[], volumes=[],
        networks=source.list_networks(_network_filter(project.name, started_by)), started_by=started_by,
    )
    plan.created_only = stopped_services(project.model["services"], moved, plan.active_services)
    plan.images = _images(project, source, target, plan.moved_containers)
    plan.findings = capability_findings(project.model, moved, target_facts(target), _service_image_labels(source, plan))
    plan.findings += service_findings(project.model["services"], moved, source=source.name, target=target.name)
    plan.findings += _retag_findings(target, plan.images, replace_existing=replace_existing)
    anonymous, left_behind = anonymous_volumes(project, source, plan.moved_containers, inspected)
    plan.findings += left_behind
    users = {**_volume_users(project, moved), **{volume.name: (volume.service,) for volume in anonymous}}
    _choose_helper(plan, source, target, helper_image, project, users)
    plan.volumes = _volumes(project, source, target, plan, moved, anonymous, replace_existing=replace_existing)
    plan.findings += _busybox_findings(plan)
    plan.findings += volume_findings(project.model.get("volumes") or {}, _volume_users(project, moved), target.name)
    plan.findings += _target_conflicts(project, target, moved)
    plan.findings += _one_off_findings(plan)
    return plan, inspected


def _network_filter(project_name: str, started_by: str) -> dict[str, str | None]:
    """Return the label filter of the project's networks, which lack the service label of crank's container filter."""
    if started_by == "crank":
        return labels.project_filter(project_name)
    return dict(project_filters(project_name))[started_by]


def _one_off_findings(plan: Plan) -> list[Finding]:
    """Return a blocking finding for each running one-off container of a moved service.

    `up` on the target does not create one-off containers, so the migration would stop such a
    container and leave its work unfinished, while it may still be writing to a copied volume.
    """
    return [
        migration_finding(
            f"container {container.name}",
            f"{container.name} is a one-off container of service {container.service} (from `run`) and still runs"
            f"{' (paused)' if container.paused else ''}: "
            f"the migration would stop it and not start it on {plan.target}. Wait for it to end, or stop it "
            f"with `{plan.source} stop {container.name}`, then migrate",
            service=container.service, blocking=True,
        )
        # A paused one-off is still at work: it goes on once unpaused.
        for container in plan.moved_containers if container.one_off and (container.running or container.paused)
    ]


def _service_image_labels(source: DockerCompatibleEngine, plan: Plan) -> dict[str, dict[str, str]]:
    """Return the labels of the image each moved service runs on the source, reading each image once."""
    by_image = {image.image_id: source.image_labels(image.image_id) or {} for image in plan.images}
    return {container.service: by_image.get(container.image_id, {}) for container in plan.moved_containers}


def _moved_services(project: Project, containers: list[SourceContainer], requested: Sequence[str],
                    source: str, target: str) -> tuple[str, ...]:
    model_services = project.model["services"]
    present = sorted({container.service for container in containers if container.service in model_services})
    unknown = [name for name in requested if name not in model_services]
    if unknown:
        raise UsageError(f"no such service: {', '.join(unknown)} (the project has {', '.join(sorted(model_services))})")
    absent = [name for name in requested if name not in present]
    if absent:
        raise UsageError(f"service {', '.join(absent)} has no container on {source}, so there is nothing to move")
    moved = tuple(sorted(requested)) if requested else tuple(present)
    if not moved:
        raise UsageError(f"none of the containers on {source} belongs to a service of project {project.name}")
    planning.check_cut_over({name: model_services[name] for name in present}, moved, source=source, target=target)
    running_elsewhere = [c.service for c in containers if c.running and c.service not in moved]
    planning.check_shared_volumes(model_services, moved, running_elsewhere)
    return moved


def _images(project: Project, source: DockerCompatibleEngine, target: DockerCompatibleEngine,
            containers: list[SourceContainer]) -> list[ImageCopy]:
    copies = []
    for image, references in sorted(planning.image_references(project, containers).items()):
        copies.append(ImageCopy(
            image_id=image, references=references, size=queries.image_size(source, image),
            on_target=target.image_id(image) == image,
        ))
    return copies


def _retag_findings(target: DockerCompatibleEngine, images: list[ImageCopy], *, replace_existing: bool) -> list[Finding]:
    findings = []
    for image in images:
        for reference in image.references:
            present = target.image_id(reference)
            if present is not None and present != image.image_id:
                findings.append(_retag_finding(target.name, reference, present, image.image_id, replace_existing))
    return findings


def _retag_finding(target: str, reference: str, present: str, image: str, replace_existing: bool) -> Finding:
    found = (f"{reference} names image {present[:12]} on {target}, but the source containers run {image[:12]}, "
             f"so the migration points {reference} at the source's image")
    if replace_existing:
        return migration_finding(
            f"image {reference}", f"{found}. --replace-existing accepts this: the other image stays on {target} "
            "without that name, and an undo names it again")
    return migration_finding(
        f"image {reference}", f"{found}, and anything on {target} that runs or builds on {reference} would get the "
        f"source's image. Tag the image on {target} under another name or remove it, or pass --replace-existing "
        "to replace it",
        blocking=True,
    )


def _volume_users(project: Project, moved: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return planning.used_volumes(project, moved)


def _volumes(project: Project, source: DockerCompatibleEngine, target: DockerCompatibleEngine,
             plan: Plan, moved: Sequence[str], anonymous: Sequence[AnonymousVolume], *,
             replace_existing: bool) -> list[VolumeCopy]:
    """Return the copies of the named volumes that the moved services mount, then those of their anonymous volumes."""
    declared = project.model.get("volumes") or {}
    copies = []
    for key, users in _volume_users(project, moved).items():
        name = planning.volume_name(project, key)
        if not source.volume_exists(name):
            plan.findings.append(migration_finding(
                f"volume {name}", f"volume {name} does not exist on {source.name}, so crank copies nothing "
                "for it and the target starts with an empty volume"))
            continue
        copies.append(_volume_copy(source, target, plan, name, users,
                                   external=bool((declared.get(key) or {}).get("external"))))
    for volume in anonymous:
        copies.append(_volume_copy(source, target, plan, volume.name, (volume.service,), container=volume.container,
                                   path=volume.path))
    for copy in copies:
        if copy.on_target:
            plan.findings.append(_existing_volume_finding(project, target, copy.name, replace_existing))
    return copies


def _volume_copy(source: DockerCompatibleEngine, target: DockerCompatibleEngine, plan: Plan, name: str,
                 users: tuple[str, ...], *, external: bool = False, container: str | None = None,
                 path: str | None = None) -> VolumeCopy:
    kilobytes = transfer.volume_kilobytes(source, _helper(plan), name) if plan.helper_image else 0
    on_target = target.volume_exists(name)
    method = hostaccess.planned_method(source, target, name, on_target=on_target)
    return VolumeCopy(name=name, services=users, kilobytes=kilobytes, on_target=on_target, external=external,
                      method=method.method, method_reason=method.reason, container=container, path=path)


def _existing_volume_finding(project: Project, target: DockerCompatibleEngine, name: str, replace_existing: bool) -> Finding:
    # A volume with the project's label may be the copy an earlier migration left, or it may
    # hold data that `crank --runtime TARGET up` wrote since. Neither the labels nor the
    # records tell which, so such a volume blocks too unless --replace-existing is given.
    volume_labels = queries.volume_labels(target, name) or {}
    # A volume that docker compose or podman-compose made for the project counts as the project's too.
    owners = [volume_labels.get(label) for label in (labels.PROJECT, *labels.FOREIGN_PROJECT_LABELS)]
    if project.name not in owners:
        return migration_finding(
            f"volume {name}", f"volume {name} already exists on {target.name} and does not belong to project "
            f"{project.name}, and crank does not overwrite it. Remove or rename it first ({target.name} volume rm {name})",
            blocking=True,
        )
    found = (f"volume {name} already exists on {target.name} with the labels of project {project.name}, so the "
             "migration replaces its content with the source's, and an undo cannot bring the old content back")
    if replace_existing:
        return migration_finding(f"volume {name}", f"{found}. --replace-existing accepts this")
    message = (f"{found}. Remove it first ({target.name} volume rm {name}) if its content is not needed, or pass "
               f"--replace-existing to replace it{_rollback_hint(project, target.name, name)}")
    return migration_finding(f"volume {name}", message, blocking=True)


def _rollback_hint(project: Project, target: str, volume: str) -> str:
    """Point to --rollback when the volume is the copy that the last finished migration left on its source."""
    last = records.latest(project.working_dir, project.name, records.DONE)
    if last is None or last.plan.source != target or volume not in {copy.name for copy in last.plan.volumes}:
        return ""
    return (f". It may be the copy that the migration from {target} to {last.plan.target} left there: "
            f"`crank migrate --rollback` moves the project back to {target} with the data written since")


def helper_for(plan: Plan, record_id: str | None = None) -> transfer.Helper:
    """Return how helper containers are made for this plan."""
    return _helper(plan, record_id)


def _helper(plan: Plan, record_id: str | None = None) -> transfer.Helper:
    assert plan.helper_image is not None and plan.helper_tar is not None
    return transfer.Helper(plan.helper_image, plan.helper_tar, {HELPER_LABEL: record_id or plan.project})


def _choose_helper(plan: Plan, source: DockerCompatibleEngine, target: DockerCompatibleEngine,
                   requested: str | None, project: Project, users: Mapping[str, tuple[str, ...]]) -> None:
    """Pick the image of the helper containers: one with GNU tar if any, else one with BusyBox tar."""
    if not users:
        return
    if requested:
        candidates = [requested]
    else:
        by_service = {c.service: c.image_id for c in plan.moved_containers}
        mounting = [by_service[name] for names in users.values() for name in names if name in by_service]
        candidates = list(dict.fromkeys([*mounting, *(image.image_id for image in plan.images)]))
    fallback = None
    for image in candidates:
        tar = transfer.probe_tar(source, image)
        if tar == transfer.GNU_TAR:
            fallback = (image, tar)
            break
        if tar == transfer.BUSYBOX_TAR and fallback is None:
            fallback = (image, tar)
    if fallback is None:
        searched = requested or "the images of the services that mount the volumes"
        plan.findings.append(migration_finding(
            "volume copy", f"no tar found in {searched}, and helper containers need one to copy volumes. Pass "
            "--helper-image with an image that has GNU tar (or BusyBox tar) on the source engine",
            blocking=True,
        ))
        return
    image, tar = fallback
    resolved = source.image_id(image) or image
    plan.helper_image, plan.helper_tar = resolved, tar
    if resolved not in {image.image_id for image in plan.images}:
        plan.images.append(ImageCopy(image_id=resolved, references=(), size=queries.image_size(source, resolved),
                                     on_target=target.image_id(resolved) == resolved))


def _busybox_findings(plan: Plan) -> list[Finding]:
    """Report what BusyBox tar loses, for the volumes that helper containers copy."""
    through_tar = [volume.name for volume in plan.volumes if volume.method == hostaccess.CONTAINERS]
    if plan.helper_tar != transfer.BUSYBOX_TAR or not through_tar:
        return []
    assert plan.helper_image is not None
    return [migration_finding(
        f"volume {', '.join(through_tar)}",
        f"helper containers copy this volume with the BusyBox tar of image {plan.helper_image[:12]}, which "
        "copies no extended attributes or ACLs and does not restore the times of directories and symlinks. crank "
        "copies contents, owners, modes, file times and symlinks. Pass --helper-image with an image that has "
        "GNU tar to keep the rest",
    )]


def _target_conflicts(project: Project, target: DockerCompatibleEngine, moved: Sequence[str]) -> list[Finding]:
    findings = []
    for tool, label_filter in project_filters(project.name):
        states = target.list_containers(label_filter)
        # Services moved earlier by a per-service cut-over may already run there.
        present = [s.name for s in states if tool != "crank" or s.labels.get(labels.SERVICE) in moved]
        if present:
            findings.append(migration_finding(
                f"project {project.name} on {target.name}",
                f"the target already has containers of the project started by {tool}: {', '.join(sorted(present))}. "
                f"Remove them first (crank --runtime {target.name} down), or migrate from {target.name}",
                blocking=True,
            ))
    existing_names = queries.container_names(target)
    for service in moved:
        name = specs.container_name(project, service)
        if name in existing_names and not any(name in finding.message for finding in findings):
            findings.append(migration_finding(
                f"services.{service}.container_name",
                f"a container named {name} already exists on {target.name}. Remove or rename it first",
                service=service, blocking=True,
            ))
    return findings
