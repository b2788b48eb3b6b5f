"""`commit`: make an image from a service container's changes with the engine's own `commit`."""

from __future__ import annotations

from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import CommitOptions, ContainerState


def commit(backend: Backend, container: ContainerState, options: CommitOptions, events: Events, *,
           dry_run: bool = False) -> None:
    """Commit the container and show the new image's ID in the progress, as docker compose (v2.40.3) does.

    In a dry run the engine makes no image, so the progress shows no ID.
    """
    events.emit(container.name, "committing")
    image_id = backend.commit_container(container.name, options)
    events.emit(container.name, "committed" if dry_run else f"committed as sha256:{image_id}")
