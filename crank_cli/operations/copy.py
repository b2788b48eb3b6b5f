"""`cp`: copy files between a service's containers and the local filesystem with the engine's copy.

As with `docker compose cp` (v2.40.3), a copy from a service reads one container of it, and a
copy to a service writes every container of it unless `--index` picks one. Stopped containers
count too, because the engines copy to and from them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from crank_cli.errors import CrankError, UsageError
from crank_cli.operations import labels
from crank_cli.operations.events import Events
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.models import ContainerState

# The local path that means a tar archive on standard input or output.
STREAM = "-"


class CopyOptions(NamedTuple):
    source: str
    destination: str
    index: int | None = None  # None: the service's first container, or, copying to it, every container
    include_one_offs: bool = False
    archive: bool = False
    follow_link: bool = False


class CopyPath(NamedTuple):
    """One side of a copy: a path in a service's containers, or a local path when `service` is None."""

    service: str | None
    path: str


class CopyPlan(NamedTuple):
    """The service a copy reads from or writes to, and the two paths, parsed from the command line."""

    service: str
    source: CopyPath
    destination: CopyPath

    @property
    def to_service(self) -> bool:
        return self.destination.service is not None


class NoServiceContainerError(CrankError):
    """The service has no container to copy from or to: exit code 1, as with docker compose (v2.40.3)."""


def split_copy_path(argument: str) -> CopyPath:
    """Read `SERVICE:PATH` or a local path as docker compose (v2.40.3) does.

    An absolute path is local, and so is a word without a colon or one whose part before
    the first colon starts with a dot, such as `./name:with-colon`.
    """
    if argument.startswith("/"):
        return CopyPath(None, argument)
    service, colon, path = argument.partition(":")
    if not colon or service.startswith("."):
        return CopyPath(None, argument)
    return CopyPath(service, path)


def plan_copy(source: str, destination: str) -> CopyPlan:
    """Parse both paths of a copy; raise `UsageError` unless exactly one of them names a service."""
    for word, role in ((source, "source"), (destination, "destination")):
        if not word:
            raise UsageError(f"the {role} path is empty: write SERVICE:PATH on one side and a local path on the other")
    read, write = split_copy_path(source), split_copy_path(destination)
    if read.service is not None and write.service is not None:
        raise UsageError(f"cannot copy from service {read.service} to service {write.service}: "
                         "copy to a local path first, then from it")
    side = read if read.service is not None else write
    if side.service is None:
        raise UsageError(f"neither {source!r} nor {destination!r} names a service: "
                         "write SERVICE:PATH as the source or the destination")
    if not side.path:
        word = source if side is read else destination
        raise UsageError(f"{word!r} names service {side.service} but no path: "
                         f"write {side.service}:PATH, such as {side.service}:/tmp")
    return CopyPlan(side.service, read, write)


def copy_targets(states: Sequence[ContainerState], plan: CopyPlan, options: CopyOptions) -> list[ContainerState]:
    """Return the containers of the plan's service that the copy reads from or writes to.

    With `options.index`, that replica alone; one-off containers have no replica number. Else
    a copy to the service writes every container and a copy from it reads the first, the
    lowest replica number first and one-off containers (counted only with
    `include_one_offs`) last.
    """
    service = plan.service
    replicas = [state for state in states if state.labels.get(labels.ONE_OFF) != "True"]
    if options.index is not None:
        chosen = [state for state in replicas if state.replica == options.index]
        if not chosen:
            numbers = ", ".join(str(state.replica) for state in sorted(replicas, key=_order))
            present = f"it has {numbers}" if numbers else "it has none"
            raise NoServiceContainerError(f"service {service} has no container number {options.index} ({present})")
        return chosen[:1]
    candidates = sorted(states if options.include_one_offs else replicas, key=_order)
    if not candidates:
        hint = "; crank cp --all includes the containers of crank run" if states else ""
        raise NoServiceContainerError(f"no container found for service {service}: create one with crank up or crank create{hint}")
    return candidates if plan.to_service else candidates[:1]


def _order(state: ContainerState) -> tuple[bool, int, str]:
    return state.labels.get(labels.ONE_OFF) == "True", state.replica, state.name


def copy(backend: Backend, plan: CopyPlan, targets: Sequence[ContainerState], options: CopyOptions,
         working_dir: Path, events: Events) -> None:
    """Copy between each target container and the local path, one container after another."""
    for state in targets:
        source = _engine_path(plan.source, state.name, working_dir)
        destination = _engine_path(plan.destination, state.name, working_dir)
        shown = f"{_shown_path(plan.source, state.name)} to {_shown_path(plan.destination, state.name)}"
        events.emit(state.name, f"copying {shown}")
        backend.copy_files(source, destination, archive=options.archive, follow_link=options.follow_link)
        events.emit(state.name, "copied")


def _shown_path(side: CopyPath, container: str) -> str:
    """Return a path as the progress shows it: the local path as given, or `CONTAINER:PATH`."""
    return side.path if side.service is None else f"{container}:{side.path}"


def _engine_path(side: CopyPath, container: str, working_dir: Path) -> str:
    """Return the path as the engine's `cp` takes it: `CONTAINER:PATH`, `-`, or an absolute local path.

    A relative local path is made absolute here, so a word that starts with `-` or contains
    a colon cannot be read by the engine as an option or a container. Its trailing `/` or
    `/.` stays, because the engines copy a folder's content, not the folder, for `/.`.
    """
    if side.service is not None:
        return f"{container}:{side.path}"
    if side.path == STREAM:
        return STREAM
    return os.path.join(working_dir, side.path)
