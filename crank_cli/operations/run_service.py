"""`run SERVICE`: a one-off container from a service's definition, as `docker compose run` makes one.

The dependencies start first through `up`, and the one-off waits for their `depends_on`
conditions. The one-off is named `PROJECT-SERVICE-run-ID` (docker compose v2.40.3 uses the
same form), carries the project and service labels with `io.crank.oneoff=True`, joins the
service's networks under its own name only, and publishes the service's ports only with
`--service-ports`. Like docker compose, it ignores the service's `container_name` and
`restart`. The secret and config files that a `run` writes go when it ends, unless a
container of the project mounts them (see `removing_unmounted_files`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import UsageError
from crank_cli.operations import graph, labels, resources, specs, wait
from crank_cli.operations import secrets as private_files
from crank_cli.operations.events import Events
from crank_cli.operations.run import ContainerOptions, parse_entrypoint, parse_env, parse_port, parse_volume
from crank_cli.operations.up import UpOptions, UpResult, by_service, handle_orphans, up
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerSpec

if TYPE_CHECKING:
    from crank_cli.compose import Project


class ServiceRunOptions(NamedTuple):
    """A one-off container of a service, with what `run` sets on it and the options only a service has."""

    service: str
    container: ContainerOptions = ContainerOptions()
    no_deps: bool = False
    # Remove the containers of services that the compose files no longer define.
    remove_orphans: bool = False
    service_ports: bool = False
    parallel: int | None = None
    labels: tuple[str, ...] = ()
    use_aliases: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    images: resources.ImagePolicy = resources.ImagePolicy()


def prepare(project: Project, backend: Backend, options: ServiceRunOptions, events: Events) -> ContainerSpec:
    """Start the dependencies and make the service's image, networks and volumes; return the one-off's spec."""
    if options.container.publish and options.service_ports:
        raise UsageError("--service-ports and --publish cannot be used together: "
                         "--service-ports publishes the service's own ports")
    spec = one_off_spec(project, options)
    started = False if options.no_deps else start_dependencies(project, backend, options, events)
    if options.remove_orphans and not started:
        # Without a dependency to bring up, no `up` removed them, so this does.
        remove_orphans(project, backend, options, events)
    service = [options.service]
    observed = resources.observe(project, backend, service)
    resources.ensure_images(project, backend, service, options.images, events, observed.images,
                            require=not options.container.dry_run)
    resources.ensure_networks(project, backend, service, events, observed.networks, [])
    resources.ensure_volumes(project, backend, service, events, observed.volumes, [])
    if not options.container.dry_run:
        resources.ensure_bind_paths(project, service, events)
    return spec


def start_dependencies(project: Project, backend: Backend, options: ServiceRunOptions, events: Events) -> bool:
    """Bring up the service's dependencies as `up` does, then wait for their `depends_on` conditions.

    Returns whether the service has dependencies, and so whether `up` ran.
    """
    services = project.model["services"]
    dependencies = tuple(sorted(graph.with_dependencies(services, [options.service]) - {options.service}))
    if not dependencies:
        return False
    # The dependencies' `up` checks their own external volumes and networks, and this
    # checks the service's, so a missing one stops `run` before a dependency starts.
    resources.check_external(project, backend, [options.service])
    result = up(project, backend, UpOptions(services=dependencies, parallel=options.parallel,
                                            remove_orphans=options.remove_orphans,
                                            dry_run=options.container.dry_run), events)
    if not options.container.dry_run:
        wait.wait_for_dependencies(project, backend, options.service, result.services, None, events)
    return True


def remove_orphans(project: Project, backend: Backend, options: ServiceRunOptions, events: Events) -> None:
    """Remove the project's containers of services that the compose files no longer define, as `up` does."""
    observed = by_service(backend.list_containers(labels.container_filter(project.name)))
    handle_orphans(project, backend, observed, UpOptions(remove_orphans=True, dry_run=options.container.dry_run),
                   UpResult(), events)


