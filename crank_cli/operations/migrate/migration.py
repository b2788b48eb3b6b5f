"""The steps of a migration that change engines, and the undo that runs when one of them fails.

- Copy the images the target lacks, checking each image ID on arrival.
- Copy the named volumes in two passes. The first copies everything while the source
  still runs. The second, with the source stopped, reads the checksum manifests of both
  sides at once (content, type, mode, owner, times, symlink target), sends only the paths
  that differ, and checks those again.
- Start the services on the target with crank's own `up` and wait until they are running
  and healthy. Each service keeps its state (see `states`): a paused container is paused
  again once verified, and a stopped service is created without being started.
- Remove the source containers and, when the whole project moved, its networks, or keep
  the containers stopped with `--keep-source`.

`Steps` numbers the progress lines of the steps taken, so a project without volumes has
no volume steps and no gap in the numbers.

Every change is stored in the migration record as it happens. A failure or Ctrl-C before the
target is verified removes what the migration created on the target and starts the source
containers that ran before. Ctrl-C is ignored while that undo runs.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from crank_cli import verbose
from crank_cli.errors import CrankError, EngineError, engine_message
from crank_cli.operations import labels
from crank_cli.operations.events import Events
from crank_cli.operations.migrate import record as records
from crank_cli.operations.migrate.describe import human_size
from crank_cli.operations.migrate.inventory import HELPER_LABEL, helper_for
from crank_cli.operations.migrate.plan import Plan, VolumeCopy, copy_labels
from crank_cli.operations.migrate.record import MigrationRecord
from crank_cli.operations.migrate.states import ACTIVE_STATES, bring_up, pause_again
from crank_cli.operations.migrate.volumes import VolumePasses
from crank_cli.operations.migrate.waiting import wait_until_ready
from crank_cli.render import counted
from crank_cli.runtime import queries, transfer
from crank_cli.runtime.compatible import DockerCompatibleEngine

if TYPE_CHECKING:
    from crank_cli.compose import Project

Result = TypeVar("Result")

class Steps:
    """The progress lines of a migration's steps, numbered in the order the steps are taken."""

    def __init__(self, events: Events) -> None:
        self.events = events
        self.last_number = 0

    def begin(self, description: str) -> None:
        """Emit the next step's number and description."""
        self.last_number += 1
        self.events.emit(f"step {self.last_number}", description)


@dataclass(frozen=True)
class Engines:
    """The two engines of a migration."""

    source: DockerCompatibleEngine
    target: DockerCompatibleEngine


@dataclass
class Timing:
    """The times the source stopped serving and the target was verified (monotonic seconds)."""

    stopped: float | None = None
    verified: float | None = None

    @property
    def downtime(self) -> float | None:
        if self.stopped is None or self.verified is None:
            return None
        return self.verified - self.stopped


