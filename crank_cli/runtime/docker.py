"""The Docker engine adapter."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from crank_cli import process, verbose
from crank_cli.errors import EngineError, EngineNotFoundError
from crank_cli.runtime import argv as build_argv
from crank_cli.runtime import docker_requests
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import version_numbers
from crank_cli.runtime.models import ContainerSpec, EngineInfo

# The hidden client command that copies its standard streams to and from a connection to the
# daemon. For ssh:// hosts the client runs it on the remote host, which therefore needs Docker
# 18.09 or later (docker/cli, cli/connhelper/connhelper.go).
DIAL_STDIO = ("system", "dial-stdio")


class DockerEngine(DockerCompatibleEngine):
    """Docker through its `docker` client.

    A client that prints its own version is not enough: the engine counts as usable only
    when the daemon responds too, which `docker version` shows in its `Server` part.
    """

    name = "docker"
    binary = "docker"
    host_variable = "DOCKER_HOST"
    engine_version: str | None = None

    @property
    def reports_pending_restarts(self) -> bool:
        # Docker 20.10 marks the container `restarting` before the restart delay begins.
        return True

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        return server.get("Version")

    def probe(self, *, fresh: bool = False) -> EngineInfo:
        info = super().probe(fresh=fresh)
        self.engine_version = info.version
        return info

    def start_interval_flags(self, seconds: float) -> list[str]:
        # Docker Engine 25.0 (API 1.44) added --health-start-interval; older engines reject it.
        if version_numbers(self.engine_version or "") < (25,):
            return []
        return ["--health-start-interval", f"{seconds:g}s"]

    # Entrypoints that `--entrypoint` cannot state exactly. docker compose sends a list
    # entrypoint whole to the API, but the client's flag sets a one-word list. These containers
    # are therefore created with the API request, which the client carries to its daemon.
    # NOTE: `run_attached` still uses `docker run`, whose `Config.Entrypoint` keeps only the
    # first word. The other words of a longer entrypoint go before the command, so the
    # container runs the same process, but `inspect` shows them as part of the command.

    def run_container(self, spec: ContainerSpec) -> str:
        if not self.needs_api(spec):
            return super().run_container(spec)
        container_id = self.create_through_api(spec)
        self.start_containers([container_id])
        return container_id

    def create_container(self, spec: ContainerSpec) -> str:
        if not self.needs_api(spec):
            return super().create_container(spec)
        return self.create_through_api(spec)

    def needs_api(self, spec: ContainerSpec) -> bool:
        """Tell whether the container is created with an API request rather than `docker run` flags.

        A fake or dry-run runner replaces the whole engine (see `make_backend`), so it gets
        the flags, which start the same process.
        """
        return not build_argv.entrypoint_fits_flag(spec.entrypoint) and self.runner is process.run

    def create_through_api(self, spec: ContainerSpec) -> str:
        """Create a container with the `POST /containers/create` body that the socket path sends.

        The extra networks are connected before the container starts, as docker compose does.
        """
        action = ["docker", "create", spec.name or spec.image]
        container_id = docker_requests.create_container(
            spec, lambda query, body: self.send_request(action, "POST", "/containers/create", query, body),
            self.pull_image, action=action, start_interval=version_numbers(self.engine_version or "") >= (25,),
            exec_healthcheck=self.runs_exec_healthchecks,
        )
        self.connect_extra_networks(spec)
        return container_id

    def send_request(self, action: list[str], method: str, path: str, query: Mapping[str, str],
                     payload: Any) -> Any:
        """Send one API request through `docker system dial-stdio` and return the decoded JSON response.

        A failure raises an `EngineError` named after the client command `action`.
        """
        from urllib.parse import urlencode

        target = path + (f"?{urlencode(query)}" if query else "")
        # The payload is not logged, because it contains the container's environment, which may contain secrets.
        verbose.debug("process", "%s through %s %s: %s", method.lower(), self.binary_path, " ".join(DIAL_STDIO), target)
        status, body, failure = _request_through_client([self.binary_path, *DIAL_STDIO], method, target,
                                                        json.dumps(payload).encode())
        if status is None:
            raise EngineError(action, 1, failure or "docker system dial-stdio ended without a response")
        if status >= 400:
            raise EngineError(action, 1, _error_message(body) or f"the daemon returned HTTP {status}")
        return json.loads(body) if body.strip() else None


def _request_through_client(command: list[str], method: str, target: str,
                            content: bytes) -> tuple[int | None, bytes, str]:
    """Send an HTTP request on the standard input of `command` and read the response from its output.

    Returns the status, the body and the command's error output. The status is None when no
    response arrived. The daemon closes the connection after an HTTP/1.0 response, which ends
    the command.
    """
    import http.client
    import subprocess

    request = (f"{method} {target} HTTP/1.0\r\nHost: docker\r\nUser-Agent: crank\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n").encode() + content
    try:
        # A process group of its own keeps the terminal's Ctrl-C from ending the request half-way.
        proxy = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 process_group=0)
    except FileNotFoundError:
        raise EngineNotFoundError(command[0]) from None
    with proxy:
        assert proxy.stdin is not None
        assert proxy.stdout is not None
        assert proxy.stderr is not None
        status: int | None = None
        body = b""
        try:
            proxy.stdin.write(request)
            proxy.stdin.flush()
            # Standard input stays open until the response is read. dial-stdio passes the end of
            # its input on as a half-closed connection, and Go's net/http server cancels the
            # context of a request when a read from its connection fails, EOF included.
            response = http.client.HTTPResponse(_PipeConnection(proxy.stdout), method=method)
            response.begin()
            status, body = response.status, response.read()
        except (http.client.HTTPException, ConnectionError):
            # The command ended without a full response, and its error output gives the reason.
            pass
        try:
            proxy.stdin.close()
        except BrokenPipeError:
            pass
        failure = proxy.stderr.read().decode(errors="replace")
        proxy.wait()
    return status, body, failure


class _PipeConnection:
    """A pipe's read end in place of the socket that `http.client.HTTPResponse` reads from."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def makefile(self, mode: str) -> IO[bytes]:
        return self.stream


def _error_message(body: bytes) -> str:
    """Return the `message` of the daemon's error response, or the body as text."""
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        return body.decode(errors="replace").strip()
