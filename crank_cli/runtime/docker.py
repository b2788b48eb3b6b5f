"""The Docker engine adapter."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from crank_cli.errors import EngineError
from crank_cli.runtime import docker_requests
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.docker_socket import ApiError, DockerSocket, label_filter, quoted
from crank_cli.runtime.inspect import container_state, normalize_image_id, version_numbers
from crank_cli.runtime.models import ContainerSpec, ContainerState, EngineInfo, ImageFacts

log = logging.getLogger("crank.process")


class DockerEngine(DockerCompatibleEngine):
    """Docker through its `docker` client, or through a local daemon's API socket where possible.

    A client that prints its own version is not enough: the engine counts as usable only
    when the daemon responds too, which `docker version` shows in its `Server` part.
    """

    name = "docker"
    binary = "docker"
    host_variable = "DOCKER_HOST"
    engine_version: str | None = None
    # Set by `use_socket`: the local daemon's socket, for queries and for creating, starting,
    # stopping and removing containers, networks and volumes.
    api: DockerSocket | None = None

    def use_socket(self, api: DockerSocket | None) -> None:
        """Send queries and changes to containers, networks and volumes to `api`, not through the client."""
        self.api = api

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        return server.get("Version")

    def probe(self) -> EngineInfo:
        info = self._probe_socket() if self.api is not None else super().probe()
        self.engine_version = info.version
        return info

    def _probe_socket(self) -> EngineInfo:
        if shutil.which(self.binary_path) is None:
            return EngineInfo(self.name, usable=False, reason=f"{self.binary_path} not found on PATH")
        try:
            version = (self._get("/version") or {}).get("Version")
        except EngineError as error:
            return EngineInfo(self.name, usable=False, reason=error.stderr)
        if not version:
            return EngineInfo(self.name, usable=False, reason="the daemon did not report a version")
        return EngineInfo(self.name, usable=True, version=version, host=self.host)

    def start_interval_flags(self, seconds: float) -> list[str]:
        # Docker Engine 25.0 (API 1.44) added --health-start-interval; older engines reject it.
        if version_numbers(self.engine_version or "") < (25,):
            return []
        return ["--health-start-interval", f"{seconds:g}s"]

    # Queries over the socket. Each uses the client instead when there is no socket.

    def list_containers(self, labels: Mapping[str, str | None]) -> list[ContainerState]:
        if self.api is None:
            return super().list_containers(labels)
        listed = self._get("/containers/json", {"all": "1", **label_filter(labels)})
        return self.inspect_containers([entry["Id"] for entry in listed])

    def has_containers(self, labels: Mapping[str, str | None]) -> bool:
        if self.api is None:
            return super().has_containers(labels)
        return bool(self._get("/containers/json", {"all": "1", "limit": "1", **label_filter(labels)}))

    def inspect_containers(self, names: Sequence[str]) -> list[ContainerState]:
        if self.api is None:
            return super().inspect_containers(names)
        # One request per container costs well under a millisecond each on the local socket.
        records = [self._get(f"/containers/{quoted(name)}/json", missing_ok=True) for name in names]
        return [container_state(record) for record in records if record is not None]

    def list_networks(self, labels: Mapping[str, str | None]) -> list[str]:
        if self.api is None:
            return super().list_networks(labels)
        return [network["Name"] for network in self._get("/networks", label_filter(labels))]

    def list_volumes(self, labels: Mapping[str, str | None]) -> list[str]:
        if self.api is None:
            return super().list_volumes(labels)
        document = self._get("/volumes", label_filter(labels)) or {}
        return [volume["Name"] for volume in document.get("Volumes") or ()]

    def image_facts(self, reference: str) -> ImageFacts | None:
        if self.api is None:
            return super().image_facts(reference)
        record = self._get(f"/images/{quoted(reference)}/json", missing_ok=True)
        if record is None:
            return None
        labels = (record.get("Config") or {}).get("Labels") or {}
        return ImageFacts(normalize_image_id(record.get("Id", "")), dict(labels))

    # Creation over the socket, from the same specs the client's flags are built from.

    def run_container(self, spec: ContainerSpec) -> str:
        if self.api is None:
            return super().run_container(spec)
        container_id = self.create_container(spec)
        self._send("POST", f"/containers/{container_id}/start")
        return container_id

    def create_container(self, spec: ContainerSpec) -> str:
        if self.api is None:
            return super().create_container(spec)
        start_interval = version_numbers(self.engine_version or "") >= (25,)
        try:
            body = docker_requests.container_body(spec, start_interval=start_interval)
        except docker_requests.InvalidSetting as error:
            raise EngineError(["docker-api", "POST", "/containers/create"], 1, f"{spec.name}: {error}") from None
        query = {"name": spec.name} if spec.name else {}
        try:
            created = self._send("POST", "/containers/create", query, body)
        except EngineError as error:
            # The client pulls a missing image before it creates the container; so does crank.
            if "No such image" not in error.stderr:
                raise
            self.pull_image(spec.image)
            created = self._send("POST", "/containers/create", query, body)
        container_id = str(created["Id"])
        # The client connects extra networks after `run`; here they are connected before the start.
        for network in spec.networks[1:]:
            payload = {"Container": container_id, "EndpointConfig": docker_requests.endpoint(network)}
            self._send("POST", f"/networks/{quoted(network.name)}/connect", payload=payload)
        return container_id

    def create_network(self, name: str, labels: Mapping[str, str], options: Mapping[str, Any] | None = None) -> None:
        if self.api is None:
            return super().create_network(name, labels, options)
        self._send("POST", "/networks/create", payload=docker_requests.network_body(name, labels, options or {}))
        return None

    def create_volume(self, name: str, labels: Mapping[str, str], driver: str | None = None,
                      options: Mapping[str, str] | None = None) -> None:
        if self.api is None:
            return super().create_volume(name, labels, driver, options)
        self._send("POST", "/volumes/create", payload=docker_requests.volume_body(name, labels, driver, options))
        return None

    # Simple changes over the socket, one request per object, several at a time as the client does.

    def start_containers(self, names: Sequence[str]) -> None:
        if self.api is None:
            return super().start_containers(names)
        self._each("POST", "/containers/{}/start", names)
        return None

    def stop_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        if self.api is None:
            return super().stop_containers(names, timeout)
        self._each("POST", "/containers/{}/stop", names, _timeout_query(timeout))
        return None

    def restart_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        if self.api is None:
            return super().restart_containers(names, timeout)
        self._each("POST", "/containers/{}/restart", names, _timeout_query(timeout))
        return None

    def remove_containers(self, names: Sequence[str]) -> None:
        if self.api is None:
            return super().remove_containers(names)
        self._each("DELETE", "/containers/{}", names, {"force": "1", "v": "1"})
        return None

    def stop_and_remove(self, names: Sequence[str], timeout: int | None = None) -> None:
        if self.api is None:
            return super().stop_and_remove(names, timeout)

        def stop_then_remove(name: str) -> None:
            # Each container is removed as soon as it has stopped, not after the slowest one.
            self._send("POST", f"/containers/{quoted(name)}/stop", _timeout_query(timeout))
            self._send("DELETE", f"/containers/{quoted(name)}", {"force": "1", "v": "1"})

        _run_each(stop_then_remove, names)
        return None

    def remove_networks(self, names: Sequence[str]) -> None:
        if self.api is None:
            return super().remove_networks(names)
        self._each("DELETE", "/networks/{}", names)
        return None

    def remove_volumes(self, names: Sequence[str]) -> None:
        if self.api is None:
            return super().remove_volumes(names)
        self._each("DELETE", "/volumes/{}", names)
        return None

    def _each(self, method: str, path: str, names: Sequence[str], query: Mapping[str, str] | None = None) -> None:
        """Send one request per name, with the name in place of `{}` in `path`."""
        _run_each(lambda name: self._send(method, path.format(quoted(name)), query), names)

    def _send(self, method: str, path: str, query: Mapping[str, str] | None = None, payload: Any = None) -> Any:
        assert self.api is not None
        # The payload is not logged: it carries the container's environment, which may hold secrets.
        log.debug("%s: %s %s %s", method.lower(), self.api.address, path, dict(query or {}))
        try:
            return self.api.send(method, path, query, payload)
        except (OSError, ApiError, ValueError) as error:
            raise EngineError(["docker-api", method, path], 1, str(error)) from None

    def _get(self, path: str, query: Mapping[str, str] | None = None, *, missing_ok: bool = False) -> Any:
        """Send one GET to the socket; a failure becomes an `EngineError`, as a client's would."""
        assert self.api is not None
        log.debug("get: %s %s %s", self.api.address, path, dict(query or {}))
        try:
            return self.api.get_or_none(path, query) if missing_ok else self.api.get(path, query)
        except (OSError, ApiError, ValueError) as error:
            raise EngineError(["docker-api", "GET", path], 1, str(error)) from None


# How many requests of one batch go to the daemon at once.
PARALLEL_REQUESTS = 16


def _run_each(task: Callable[[str], object], names: Sequence[str]) -> None:
    """Run `task` for every name, several at a time; raise one error naming every failure."""
    if len(names) <= 1:
        for name in names:
            task(name)
        return
    errors: list[EngineError] = []

    def attempt(name: str) -> None:
        try:
            task(name)
        except EngineError as error:
            errors.append(error)

    with ThreadPoolExecutor(max_workers=min(PARALLEL_REQUESTS, len(names))) as pool:
        list(pool.map(attempt, names))
    if errors:
        raise EngineError(errors[0].argv, 1, "; ".join(error.stderr for error in errors))


def _timeout_query(timeout: int | None) -> dict[str, str]:
    return {} if timeout is None else {"t": str(timeout)}
