"""`up`: bring a project to the state its compose files describe.

Order: every container spec, images (built or pulled), networks, named volumes, then the
services level by level along `depends_on`, the services of a level in parallel. Before a
service starts, crank waits until each dependency meets its condition (`service_started`,
`service_healthy`, `service_completed_successfully`), polling the engine itself. Containers
that are current are left alone, so `up` on an unchanged project changes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import EngineError, NotReadyError, UsageError
from crank_cli.operations import graph, labels, resources, secrets, specs, wait
from crank_cli.operations.cancel import CancelledError, check_cancelled
from crank_cli.operations.converge import ConvergeOptions, converge_service, replica_count
from crank_cli.operations.events import Events
from crank_cli.operations.foreign import reject_foreign_project
from crank_cli.operations.parallel import run_all
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec, ContainerState, Mount

if TYPE_CHECKING:
    from pathlib import Path

    from crank_cli.compose import Project


class UpOptions(NamedTuple):
    services: tuple[str, ...] = ()
    parallel: int | None = None  # None: the engine's default
    no_deps: bool = False
    recreate: str = "auto"
    # --always-recreate-deps: recreate the dependencies of the services named, not the services.
    always_recreate_dependencies: bool = False
    # --renew-anon-volumes: new containers get new anonymous volumes, not those of the containers they replace.
    renew_anonymous_volumes: bool = False
    # Volumes that a new container mounts at its anonymous volume paths, by container name:
    # migrate passes the copies of the source containers' anonymous volumes.
    adopted_volumes: dict[str, tuple[Mount, ...]] = {}  # never changed, so one shared empty default is safe
    start: bool = True
    remove_orphans: bool = False
    images: resources.ImagePolicy = resources.ImagePolicy()
    scale: dict[str, int] = {}  # never changed, so one shared empty default is safe
    # The replica numbers of a service's containers, by service, where they are not 1 to its
    # count: migrate passes the source's, which can have a gap (w-1 and w-3).
    replica_numbers: dict[str, tuple[int, ...]] = {}  # never changed, so one shared empty default is safe
    timeout: int | None = None
    wait: bool = False
    wait_timeout: float | None = None
    dependency_timeout: float | None = None
    dry_run: bool = False
    # The project's state as read for the capability check, so `up` does not read it again.
    # It must cover the services `up` starts and their dependencies.
    observed: resources.Observed | None = None
    # A check that must pass before the first container is created. It runs meanwhile, so
    # `up` calls it after making networks and volumes, and removes those again if it fails.
    # When an image must be built or pulled, `up` calls it before that as well.
    before_containers: Callable[[], None] | None = None


class UpResult:
    """The action `up` took on each container, by container name."""

    def __init__(self, services: dict[str, list[str]] | None = None) -> None:
        self.actions: dict[str, str] = {}
        self.services: dict[str, list[str]] = services or {}
        self.orphans: list[str] = []
        self.warnings: list[str] = []

    @property
    def changed(self) -> bool:
        return any(action not in ("running", "unchanged") for action in self.actions.values())

    @property
    def containers(self) -> list[str]:
        return [name for names in self.services.values() for name in names]


def up(project: Project, backend: Backend, options: UpOptions, events: Events) -> UpResult:
    """Create and start what the project needs; return what was done to each container."""
    services = project.model["services"]
    require_services(project, options.services)
    selected = set(options.services) if options.no_deps else graph.with_dependencies(services, options.services or services)
    specs.require_images(project, selected)
    state = options.observed or resources.observe(project, backend, selected)
    if not state.containers:
        # A project that another tool started has none of crank's labels, so `up` would
        # fail half-way, on the names of its networks, with the engine's error.
        reject_foreign_project(project.name, backend, "up")
    observed = by_service(state.containers)
    result = UpResult()
    handle_orphans(project, backend, observed, options, result, events)

    # Every container spec is built before anything is made, so a service that cannot become
    # a container (a replica count that cannot be met, a secret whose variable is unset)
    # stops `up` with nothing created.
    replicas, image_ids, written = _specs_and_images(project, backend, selected, options, events, state)

    networks: list[str] = []
    volumes: list[str] = []
    run = _Run(project, backend, options, events, observed, image_ids, replicas, result)
    limit = _parallel_limit(backend, options)
    try:
        resources.ensure_networks(project, backend, selected, events, state.networks, networks)
        resources.ensure_volumes(project, backend, selected, events, state.volumes, volumes)
        if not options.dry_run:
            resources.ensure_bind_paths(project, selected, events)
        if options.before_containers is not None:
            options.before_containers()
        for level in graph.start_levels(services, selected):
            for name, actions in zip(level, run_all(run.service, level, limit), strict=True):
                result.actions.update(actions)
                result.services[name] = [container for container, action in actions.items() if action != "removed"]
    except (Exception, KeyboardInterrupt) as error:
        if not isinstance(error, _KEEPS_NEW_PROJECT) and not state.containers and not options.dry_run:
            # A new project that failed half-way is removed again, so nothing half-made stays.
            undo_new_project(project, backend, networks, volumes, events)
        secrets.remove_unmounted_files(project.name, backend, written)
        raise
    finally:
        run.remove_retired()
    if options.wait and options.start and not options.dry_run:
        wait.wait_for(backend, readiness_targets(project, result.services), options.wait_timeout, events)
    return result


def _parallel_limit(backend: Backend, options: UpOptions) -> int:
    """Return how many services, or surplus containers of one service, `up` handles at once."""
    # A dry run prints its commands one at a time, so the plan reads the same every time.
    return 1 if options.dry_run else options.parallel or backend.parallel_actions


# A failure that leaves a new project in place: a dependency that did not become ready keeps
# its containers for inspection, and after Ctrl-C (once to cancel, twice to interrupt) the
# next `up` or `down` completes the project. Any other error, an unexpected Python exception
# included, removes what this `up` created.
_KEEPS_NEW_PROJECT = (NotReadyError, CancelledError, KeyboardInterrupt)


def replica_specs(project: Project, service: str, count: int,
                  numbers: tuple[int, ...] | None = None) -> list[ContainerSpec]:
    """Return the container spec of each of a service's `count` replicas, replica 1 first, or of replicas `numbers`.

    Ctrl-C and SIGTERM stop it between two specs, because a count with a few zeros too many
    takes minutes and gigabytes to build before any engine command runs.
    """
    built = []
    for number in numbers or range(1, count + 1):
        check_cancelled()
        built.append(specs.container_spec(project, service, number))
    return built


def _specs_and_images(project: Project, backend: Backend, selected: set[str], options: UpOptions, events: Events,
                      state: resources.Observed) -> tuple[dict[str, list[ContainerSpec]], dict[str, str], list[Path]]:
    """Return the container specs, the image IDs and the secret and config files written for the specs.

    Building a spec writes the files it mounts, so when this step fails or is interrupted,
    for example by a second Ctrl-C or SIGTERM during a build or pull, it deletes the files it wrote,
    and `up` stops with nothing created.
    """
    with secrets.recording_new_files() as written:
        try:
            replicas = {name: replica_specs(project, name, replica_count(project, name, options.scale),
                                            options.replica_numbers.get(name))
                        for name in selected}
            # Images come first: a missing one stops `up` before anything else exists.
            # The check before containers also comes before a build or pull, so a rejected `up`
            # leaves no image behind.
            image_ids = resources.ensure_images(project, backend, selected, options.images, events, state.images,
                                                require=not options.dry_run, before_changes=options.before_containers)
        except (Exception, KeyboardInterrupt):
            secrets.remove_files(written)
            raise
    return replicas, image_ids, written


class _Run:
    """The state one `up` shares between the services it converges in parallel."""

    def __init__(self, project: Project, backend: Backend, options: UpOptions, events: Events,
                 observed: dict[str, list[ContainerState]], image_ids: dict[str, str],
                 replicas: dict[str, list[ContainerSpec]], result: UpResult) -> None:
        self.project, self.backend, self.options, self.events = project, backend, options, events
        self.observed, self.image_ids, self.replicas, self.result = observed, image_ids, replicas, result
        self.replaced: set[str] = set()
        # Old containers set aside by recreation, removed after the run.
        self.retired: list[str] = []
        self.lock = threading.Lock()

    def retire(self, name: str) -> None:
        with self.lock:
            self.retired.append(name)

    def remove_retired(self) -> None:
        """Remove the replaced containers, last retired first.

        A container that joined another's namespaces is retired after it, and Podman refuses
        to remove a container that another one still joins, so they go one at a time.
        """
        for name in reversed(self.retired):
            try:
                self.backend.remove_containers([name])
            except EngineError as error:
                # Raising here would hide the error that ended the run, if one did.
                self.result.warnings.append(f"could not remove the replaced container {name}: {error.message}; "
                                            f"remove it with the engine's rm command")

    def service(self, name: str) -> dict[str, str]:
        if self.options.start and not self.options.dry_run:
            self.wait_for_dependencies(name)
        converge = ConvergeOptions(
            recreate=self.recreate_policy(name),
            renew_anonymous_volumes=self.options.renew_anonymous_volumes,
            adopted_volumes=self.options.adopted_volumes,
            start=self.options.start,
            restart_for_dependency=self.dependency_replaced(name),
            timeout=self.options.timeout,
            # NOTE: services converge in parallel too, so a scale-down of several services at
            # once can run up to the limit's square of engine commands.
            parallel=_parallel_limit(self.backend, self.options),
        )
        actions = converge_service(self.backend, self.replicas[name], self.observed.get(name, []),
                                   self.image_ids.get(name), converge, self.events, self.retire)
        if any(action in ("created", "recreated") for action in actions.values()):
            with self.lock:
                self.replaced.add(name)
        return actions

    def recreate_policy(self, name: str) -> str:
        # A container that joined a replaced container's namespaces must be made again:
        # a restart would join the old, removed one.
        if self.namespace_owner_replaced(name):
            return "force"
        # As in docker compose 2.40.3, --always-recreate-deps recreates only the dependencies
        # of the services named, so with none named it recreates nothing.
        named = self.options.services
        if self.options.always_recreate_dependencies and named and name not in named:
            return "force"
        return self.options.recreate

    def namespace_owner_replaced(self, name: str) -> bool:
        definition = self.project.model["services"][name]
        owners = {value.removeprefix("service:") for key in ("network_mode", "pid", "ipc")
                  if isinstance(value := definition.get(key), str) and value.startswith("service:")}
        with self.lock:
            return bool(owners & self.replaced)

    def dependency_replaced(self, name: str) -> bool:
        depends_on = self.project.model["services"][name].get("depends_on") or {}
        with self.lock:
            return any((options or {}).get("restart") and dependency in self.replaced
                       for dependency, options in depends_on.items())

    def wait_for_dependencies(self, name: str) -> None:
        containers = {}
        for dependency in self.project.model["services"][name].get("depends_on") or {}:
            found = self.result.services.get(dependency)
            if found is None:
                # The dependency was not part of this run (--no-deps): wait for what exists.
                found = [state.name for state in self.observed.get(dependency, [])]
            containers[dependency] = found
        wait.wait_for_dependencies(self.project, self.backend, name, containers, self.options.dependency_timeout,
                                   self.events)


def undo_new_project(project: Project, backend: Backend, networks: Sequence[str], volumes: Sequence[str],
                     events: Events) -> None:
    """Remove the containers, and the networks and volumes given, of a project this `up` created."""
    events.emit(f"project {project.name}", "failed; removing what this up created")
    containers = [state.name for state in backend.list_containers(labels.container_filter(project.name))]
    for remove, names in ((backend.stop_and_remove, containers), (backend.remove_networks, networks),
                          (backend.remove_volumes, volumes)):
        try:
            remove(names)
        except EngineError as error:
            # The first failure is the one to report; this one is only mentioned.
            events.emit(f"project {project.name}", f"could not remove {', '.join(names)}: {error.message}")
    for name in [*containers, *(f"network {name}" for name in networks), *(f"volume {name}" for name in volumes)]:
        events.emit(name, "removed")


def require_services(project: Project, names: Sequence[str]) -> None:
    """Raise `UsageError` naming any service that the project does not have."""
    unknown = list(dict.fromkeys(name for name in names if name not in project.model["services"]))
    if unknown:
        known = ", ".join(sorted(project.model["services"]))
        raise UsageError(f"no such service: {', '.join(unknown)} (the project has {known})")


def by_service(states: list[ContainerState]) -> dict[str, list[ContainerState]]:
    grouped: dict[str, list[ContainerState]] = {}
    for state in states:
        grouped.setdefault(state.service, []).append(state)
    return grouped


def handle_orphans(project: Project, backend: Backend, observed: dict[str, list[ContainerState]],
                   options: UpOptions, result: UpResult, events: Events) -> None:
    """Remove containers of services no longer in the project with --remove-orphans, else warn.

    A service that no active profile enables is still in the compose files, so its containers
    are not orphans, as with `docker compose up` (v2.40.3).
    """
    defined = set(project.model["services"]) | set(project.disabled_services)
    orphans = [state.name for service, states in observed.items() if service not in defined for state in states]
    result.orphans = orphans
    if not orphans:
        return
    if options.remove_orphans:
        backend.remove_containers(orphans)
        for name in orphans:
            events.emit(name, "removed (orphan)")
        return
    result.warnings.append(f"found containers of services no longer in the project: {', '.join(orphans)}; "
                           "run up --remove-orphans to remove them")


def health_interval(project: Project, service: str) -> float | None:
    check = specs.container_spec(project, service).healthcheck
    return None if check is None else check.interval


def one_shot_services(project: Project) -> set[str]:
    """Return the services that others wait on to complete successfully: tasks, not daemons."""
    return {dependency for service in project.model["services"].values()
            for dependency, condition in (service.get("depends_on") or {}).items()
            if (condition or {}).get("condition") == wait.COMPLETED}


def readiness_targets(project: Project, containers: dict[str, list[str]]) -> list[wait.Target]:
    """Return what `up --wait` waits for: each container healthy or running, or finished for one-shot tasks."""
    one_shot = one_shot_services(project)
    targets = []
    for service, names in containers.items():
        condition = wait.COMPLETED if service in one_shot else wait.READY
        interval = health_interval(project, service)
        targets += [wait.Target(name, service, condition, interval) for name in names]
    return targets