class Migration:
    """Carries out a plan between two engines, recording each step."""

    def __init__(self, project: Project, engines: Engines, record: MigrationRecord, events: Events,
                 *, keep_source: bool = False, verify_timeout: float = 120.0, steps: Steps | None = None) -> None:
        self.project = project
        self.engines = engines
        self.record = record
        self.plan: Plan = record.plan
        self.events = events
        # The caller passes its own `Steps` when it has numbered steps before these.
        self.steps = steps or Steps(events)
        self.keep_source = keep_source
        self.verify_timeout = verify_timeout
        self.timing = Timing()
        self.started: dict[str, list[str]] = {}
        helper = helper_for(self.plan, record.document["id"]) if self.plan.helper_image else None
        self.volumes = VolumePasses(engines.source, engines.target, helper, record, events)

    @property
    def source(self) -> DockerCompatibleEngine:
        return self.engines.source

    @property
    def target(self) -> DockerCompatibleEngine:
        return self.engines.target

    def run(self) -> Timing:
        """Carry out the plan and finish the source, or on failure undo the target and restore the source."""
        try:
            self.copy_images()
            self.copy_volumes_first_pass()
            self.stop_source()
            self.copy_volumes_final()
            self.start_target()
            self.verify_target()
        except BaseException as error:
            # Any failure, a bug in crank included, is undone before it propagates, so the
            # project does not stay half on each engine.
            self.events.emit("migration", f"failed ({_reason(error)}): undoing the changes on {self.target.name}")
            with ignoring_interrupts():
                try:
                    undo(self.record, self.engines, self.events)
                except SourceRestartError as restart:
                    raise SourceRestartError(restart, f"the migration failed ({_reason(error)}) and its changes on "
                                                      f"{self.target.name} were undone, but crank {restart.message}") from error
            self.events.emit("migration", f"undone: the project is back on {self.source.name}, with its data")
            if isinstance(error, CrankError):
                # The exit code stays the error's own, and the message names where the project is now.
                error.message = (f"the migration to {self.target.name} failed and was undone, so the project is back "
                                 f"on {self.source.name} with its data: {error.message}")
                error.args = (error.message,)
            raise
        finish_source(self.record, self.engines, self.events, keep_source=self.keep_source, steps=self.steps)
        return self.timing

    # Images

    def copy_images(self) -> None:
        self.steps.begin(f"copy images to {self.target.name}")
        for image in self.plan.images:
            # Another project's migration may have removed an image that the plan found on the
            # target, when its undo removed the image's last name, so the image is checked again.
            if not image.on_target or self.target.image_id(image.image_id) != image.image_id:
                self.events.emit(f"image {image.image_id[:12]}", f"copying {_size(image.size)}")
                self.record.add_change("images", image.image_id)
                transfer.copy_image(self.source, self.target, image.image_id)
                arrived = self.target.image_id(image.image_id)
                if arrived != image.image_id:
                    raise EngineError(["load"], 1, f"image {image.image_id[:12]} arrived on {self.target.name} "
                                                   f"with ID {arrived or 'none'}")
                self.events.emit(f"image {image.image_id[:12]}", "copied, ID checked")
            for reference in image.references:
                self.tag(image.image_id, reference)
        self.record.reached(records.IMAGES_COPIED)

    def tag(self, image: str, reference: str) -> None:
        previous = self.target.image_id(reference)
        if previous == image:
            return
        self.record.add_change("tags", [reference, previous])
        queries.tag_image(self.target, image, reference)
        self.events.emit(f"image {reference}", f"tagged {image[:12]} on {self.target.name}")

    # Volumes and the cut-over

    def copy_volumes_first_pass(self) -> None:
        if not self.plan.volumes:
            return
        self.steps.begin("copy volumes, first pass while the source runs")
        for volume in self.plan.volumes:
            self.ensure_target_volume(volume)
            self.volumes.first_pass(volume.name)
        self.record.reached(records.FIRST_PASS)

    def ensure_target_volume(self, volume: VolumeCopy) -> None:
        if self.target.volume_exists(volume.name):
            return
        self.record.add_change("volumes", volume.name)
        self.target.create_volume(volume.name, copy_labels(self.project.name, volume))
        self.events.emit(f"volume {volume.name}", f"created on {self.target.name}")

    def stop_source(self) -> None:
        running = self.plan.running_before
        self.steps.begin(f"cut-over: stop {counted(len(running), 'container')} on {self.source.name}")
        self.timing.stopped = time.monotonic()
        self.record.reached(records.SOURCE_STOPPED)
        # Podman 4.3 rejects the stop of a paused container, so the paused ones resume first.
        self.source.unpause_containers(self.plan.paused_before)
        self.source.stop_containers(running)
        for name in running:
            self.events.emit(name, f"stopped on {self.source.name}")

    def copy_volumes_final(self) -> None:
        if self.plan.volumes:
            self.steps.begin("copy volumes, final pass with the source stopped")
        for volume in self.plan.volumes:
            self.volumes.final_pass(volume.name)
        self.record.reached(records.VOLUMES_COPIED)

    # The target

    def start_target(self) -> None:
        self.steps.begin(f"start {', '.join(self.plan.started_services) or 'nothing'} on {self.target.name}"
                         + (f", create {', '.join(self.plan.created_only)}" if self.plan.created_only else ""))
        self.record.document["target_networks_before"] = self.target.list_networks(labels.project_filter(self.project.name))
        self.record.reached(records.TARGET_STARTED)
        # The copies of the anonymous volumes are in place before the containers first start,
        # so an image that fills an empty data folder on its first start finds the data.
        self.started = bring_up(moved_project(self.project, self.plan.services), self.target, self.plan.services,
                                self.plan.created_only, self.plan.adopted_volumes(), self.events,
                                replicas=self.plan.replicas)

    def verify_target(self) -> None:
        self.steps.begin(f"wait until the services run and are healthy on {self.target.name}")
        wait_until_ready(self.target, self.project, self.started, self.verify_timeout, self.events)
        self.timing.verified = time.monotonic()
        self.record.document["downtime_seconds"] = self.timing.downtime
        pause_again(self.target, self.plan.paused_before, self.started, self.events)
        self.record.reached(records.VERIFIED)


def moved_project(project: Project, services: tuple[str, ...]) -> Project:
    """Return the project with only the moved services, so `up` starts none of the others.

    The service definitions stay as they are, so their config hashes match a later `up` of
    the whole project on the target.
    """
    model = dict(project.model)
    model["services"] = {name: service for name, service in project.model["services"].items() if name in services}
    return project._replace(model=model)


