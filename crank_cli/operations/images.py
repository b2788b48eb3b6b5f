"""`images`: the image of each container of a project, with its tags, size and platform."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from crank_cli.operations import labels
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState, ImageDetails

# An image ID, which names no repository: 64 hexadecimal digits, with or without `sha256:`.
_IMAGE_ID = re.compile(r"(sha256:)?[0-9a-f]{64}")
# The registry host that references may leave out, under the names Docker accepts for it.
_DEFAULT_REGISTRIES = ("docker.io", "index.docker.io")


class ImageRow(NamedTuple):
    """One container and its image; the keys of `images --format json`, in order."""

    container: str
    service: str
    repository: str | None
    tag: str | None
    platform: str
    id: str
    # In bytes. It is None, with the times and an empty platform, when the engine no longer has the image.
    size: int | None
    created: str | None
    last_tagged: str | None

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


def project_images(backend: Backend, states: Sequence[ContainerState]) -> list[ImageRow]:
    """Return a row per container, sorted by container name, with its image read in one engine call.

    The repository and tag are those of the reference the service names while the image
    still carries that tag. Once the tag has moved to another image, they are the image's
    first tag, or None when it has none.
    """
    ids = list(dict.fromkeys(state.image_id for state in states if state.image_id))
    details = {image.id: image for image in backend.inspect_images(ids)}
    return [_row(state, details.get(state.image_id)) for state in sorted(states, key=lambda state: state.name)]


def _row(state: ContainerState, image: ImageDetails | None) -> ImageRow:
    reference = state.labels.get(labels.IMAGE) or state.image
    named = split_reference(reference)
    if image is not None:
        tags = [split_reference(tag) for tag in image.repo_tags]
        if named not in tags:
            named = next((tag for tag in tags if tag is not None), None)
    repository, tag = named or (None, None)
    if image is None:
        return ImageRow(state.name, state.service, repository, tag or None, "", state.image_id, None, None, None)
    return ImageRow(state.name, state.service, repository, tag or None, image.platform, image.id, image.size,
                    image.created, image.last_tagged)


def split_reference(reference: str) -> tuple[str, str] | None:
    """Return the repository, in Docker's short form, and the tag of an image reference.

    `docker.io/library/busybox` becomes `busybox`, as `docker images` shows it. A reference
    without tag or digest has the tag `latest`, and one with only a digest an empty tag. An
    image ID names no repository, so it gives None.
    """
    if _IMAGE_ID.fullmatch(reference):
        return None
    name, _, digest = reference.partition("@")
    tag = ""
    # A colon after the last slash starts the tag; one before it belongs to a registry's port.
    if name.rfind(":") > name.rfind("/"):
        name, _, tag = name.rpartition(":")
    elif not digest:
        tag = "latest"
    return _short_name(name), tag


def _short_name(name: str) -> str:
    registry, _, path = name.partition("/")
    if not path or registry not in _DEFAULT_REGISTRIES:
        return name
    namespace, _, rest = path.partition("/")
    if namespace == "library" and rest and "/" not in rest:
        return rest
    return path
