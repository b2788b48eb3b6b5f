"""The interface that every container engine adapter implements.

Operations are written against `Backend` only, so no engine name appears outside
`crank_cli.runtime`. Each method is one engine action; adapters raise `EngineError` when the
engine rejects it.
"""

from __future__ import annotations

import abc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from crank_cli.runtime.models import (BuildSpec, CheckResult, CommitOptions, ContainerEvent, ContainerSpec, ContainerState, ContainerStats,
                                      EngineInfo, ImageDetails, ImageFacts, ProcessList, VolumeDetails)

if TYPE_CHECKING:
    import subprocess

    from crank_cli.process import HeldErrors


class Backend(abc.ABC):
    """A container engine that crank can drive."""

    name: ClassVar[str]
    # The engine's command-line client, which messages name in the commands they suggest.
    binary: ClassVar[str]
    # True when the engine rejects removing a network that a container, even a stopped one,
    # is attached to. The networks a project's containers name then exist, so `up` need not
    # list them. Podman 4.3 rejects it, and Docker 20.10 removes such a network.
    keeps_attached_networks: ClassVar[bool] = False

    @abc.abstractmethod
    def probe(self, *, fresh: bool = False) -> EngineInfo:
        """Check whether the engine responds, within a few seconds.

        An adapter may return the result of an earlier probe that it stored. With `fresh`,
        it runs the probe in any case.
        """

    @abc.abstractmethod
    def list_containers(self, labels: Mapping[str, str | None]) -> list[ContainerState]:
        """List all containers, running or not, that carry every label given.

        A label whose value is None matches any value.
        """

    @abc.abstractmethod
    def inspect_containers(self, names: Sequence[str]) -> list[ContainerState]:
        """Return the state of each container named, in one engine call."""

    @abc.abstractmethod
    def list_processes(self, name: str) -> ProcessList:
        """Return the processes running in a container, with the columns the engine's `top` shows."""

    @abc.abstractmethod
    def attach(self, name: str, *, stdin: bool, sig_proxy: bool, detach_keys: str | None) -> int:
        """Connect crank's standard streams to a running container's main process; return the engine client's exit code."""

    @abc.abstractmethod
    def follow_events(self, labels: Mapping[str, str | None], *, since: float | None = None,
                      until: float | None = None) -> Iterator[ContainerEvent]:
        """Yield the events of the containers with these labels as they happen, until the caller stops.

        `since` and `until` are Unix times. With `since`, the engine first replays the events it
        recorded from then on. With `until`, the stream ends once that time has passed, and it
        may also yield events up to a second later, which the caller leaves out. Raises
        `EngineError` if the engine's event stream ends with an error.
        """

    def past_events(self, labels: Mapping[str, str | None], since: float) -> list[ContainerEvent]:
        """Return the events of the containers with these labels from the Unix time `since` until now."""
        import time

        return list(self.follow_events(labels, since=since, until=time.time()))

    @abc.abstractmethod
    def read_stats(self, names: Sequence[str]) -> list[ContainerStats]:
        """Return one reading of the resource use of each running container named."""

    @abc.abstractmethod
    def show_stats(self, names: Sequence[str], until: Callable[[], bool], interval: float) -> int | None:
        """Show the engine's live view of the containers' resource use until Ctrl-C or until `until()` returns True.

        `until` is called every `interval` seconds. Return the view's exit code, or None when
        `until` ended it.
        """

    def run_healthcheck(self, name: str, timeout: float | None = None) -> CheckResult:
        """Run a container's healthcheck once, for engines that do not schedule checks.

        `timeout` is the check's own timeout in seconds: a check still running well past it
        is ended and fails. Engines that run checks on their own schedule need nothing here.
        """
        return CheckResult(passed=True)

    @property
    def schedules_healthchecks(self) -> bool:
        """Tell whether the engine runs healthchecks by itself, so crank need not."""
        return True

    @property
    def parallel_actions(self) -> int:
        """Return how many containers of one batch `up` creates and starts at once by default.

        Each action of a command-line engine is a process, so the default is two per core, at
        least 4. On a 2-core machine, 4 at a time started 20 containers on Podman 0.05 to
        0.1 s sooner than 8.
        """
        return max(4, 2 * (os.cpu_count() or 2))

    @property
    def reports_pending_restarts(self) -> bool:
        """Tell whether the engine shows a container that its restart policy will start again as `restarting`.

        Without that, a container shows `exited` until the engine starts it again, as with
        Podman 4.3, whose cleanup process restarts it after the exit.
        """
        return False

    @property
    def runs_exec_healthchecks(self) -> bool:
        """Tell whether a `CMD` list healthcheck reaches the engine as a list, run without a shell."""
        return False

    @abc.abstractmethod
    def run_container(self, spec: ContainerSpec) -> str:
        """Create and start a container in the background and return its ID."""

    @abc.abstractmethod
    def create_container(self, spec: ContainerSpec) -> str:
        """Create a container without starting it and return its ID."""

    @abc.abstractmethod
    def run_attached(self, spec: ContainerSpec, *, held_errors: HeldErrors | None = None,
                     on_interrupt: Callable[[], None] | None = None) -> int:
        """Run a container in the foreground on the terminal and return its exit code.

        `held_errors` and `on_interrupt` work as in `process.run_attached`.
        """

    @abc.abstractmethod
    def start_containers(self, names: Sequence[str]) -> None:
        """Start existing containers."""

    @abc.abstractmethod
    def stop_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        """Stop containers, killing those still running after `timeout` seconds."""

    @abc.abstractmethod
    def restart_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        """Stop and start containers again."""

    @abc.abstractmethod
    def kill_containers(self, names: Sequence[str], signal: str) -> None:
        """Send a signal, such as `SIGKILL` or `HUP`, to the main process of each container."""

    @abc.abstractmethod
    def pause_containers(self, names: Sequence[str]) -> None:
        """Suspend every process of each running container."""

    @abc.abstractmethod
    def unpause_containers(self, names: Sequence[str]) -> None:
        """Resume the processes of paused containers."""

    @abc.abstractmethod
    def remove_containers(self, names: Sequence[str], *, volumes: bool = True) -> None:
        """Remove containers, stopping any that still run, with their anonymous volumes unless `volumes` is False."""

    @abc.abstractmethod
    def rename_container(self, name: str, new_name: str) -> None:
        """Give a container another name."""

    def stop_and_remove(self, names: Sequence[str], timeout: int | None = None) -> None:
        """Stop containers as `stop_containers` does, then remove them with their anonymous volumes."""
        self.stop_containers(names, timeout)
        self.remove_containers(names)

    @abc.abstractmethod
    def exec_attached(self, name: str, command: Sequence[str], *, tty: bool, user: str | None,
                      workdir: str | None, environment: Mapping[str, str], privileged: bool = False,
                      detach: bool = False) -> int:
        """Run a command in a running container with crank's standard streams; return its exit code.

        With `tty`, the command gets a terminal when crank's standard input is one. With
        `detach`, the command runs in the background, without crank's streams, and the
        result is the engine client's exit code. `privileged` gives the command extended
        privileges, as `docker exec --privileged` does.
        """

    @abc.abstractmethod
    def exec_captured(self, name: str, command: Sequence[str], *, user: str | None = None,
                      workdir: str | None = None, environment: Mapping[str, str] | None = None,
                      privileged: bool = False) -> str:
        """Run a command in a running container without a terminal or input; return its output.

        Raises `EngineError`, with the command's errors, when it exits with a non-zero code.
        """

    @abc.abstractmethod
    def copy_files(self, source: str, destination: str, *, archive: bool = False, follow_link: bool = False) -> None:
        """Copy files or folders between a container and the local filesystem, as the engine's `cp` does.

        One of `source` and `destination` is `CONTAINER:PATH` and the other a local path, or
        `-` for a tar archive on crank's standard input (as the source) or output. `archive`
        keeps the source's user and group IDs, and `follow_link` copies what a symbolic link
        at the source path points to instead of the link.
        """

    @abc.abstractmethod
    def commit_container(self, name: str, options: CommitOptions) -> str:
        """Make an image from a container's filesystem and configuration, as the engine's `commit` does; return its ID."""

    @abc.abstractmethod
    def export_container(self, name: str, output: str | None) -> None:
        """Write a container's filesystem as a tar archive to the file `output`, or to crank's standard output when None."""

    @abc.abstractmethod
    def watch_exit(self, name: str) -> subprocess.Popen[str]:
        """Start an engine process that ends when the container stops and prints its exit code.

        The caller reads the process's output and ends the process if it stops waiting first.
        """

    @abc.abstractmethod
    def create_network(self, name: str, labels: Mapping[str, str], options: Mapping[str, Any] | None = None) -> None:
        """Create a network; `options` may set driver, driver_opts, internal, attachable, enable_ipv6."""

    @abc.abstractmethod
    def list_networks(self, labels: Mapping[str, str | None]) -> list[str]:
        """Return the names of the networks that carry every label given."""

    @abc.abstractmethod
    def remove_networks(self, names: Sequence[str]) -> None:
        """Remove networks."""

    @abc.abstractmethod
    def create_volume(self, name: str, labels: Mapping[str, str], driver: str | None = None,
                      options: Mapping[str, str] | None = None) -> None:
        """Create a named volume, with a driver and its options if given."""

    @abc.abstractmethod
    def list_volumes(self, labels: Mapping[str, str | None]) -> list[str]:
        """Return the names of the volumes that carry every label given."""

    @abc.abstractmethod
    def inspect_volumes(self, labels: Mapping[str, str | None]) -> list[VolumeDetails]:
        """Return the driver, scope, mount point, creation time and labels of each volume that carries every label given."""

    @abc.abstractmethod
    def volume_exists(self, name: str) -> bool:
        """Tell whether the engine has a volume of that name, made by crank or not."""

    @abc.abstractmethod
    def remove_volumes(self, names: Sequence[str]) -> None:
        """Remove named volumes."""

    @abc.abstractmethod
    def image_facts(self, reference: str) -> ImageFacts | None:
        """Return an image's ID and labels, or None if the engine lacks it."""

    @abc.abstractmethod
    def image_id(self, reference: str) -> str | None:
        """Return the ID of an image, without `sha256:`, or None if the engine lacks it."""

    @abc.abstractmethod
    def inspect_images(self, ids: Sequence[str]) -> list[ImageDetails]:
        """Return the ID, tags, size, creation time and platform of each image named that the engine has."""

    @abc.abstractmethod
    def pull_image(self, reference: str, *, quiet: bool = False) -> None:
        """Pull an image from its registry, showing the engine's progress on stderr.

        With `quiet` the progress is dropped, and the message of a failure quotes the engine's
        last lines.
        """

    @abc.abstractmethod
    def push_image(self, reference: str, *, quiet: bool = False) -> None:
        """Push an image to its registry, with the credentials of the engine's own `login`.

        The engine's progress goes to stderr. With `quiet` it is dropped, and the message of a
        failure quotes the engine's last lines.
        """

    def login_command(self, registry: str) -> str:
        """Return the command line a user runs to log this engine in to a registry."""
        return f"{self.name} login {registry}"

    @abc.abstractmethod
    def remove_images(self, references: Sequence[str]) -> None:
        """Remove images by name or ID."""

    @abc.abstractmethod
    def build_image(self, spec: BuildSpec, *, quiet: bool = False) -> None:
        """Build an image, letting the engine's build output through to the terminal unless `quiet`."""

    @abc.abstractmethod
    def follow_logs(self, name: str, *, follow: bool = True, tail: int | None = None,
                    timestamps: bool = False, since: str | None = None,
                    until: str | None = None) -> subprocess.Popen[str]:
        """Start reading a container's logs; the caller reads the process's output.

        `since` and `until` are RFC 3339 time stamps that bound the lines shown.
        """
