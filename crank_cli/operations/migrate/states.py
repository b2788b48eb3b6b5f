"""Keep each moved service's state across engines: running, paused or stopped.

A service with a running or paused container runs on the other engine too, and a paused
container is paused again once it runs there. A service whose containers were all stopped
is created there and not started, unless a service that runs depends on it: then it starts,
as `docker compose up SERVICE` (v2.40.3) starts the dependencies of the services named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crank_cli.operations.events import Events
from crank_cli.operations.graph import with_dependencies
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.models import ContainerState, Mount

if TYPE_CHECKING:
    from crank_cli.compose import Project

# The states of a container that keeps its ports bound, so it must stop before the move.
ACTIVE_STATES = frozenset({"running", "paused", "restarting"})


def stopped_services(services: Mapping[str, dict[str, Any]], moved: Sequence[str], active: Iterable[str]) -> tuple[str, ...]:
    """Return the moved services to create without starting: stopped, and needed by no active service."""
    needed = with_dependencies({name: services[name] for name in moved}, [name for name in active if name in moved])
    return tuple(name for name in moved if name not in needed)


def bring_up(project: Project, engine: DockerCompatibleEngine, services: Sequence[str], created_only: Sequence[str],
             adopted_volumes: Mapping[str, tuple[Mount, ...]], events: Events, *,
             replicas: Mapping[str, tuple[int, ...]]) -> dict[str, list[str]]:
    """Start `services` but those in `created_only`, which are only created; return the started containers by service.

    `replicas` sets each service's replica numbers, and so its container count, over its definition's.
    The containers run the images that the migration copied: `pull_policy: always` or `build`
    would otherwise pull or build another image, or fail without the registry, after the cut-over.
    """
    from crank_cli.operations.resources import ImagePolicy
    from crank_cli.operations.up import UpOptions, up

    started = tuple(name for name in services if name not in created_only)
    numbers = dict(replicas)
    scale = {service: len(found) for service, found in numbers.items()}
    copied = ImagePolicy(build="never", pull="never")
    result: dict[str, list[str]] = {}
    if started:
        options = UpOptions(services=started, adopted_volumes=dict(adopted_volumes), scale=scale,
                            replica_numbers=numbers, images=copied)
        result = up(project, engine, options, events).services
    if created_only:
        options = UpOptions(services=tuple(created_only), no_deps=True, start=False, adopted_volumes=dict(adopted_volumes),
                            scale=scale, replica_numbers=numbers, images=copied)
        up(project, engine, options, events)
    return result


def stop_active(engine: DockerCompatibleEngine, states: Sequence[ContainerState]) -> None:
    """Stop the running and paused containers, resuming the paused ones first, because Podman 4.3 rejects their stop."""
    paused = [state.name for state in states if state.state == "paused"]
    engine.unpause_containers(paused)
    engine.stop_containers([state.name for state in states if state.state in ACTIVE_STATES])


def pause_again(engine: DockerCompatibleEngine, names: Iterable[str], started: Mapping[str, list[str]],
                events: Events) -> None:
    """Pause the containers in `names` that were just started, as they were before the move."""
    running = {name for containers in started.values() for name in containers}
    paused = sorted(set(names) & running)
    engine.pause_containers(paused)
    for name in paused:
        events.emit(name, f"paused on {engine.name}, as before")