def finish_source(record: MigrationRecord, engines: Engines, events: Events, *, keep_source: bool,
                  steps: Steps | None = None) -> None:
    """Remove the moved source containers (or keep them stopped) and close the record.

    `steps` numbers this last step after the others. Without it, the step is numbered 1.
    """
    plan = record.plan
    names = [container.name for container in plan.moved_containers]
    (steps or Steps(events)).begin(f"{'keep' if keep_source else 'remove'} the containers on {engines.source.name}")
    record.document["source_kept"] = keep_source
    if not keep_source:
        present = queries.container_names(engines.source) & set(names)
        engines.source.remove_containers(sorted(present))
        for name in sorted(present):
            events.emit(name, f"removed from {engines.source.name}")
        if plan.full and plan.networks:
            _remove_quietly(engines.source.remove_networks, plan.networks, events)
        _remove_anonymous_volumes(plan, engines.source, events)
    record.reached(records.SOURCE_REMOVED)
    helpers_only = [image.image_id for image in plan.images if not image.references and not image.on_target]
    for image in helpers_only:
        _remove_copied_image(engines.target, image, events)
    record.finish(records.DONE)


def _remove_anonymous_volumes(plan: Plan, source: DockerCompatibleEngine, events: Events) -> None:
    """Remove the source's anonymous volumes that the migration copied, once their containers are gone.

    A named volume stays on the source as the copy that `--rollback` restores from. An
    anonymous one has no use there once its container is gone, because `--rollback` copies
    the target's copy back under the same name. Docker 20.10 and Podman 4.3 remove with a
    container only the anonymous volumes made for it. So one that a container recreated by
    `up` took over would stay, often without labels, and a later migration back to that
    engine would reject it as another project's volume.
    """
    names = [copy.name for copy in plan.volumes if copy.container and source.volume_exists(copy.name)]
    _remove_quietly(source.remove_volumes, names, events, done=f"removed from {source.name}")


def undo(record: MigrationRecord, engines: Engines, events: Events) -> None:
    """Remove what a migration created on the target and start the source containers that ran."""
    plan = record.plan
    target, source = engines.target, engines.source
    moved = set(plan.services)
    states = target.list_containers(labels.container_filter(plan.project))
    created = [state.name for state in states if state.labels.get(labels.SERVICE) in moved]
    if created:
        target.remove_containers(created)
        for name in created:
            events.emit(name, f"removed from {target.name}")
    before = set(record.document.get("target_networks_before") or [])
    if record.document.get("target_networks_before") is not None:
        networks = [name for name in target.list_networks(labels.project_filter(plan.project)) if name not in before]
        _remove_quietly(target.remove_networks, networks, events)
    changes = record.changes
    _remove_quietly(target.remove_volumes, list(changes.get("volumes", [])), events)
    tagged = {reference: image.image_id for image in plan.images for reference in image.references}
    for reference, previous in reversed(changes.get("tags", [])):
        _undo_tag(target, reference, tagged.get(reference), previous, events)
    for image in changes.get("images", []):
        _remove_copied_image(target, image, events)
    try:
        _restart_source(record, source, events)
    finally:
        # The target's changes are undone even when a source container does not start again,
        # so a later migrate must not undo them a second time.
        record.finish(records.UNDONE)


def _undo_tag(target: DockerCompatibleEngine, reference: str, image: str | None, previous: str | None,
              events: Events) -> None:
    """Point a name that the migration moved back at its previous image, or remove a name it added.

    `image` is the image the migration gave the name. A name that now names another image
    stays as it is, because someone tagged it after the migration.
    """
    current = target.image_id(reference)
    if current is None:
        return
    if image is not None and current != image:
        verbose.info("migrate", "kept image %s on %s: it names image %s now, not %s", reference, target.name,
                     current[:12], image[:12])
        return
    if previous:
        restore = lambda ids: queries.tag_image(target, ids[0], reference)
        _remove_quietly(restore, [previous], events, done=f"tagged {reference} again")
        return
    _remove_image(target, reference, lambda: queries.remove_image_name(target, reference), events)


def _remove_copied_image(target: DockerCompatibleEngine, image: str, events: Events) -> None:
    """Remove an image that the migration copied, unless it still has a name or something uses it."""
    _remove_image(target, image[:12], lambda: queries.remove_untagged_image(target, image), events)


def _remove_image(target: DockerCompatibleEngine, shown: str, remove: Callable[[], str | None], events: Events) -> None:
    """Run `remove` and report it: removed, kept with the engine's reason (under -v), or failed."""
    try:
        reason = remove()
    except CrankError as error:
        events.emit(f"image {shown}", f"could not be removed from {target.name}: {error.message}")
        return
    if reason is None:
        events.emit(f"image {shown}", f"removed from {target.name}")
    else:
        verbose.info("migrate", "kept image %s on %s: %s", shown, target.name, engine_message(reason))


