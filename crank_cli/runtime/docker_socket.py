"""Requests to a local Docker daemon over its API socket, without starting a `docker` process.

Starting the `docker` client costs 15 to 30 ms per command, against well under a millisecond
for the same request on the daemon's Unix socket. crank therefore sends its queries and the
creation, start, stop and removal of containers, networks and volumes straight to the socket
when the daemon is local. Builds, pulls, logs and attached commands stay with the client.

The socket is used only where the client would use it too: `DOCKER_HOST` unset or a
`unix://` address, and no Docker context other than the default chosen. Anything else
(SSH or TCP addresses, TLS, contexts) goes through the client, which handles those.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

DEFAULT_SOCKET = "/var/run/docker.sock"
NOT_FOUND = 404
_RECEIVE_BYTES = 1 << 16


class SocketUnreachable(ConnectionError):
    """The daemon's socket does not accept connections."""


class ApiError(Exception):
    """The daemon returned an error status for a request."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class DockerSocket:
    """Send requests to a Docker daemon's Unix socket and decode the JSON responses."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"DockerSocket({self.path!r})"

    @property
    def address(self) -> str:
        return f"unix://{self.path}"

    def get(self, path: str, query: Mapping[str, str] | None = None, *, timeout: float | None = None) -> Any:
        """Return the decoded JSON of `GET path`; raise `ApiError` for an error status."""
        return self.send("GET", path, query, timeout=timeout)

    def send(self, method: str, path: str, query: Mapping[str, str] | None = None, payload: Any = None, *,
             timeout: float | None = None) -> Any:
        """Send a request, with `payload` as its JSON body if given; return the decoded JSON response or None.

        Without `timeout` the request waits as long as the daemon takes, as the client does: a
        stop waits out the container's own stop timeout, whatever its length.
        """
        target = path + (f"?{urlencode(query)}" if query else "")
        content = b"" if payload is None else json.dumps(payload).encode()
        status, body = self._request(method, target, content, timeout)
        if status >= 400:
            raise ApiError(status, _error_message(body))
        return json.loads(body) if body.strip() else None

    def _request(self, method: str, target: str, content: bytes, timeout: float | None) -> tuple[int, bytes]:
        # HTTP/1.0 makes the daemon send the whole body and close, so no chunked decoding.
        headers = f"{method} {target} HTTP/1.0\r\nHost: docker\r\nUser-Agent: crank\r\n"
        if method != "GET":
            headers += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        request = headers.encode() + b"\r\n" + content
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            try:
                connection.connect(self.path)
            except PermissionError:
                raise SocketUnreachable(f"permission denied while connecting to the Docker daemon at {self.address}: "
                                        "run crank as a user of the docker group, or as root") from None
            except OSError as error:
                raise SocketUnreachable(f"Cannot connect to the Docker daemon at {self.address}: "
                                        f"{error.strerror or error}. Is the docker daemon running?") from None
            connection.sendall(request)
            chunks = _receive_all(connection)
        return _parse_response(b"".join(chunks))


def _receive_all(connection: socket.socket) -> list[bytes]:
    """Read the response until the daemon closes the connection, then raise any Ctrl-C that came meanwhile.

    Waiting for the response keeps crank from going on, to an undo for example, while a stop
    it sent may still be under way.
    """
    chunks: list[bytes] = []
    interrupted = False
    while True:
        try:
            chunk = connection.recv(_RECEIVE_BYTES)
        except KeyboardInterrupt:
            interrupted = True
            continue
        if not chunk:
            break
        chunks.append(chunk)
    if interrupted:
        raise KeyboardInterrupt
    return chunks


def label_filter(labels: Mapping[str, str | None]) -> dict[str, str]:
    """Return the `filters` query that matches every label (any value where None)."""
    matches = [key if value is None else f"{key}={value}" for key, value in labels.items()]
    return {"filters": json.dumps({"label": matches})} if matches else {}


def quoted(name: str) -> str:
    """Quote an object name or image reference for use as one segment of a request path."""
    return quote(name, safe="")


def from_environment(environ: Mapping[str, str] = os.environ) -> DockerSocket | None:
    """Return the local daemon's socket the `docker` client would use, or None if not local."""
    host = environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return None
    if _context_chosen(environ):
        return None
    return DockerSocket(host.removeprefix("unix://") or DEFAULT_SOCKET)


def _context_chosen(environ: Mapping[str, str]) -> bool:
    """Tell whether a Docker context other than `default` is selected."""
    context = environ.get("DOCKER_CONTEXT")
    if context is None:
        folder = environ.get("DOCKER_CONFIG") or str(Path.home() / ".docker")
        try:
            context = json.loads(Path(folder, "config.json").read_text()).get("currentContext")
        except (OSError, ValueError, AttributeError):
            context = None
    return context not in (None, "", "default")


def _parse_response(raw: bytes) -> tuple[int, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise ApiError(0, f"invalid response from the daemon: {raw[:80]!r}")
    return int(status_line[1]), body


def _error_message(body: bytes) -> str:
    try:
        return str(json.loads(body).get("message", ""))
    except (ValueError, AttributeError):
        return body.decode(errors="replace").strip()