def one_off_spec(project: Project, options: ServiceRunOptions,
                 environ: Mapping[str, str] = os.environ) -> ContainerSpec:
    """Return the spec of a one-off container of the service, with the options applied."""
    base = specs.container_spec(project, options.service)
    container = options.container
    name = container.name or f"{project.name}-{options.service}-run-{secrets.token_hex(6)}"
    one_off_labels = {key: value for key, value in base.labels.items() if key != labels.REPLICA}
    one_off_labels.update(parse_labels(options.labels))
    one_off_labels[labels.ONE_OFF] = "True"
    extra_env = (parse_env(value, environ) for value in container.env)
    return base._replace(
        name=name,
        command=container.command or base.command,
        entrypoint=base.entrypoint if container.entrypoint is None else parse_entrypoint(container.entrypoint),
        environment={**base.environment, **dict(pair for pair in extra_env if pair is not None)},
        labels=one_off_labels,
        ports=(base.ports if options.service_ports else ()) + tuple(parse_port(value) for value in container.publish),
        mounts=base.mounts + tuple(parse_volume(value) for value in container.volumes),
        # Without --use-aliases, as with docker compose, a one-off is reachable by its own name
        # only, so it takes no traffic meant for the service.
        networks=tuple(network._replace(aliases=_one_off_aliases(name, base.name, network.aliases, options.use_aliases))
                       for network in base.networks),
        cap_add=base.cap_add + options.cap_add,
        cap_drop=base.cap_drop + options.cap_drop,
        restart=None,
        user=container.user or base.user,
        working_dir=container.workdir or base.working_dir,
        remove=container.remove,
        # Standard input stays open, as `docker compose run` keeps it by default. In the
        # foreground the engine client keeps it open anyway, and allocates a terminal when
        # crank has one.
        interactive=container.detach or base.interactive,
        tty=base.tty and container.detach and container.terminal,
        terminal=container.terminal,
    )


def parse_labels(values: Sequence[str]) -> dict[str, str]:
    """Parse `-l` values, KEY=VALUE or KEY for an empty value. crank's own `io.crank.` labels are rejected."""
    parsed: dict[str, str] = {}
    for value in values:
        key, _, text = value.partition("=")
        if not key:
            raise UsageError(f"invalid --label value {value!r}: expected KEY=VALUE or KEY")
        if key.startswith(labels.CRANK_PREFIX):
            raise UsageError(f"invalid --label {key!r}: crank sets the labels that start with {labels.CRANK_PREFIX}, "
                             "which find the project's containers; choose another key")
        parsed[key] = text
    return parsed


def _one_off_aliases(name: str, service_container: str, aliases: tuple[str, ...], use_aliases: bool) -> tuple[str, ...]:
    """Return the one-off's names on a network: its own, and with `use_aliases` the service's too."""
    if not use_aliases:
        return (name,)
    return (name, *(alias for alias in aliases if alias != service_container))


def start(backend: Backend, spec: ContainerSpec, *, detach: bool) -> str | int:
    """Run the one-off; return its ID when detached, else its exit code."""
    if detach:
        return backend.run_container(spec)
    return backend.run_attached(spec)


@contextmanager
def removing_unmounted_files(project: str, backend: Backend,
                             lock: Callable[[], AbstractContextManager[object]]) -> Iterator[None]:
    """Delete, when the block ends, the secret and config files written in it that no container of the project mounts.

    So a one-off that the engine rejected, that failed to start, or that `--rm` removed once
    it exited leaves no file of its own behind, and one that stays keeps its files until
    `down`. The check takes the project's lock, held by `lock()`, so no `up` or `run`
    creates a container that mounts a file while it goes.
    """
    # NOTE: another `run` creates its container after it releases the lock, so a file of
    # this one that it found written may go before its container mounts it, and it then fails.
    with private_files.recording_new_files() as written:
        try:
            yield
        finally:
            if written:
                with lock():
                    private_files.remove_unmounted_files(project, backend, written)