def remove_helpers(record: MigrationRecord, engines: Engines, events: Events) -> None:
    """Remove the helper containers an interrupted migration left running on either engine.

    A killed crank leaves its engine commands running, and a helper container that still
    mounts a volume keeps that volume and the helper image from being removed.
    """
    selector = {HELPER_LABEL: record.document["id"]}
    for engine in (engines.source, engines.target):
        names = [state.name for state in engine.list_containers(selector)]
        if names:
            engine.remove_containers(names)
            events.emit("migration", f"removed {counted(len(names), 'helper container')} left on {engine.name}")


class SourceRestartError(EngineError):
    """A source container that an undone migration stopped did not start again."""

    def __init__(self, error: EngineError, message: str) -> None:
        super().__init__(error.argv, error.returncode, error.stderr, error.stdout)
        self.message = message
        self.args = (message,)


def _restart_source(record: MigrationRecord, source: DockerCompatibleEngine, events: Events) -> None:
    running_before = record.plan.running_before
    present = queries.container_names(source)
    states = {state.name: state for state in source.inspect_containers([name for name in running_before if name in present])}
    _finish_stops(source, [state.name for state in states.values() if state.stopping], events)
    stopped = [name for name in running_before if name in states and states[name].state not in ACTIVE_STATES]
    if not stopped:
        return
    from crank_cli.operations.down import container_levels

    # Dependencies first, as `up` starts them, and no dependent after a dependency that failed.
    chosen = [states[name] for name in stopped]
    for level in container_levels(labels.recorded_services(chosen), chosen):
        try:
            source.start_containers(level)
        except EngineError as error:
            raise SourceRestartError(error, f"could not start {', '.join(level)} again on {source.name} "
                                            f"({engine_message(error.stderr) or error.message}); fix that, then "
                                            f"run `crank --runtime {source.name} up -d`") from None
        for name in level:
            events.emit(name, f"started again on {source.name}")
    pause_again(source, record.plan.paused_before, {"": stopped}, events)


def finish_cut_over(record: MigrationRecord, source: DockerCompatibleEngine, events: Events) -> None:
    """Stop again the source containers whose stop the cut-over of a killed crank began.

    The stop goes on without crank: a `podman stop` process keeps running, and dockerd
    finishes the request. Docker shows the container as `running` until it exits, so an undo
    would not start it, and the stop would then leave it stopped. A new stop waits for the
    exit, so the undo can start it. Paused ones are resumed first, because Podman 4.3 rejects
    the stop of a paused container.
    """
    if record.step not in (records.SOURCE_STOPPED, records.VOLUMES_COPIED, records.TARGET_STARTED):
        return
    present = queries.container_names(source)
    states = source.inspect_containers([name for name in record.plan.running_before if name in present])
    source.unpause_containers([state.name for state in states if state.state == "paused"])
    _finish_stops(source, [state.name for state in states if state.state in ACTIVE_STATES or state.stopping], events)


def _finish_stops(engine: DockerCompatibleEngine, names: list[str], events: Events) -> None:
    """Stop again the containers whose stop a killed crank left unfinished, so they can be started.

    A `podman stop` (Podman 4.3) puts the container in the `stopping` state until it exits,
    and `podman start` rejects it there ("container state improper"). When crank is killed
    during the cut-over, its `podman stop` may still run, or, if it was killed too, a container
    that ignores SIGTERM stays `stopping` for good. A new stop waits for the exit, sends
    SIGKILL after the stop timeout, and leaves the container `exited`.
    """
    if not names:
        return
    events.emit("migration", f"finishing the stop of {', '.join(names)} on {engine.name}, which an interrupted "
                             "migration left unfinished")
    engine.stop_containers(names)


def _remove_quietly(remove: Callable[[list[Any]], None], names: list[Any], events: Events,
                    done: str = "removed") -> None:
    """Remove (or restore) objects one by one, reporting failures instead of stopping the clean-up."""
    for name in names:
        try:
            remove([name])
        except CrankError as error:
            events.emit(str(name), f"could not be {done}: {error.message}")
        else:
            events.emit(str(name), done)


@contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C for the block, so an undo cannot itself be cut short.

    Engine processes started in the block inherit the ignored signal, so a second Ctrl-C on
    the terminal does not stop them either.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        # Not the main thread: signals cannot be changed here, and none arrive here either.
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _reason(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return error.message if isinstance(error, CrankError) else str(error)


def _size(count: int) -> str:
    return human_size(count)
