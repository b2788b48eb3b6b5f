"""`crank migrate --rollback`: move a finished migration back to its source engine.

The target's services stop, and their volumes are copied back, because they may contain data
written since the migration. The source containers start again, or are created again from
the recorded compose model when the migration removed them. Each service gets the state it
has on the target: running, paused, or stopped (created and not started). Once they are running and
healthy, the migration's objects on the target are removed: containers, networks, volumes
and the image names it added. An image that a container or another name still uses stays,
even when another project's container uses it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from crank_cli.errors import CrankError, UsageError
from crank_cli.operations import labels
from crank_cli.operations.events import Events
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.inventory import helper_for
from crank_cli.operations.migrate.manifest import read_tar_stream
from crank_cli.operations.migrate.migration import (
    Engines,
    ignoring_interrupts,
    moved_project,
    undo,
)
from crank_cli.operations.migrate.plan import copy_labels
from crank_cli.operations.migrate.record import MigrationRecord
from crank_cli.operations.migrate.states import ACTIVE_STATES, bring_up, pause_again, stop_active, stopped_services
from crank_cli.operations.migrate.volumes import copy_back_on_host, verify_copy
from crank_cli.operations.migrate.waiting import wait_until_ready
from crank_cli.render import counted
from crank_cli.runtime import queries, transfer
from crank_cli.runtime.models import ContainerState


def rollback(record: MigrationRecord, engines: Engines, events: Events, *, verify_timeout: float,
             variables: Mapping[str, str]) -> float:
    """Move the project of a finished migration back to its source; return the downtime in seconds.

    `variables` are the project's interpolation variables as loaded now, because the record
    does not store them, and a secret or config with an `environment` source reads them.
    """
    if record.status != records.DONE:
        raise UsageError(f"migration {record.document['id']} is {record.status}, not done: nothing to roll back")
    plan = record.plan
    target_states = _target_containers(record, engines)
    if not target_states:
        raise UsageError(f"project {plan.project} has no containers on {plan.target}: nothing to roll back")
    # The source gets the state each container has on the target now: running, paused or stopped.
    active = [state for state in target_states if state.state in ACTIVE_STATES]
    paused = [state.name for state in active if state.state == "paused"]
    events.emit("rollback", f"stopping {counted(len(active), 'container')} on {plan.target}")
    stopped = time.monotonic()
    stop_active(engines.target, active)
    try:
        _copy_volumes_back(record, engines, events)
        active_services = {state.labels.get(labels.SERVICE, "") for state in active}
        started = _start_source(record, engines, events, variables, active_services)
        wait_until_ready(engines.source, record.project(), started, verify_timeout, events)
        pause_again(engines.source, paused, started, events)
    except (CrankError, KeyboardInterrupt):
        with ignoring_interrupts():
            events.emit("rollback", f"failed: starting the project on {plan.target} again")
            engines.target.start_containers([state.name for state in active])
            engines.target.pause_containers(paused)
        raise
    downtime = time.monotonic() - stopped
    with ignoring_interrupts():
        undo(record, Engines(source=engines.source, target=engines.target), _Quiet(events))
    record.finish(records.ROLLED_BACK, rollback_downtime_seconds=downtime)
    return downtime


def _target_containers(record: MigrationRecord, engines: Engines) -> list[ContainerState]:
    moved = set(record.plan.services)
    states = engines.target.list_containers(labels.container_filter(record.plan.project))
    return [state for state in states if state.labels.get(labels.SERVICE) in moved]


def _copy_volumes_back(record: MigrationRecord, engines: Engines, events: Events) -> None:
    plan = record.plan
    if not plan.volumes:
        return
    helper = helper_for(plan, record.document["id"])
    for volume in plan.volumes:
        if not engines.source.volume_exists(volume.name):
            engines.source.create_volume(volume.name, copy_labels(plan.project, volume))
        if copy_back_on_host(record, engines.target, engines.source, helper, volume.name, events):
            continue
        transfer.empty_volume(engines.source, helper, volume.name)
        sent = transfer.copy_volume(engines.target, engines.source, helper, volume.name, read_tar_stream)
        verify_copy(engines.source, helper, volume.name, sent)
        events.emit(f"volume {volume.name}", f"copied back to {plan.source}; manifests match")


def _start_source(record: MigrationRecord, engines: Engines, events: Events,
                  variables: Mapping[str, str], active_services: set[str]) -> dict[str, list[str]]:
    """Bring the project back on the source, starting the services in `active_services`; return the started containers by service."""
    plan = record.plan
    names = [container.name for container in plan.moved_containers]
    present = queries.container_names(engines.source)
    if record.document.get("source_kept") and set(plan.running_before) <= present:
        started: dict[str, list[str]] = {}
        for container in plan.moved_containers:
            if container.service in active_services and container.name in present:
                started.setdefault(container.service, []).append(container.name)
        engines.source.start_containers([name for names in started.values() for name in names])
        for service_names in started.values():
            for name in service_names:
                events.emit(name, f"started on {plan.source}")
        return started
    leftovers = sorted(present & set(names))
    if leftovers:
        # Their anonymous volumes may be the ones just copied back, which `up` mounts again.
        engines.source.remove_containers(leftovers, volumes=False)
    project = moved_project(record.project()._replace(variables=variables), plan.services)
    created_only = stopped_services(project.model["services"], plan.services, active_services)
    return bring_up(project, engines.source, plan.services, created_only, plan.adopted_volumes(), events,
                    replicas=plan.replicas)


class _Quiet:
    """Passes on only the events that report a problem, for the clean-up after a rollback."""

    def __init__(self, events: Events) -> None:
        self.events = events

    def emit(self, subject: str, status: str) -> None:
        if "could not" in status or "removed from" in status:
            self.events.emit(subject, status)
