"""The interface that every container engine adapter implements.

Operations are written against `Backend` only, so no engine name appears outside
`crank_cli.runtime`. Each method is one engine action; adapters raise `EngineError` when the
engine rejects it.
"""

from __future__ import annotations

import abc
import subprocess
from collections.abc import Mapping, Sequence
from typing import ClassVar

from crank_cli.runtime.models import BuildSpec, ContainerSpec, ContainerState, EngineInfo


class Backend(abc.ABC):
    """A container engine that crank can drive."""

    name: ClassVar[str]

    @abc.abstractmethod
    def probe(self) -> EngineInfo:
        """Check whether the engine responds, within a few seconds."""

    @abc.abstractmethod
    def list_containers(self, labels: Mapping[str, str | None]) -> list[ContainerState]:
        """List all containers, running or not, that carry every label given.

        A label whose value is None matches any value.
        """

    @abc.abstractmethod
    def run_container(self, spec: ContainerSpec) -> str:
        """Create and start a container in the background and return its ID."""

    @abc.abstractmethod
    def run_attached(self, spec: ContainerSpec) -> int:
        """Run a container in the foreground on the terminal and return its exit code."""

    @abc.abstractmethod
    def start_containers(self, names: Sequence[str]) -> None:
        """Start existing containers."""

    @abc.abstractmethod
    def stop_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        """Stop containers, killing those still running after `timeout` seconds."""

    @abc.abstractmethod
    def remove_containers(self, names: Sequence[str]) -> None:
        """Remove containers, stopping any that still run."""

    @abc.abstractmethod
    def create_network(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a bridge network."""

    @abc.abstractmethod
    def list_networks(self, labels: Mapping[str, str | None]) -> list[str]:
        """Return the names of the networks that carry every label given."""

    @abc.abstractmethod
    def remove_networks(self, names: Sequence[str]) -> None:
        """Remove networks."""

    @abc.abstractmethod
    def create_volume(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a named volume."""

    @abc.abstractmethod
    def list_volumes(self, labels: Mapping[str, str | None]) -> list[str]:
        """Return the names of the volumes that carry every label given."""

    @abc.abstractmethod
    def remove_volumes(self, names: Sequence[str]) -> None:
        """Remove named volumes."""

    @abc.abstractmethod
    def image_exists(self, reference: str) -> bool:
        """Tell whether the engine has an image by that name or ID."""

    @abc.abstractmethod
    def build_image(self, spec: BuildSpec) -> None:
        """Build an image, letting the engine's build output through to the terminal."""

    @abc.abstractmethod
    def follow_logs(self, name: str) -> subprocess.Popen[str]:
        """Start following a container's logs; the caller reads the process's output."""
