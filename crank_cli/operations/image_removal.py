"""The images that `down --rmi` removes, and their removal.

With a compose file, `--rmi all` removes the image of every service and `--rmi local` only
those of services built without an `image` name. Without one, the images come from the
project's containers, as docker compose (v2.40.3) reads them from the containers: `all`
removes them, and `local` removes none, because no service is known to lack an `image`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from crank_cli.errors import EngineError
from crank_cli.operations import labels
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

if TYPE_CHECKING:
    from crank_cli.compose import Project

LOCAL_WITHOUT_FILE = ("--rmi local removes no images without a compose file, because only the file tells "
                      "which services have no image name; run down where the compose file is, or pass --rmi all")


class ImageRemoval(NamedTuple):
    """The images removed, and a warning for each image kept or not removed."""

    removed: list[str]
    warnings: list[str]


def project_images(project: Project | None, states: Sequence[ContainerState], scope: str) -> list[str]:
    """Return the image names that `--rmi SCOPE` names for the project, sorted.

    Without a project, each container's `io.crank.image` label gives the name, else the image
    the engine lists for the container.
    """
    if project is None:
        if scope != "all":
            return []
        return sorted({state.labels.get(labels.IMAGE) or state.image for state in states} - {""})
    # Imported here: the container specs module is large, and only `down --rmi` needs it.
    from crank_cli.operations import specs

    services = project.model["services"]
    return sorted({specs.image_name(project, service) for service in services
                   if scope == "all" or not services[service].get("image")})


def remove_unused_images(backend: Backend, names: Sequence[str], removed_containers: Sequence[str]) -> ImageRemoval:
    """Remove the images of `names` that the engine has and no other container uses.

    A container counts as another user unless its name is in `removed_containers`, the
    containers that this `down` removed (or, in a dry run, would remove). An image that
    another container uses is kept, and an image that the engine fails to remove is reported,
    each as a warning, so that `down` still succeeds, as docker compose's does. docker compose
    (v2.40.3) removes a used image's name when the image has other names, because the engine
    then only untags it. crank keeps that name too.
    """
    present = {name: facts.id for name in names if (facts := backend.image_facts(name)) is not None}
    if not present:
        return ImageRemoval([], [])
    users = _containers_by_image(backend.list_containers({}), set(removed_containers))
    result = ImageRemoval([], [])
    for name, image_id in present.items():
        if users.get(image_id):
            result.warnings.append(f"kept image {name}, because other containers use it: {', '.join(sorted(users[image_id]))}")
            continue
        try:
            backend.remove_images([name])
        except EngineError as error:
            result.warnings.append(f"image {name} was not removed: {error.message}")
            continue
        result.removed.append(name)
    return result


def _containers_by_image(states: Sequence[ContainerState], excluded: set[str]) -> dict[str, list[str]]:
    """Return the names of the containers outside `excluded`, by image ID."""
    users: dict[str, list[str]] = {}
    for state in states:
        if state.name not in excluded and state.image_id:
            users.setdefault(state.image_id, []).append(state.name)
    return users
