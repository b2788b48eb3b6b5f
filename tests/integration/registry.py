"""A registry that serves just enough of the registry HTTP API v2 to accept a push.

No registry is reachable from the machines the tests run on, so the live tests of `crank push`
push to this one, on 127.0.0.1 at an ephemeral port, in plain HTTP. It serves:

- `GET /v2/`, the ping;
- `HEAD` and `GET` of `/v2/NAME/blobs/DIGEST`;
- `POST /v2/NAME/blobs/uploads/` to start an upload (a `mount` request is answered as a new
  upload, and a `digest` with a body completes it at once);
- `PATCH` and `PUT ...?digest=DIGEST` of `/v2/NAME/blobs/uploads/UUID`, which check the digest;
- `HEAD`, `GET` and `PUT` of `/v2/NAME/manifests/REFERENCE`.

Everything is kept in memory. `manifests` maps (repository, tag) to the manifest pushed.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

_NAME = r"(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)"
_BLOB = re.compile(rf"^/v2/{_NAME}/blobs/(?P<digest>sha256:[0-9a-f]{{64}})$")
_UPLOADS = re.compile(rf"^/v2/{_NAME}/blobs/uploads/?$")
_UPLOAD = re.compile(rf"^/v2/{_NAME}/blobs/uploads/(?P<id>[0-9a-f-]+)$")
_MANIFEST = re.compile(rf"^/v2/{_NAME}/manifests/(?P<reference>[A-Za-z0-9_.:-]+)$")


class Manifest(NamedTuple):
    media_type: str
    body: bytes
    digest: str

    def document(self) -> Any:
        return json.loads(self.body)


class Registry:
    """The registry's state and its HTTP server, run on a thread until `stop`."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.uploads: dict[str, bytearray] = {}
        self.manifests: dict[tuple[str, str], Manifest] = {}
        # Each request as (method, path), for assertions and for reading a failure.
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> Registry:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def insecure_environ(engine: str, folder: Path, addresses: list[str]) -> dict[str, str]:
    """Return the environment that lets `engine` reach registries at `addresses` in plain HTTP.

    Docker treats registries on 127.0.0.0/8 as insecure by default. For Podman, a
    registries.conf written to `folder` marks the addresses insecure, and
    CONTAINERS_REGISTRIES_CONF names it.
    """
    if engine != "podman":
        return {}
    conf = folder / "registries.conf"
    conf.write_text("".join(f'[[registry]]\nlocation = "{address}"\ninsecure = true\n\n' for address in addresses))
    return {"CONTAINERS_REGISTRIES_CONF": str(conf)}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _handler(registry: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return None

        # Requests and responses

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return bytes(data)
                    data += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def answer(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"",
                   head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Docker-Distribution-API-Version", "registry/2.0")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if "Content-Length" not in (headers or {}):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and not head:
                self.wfile.write(body)

        def error(self, status: int, code: str, message: str) -> None:
            payload = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()
            self.answer(status, {"Content-Type": "application/json"}, payload)

        def route(self, method: str) -> None:
            path = urlsplit(self.path).path
            with registry.lock:
                registry.requests.append((method, path))
            data = self.body() if method in ("POST", "PATCH", "PUT") else b""
            if path in ("/v2", "/v2/"):
                self.answer(200, {"Content-Type": "application/json"}, b"{}", head=method == "HEAD")
                return
            for pattern, action in ((_BLOB, self.blob), (_UPLOADS, self.start_upload), (_UPLOAD, self.upload),
                                    (_MANIFEST, self.manifest)):
                match = pattern.match(path)
                if match:
                    action(method, match, data)
                    return
            self.error(404, "NAME_UNKNOWN", f"no route for {method} {path}")

        # Blobs

        def blob(self, method: str, match: re.Match[str], data: bytes) -> None:
            digest = match["digest"]
            content = registry.blobs.get(digest)
            if method not in ("HEAD", "GET"):
                self.error(405, "UNSUPPORTED", f"{method} of a blob")
            elif content is None:
                self.error(404, "BLOB_UNKNOWN", f"blob {digest} unknown")
            else:
                headers = {"Content-Length": str(len(content)), "Docker-Content-Digest": digest,
                           "Content-Type": "application/octet-stream"}
                self.answer(200, headers, content, head=method == "HEAD")

        def start_upload(self, method: str, match: re.Match[str], data: bytes) -> None:
            if method != "POST":
                self.error(405, "UNSUPPORTED", f"{method} of the uploads")
                return
            query = parse_qs(urlsplit(self.path).query)
            digest = (query.get("digest") or [None])[0]
            if digest is not None:
                self.complete_upload(match["name"], bytearray(data), digest)
                return
            upload = uuid.uuid4().hex
            with registry.lock:
                registry.uploads[upload] = bytearray(data)
            self.answer(202, self.upload_headers(match["name"], upload))

        def upload_headers(self, name: str, upload: str) -> dict[str, str]:
            size = len(registry.uploads[upload])
            return {"Location": f"/v2/{name}/blobs/uploads/{upload}", "Docker-Upload-UUID": upload,
                    "Range": f"0-{max(size - 1, 0)}"}

        def upload(self, method: str, match: re.Match[str], data: bytes) -> None:
            upload = match["id"]
            if upload not in registry.uploads:
                self.error(404, "BLOB_UPLOAD_UNKNOWN", f"upload {upload} unknown")
                return
            if method == "PATCH":
                registry.uploads[upload] += data
                self.answer(202, self.upload_headers(match["name"], upload))
            elif method == "PUT":
                digest = (parse_qs(urlsplit(self.path).query).get("digest") or [""])[0]
                content = registry.uploads.pop(upload) + data
                self.complete_upload(match["name"], content, digest)
            elif method == "GET":
                self.answer(204, self.upload_headers(match["name"], upload))
            elif method == "DELETE":
                registry.uploads.pop(upload, None)
                self.answer(204)
            else:
                self.error(405, "UNSUPPORTED", f"{method} of an upload")

        def complete_upload(self, name: str, content: bytearray, digest: str) -> None:
            actual = _digest(bytes(content))
            if digest != actual:
                self.error(400, "DIGEST_INVALID", f"digest {digest!r} does not match the content, {actual}")
                return
            with registry.lock:
                registry.blobs[digest] = bytes(content)
            self.answer(201, {"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest})

        # Manifests

        def manifest(self, method: str, match: re.Match[str], data: bytes) -> None:
            name, reference = match["name"], match["reference"]
            if method == "PUT":
                digest = _digest(data)
                media_type = self.headers.get("Content-Type", "")
                manifest = Manifest(media_type, data, digest)
                with registry.lock:
                    registry.manifests[(name, reference)] = manifest
                    registry.manifests[(name, digest)] = manifest
                self.answer(201, {"Location": f"/v2/{name}/manifests/{digest}", "Docker-Content-Digest": digest})
                return
            if method not in ("HEAD", "GET"):
                self.error(405, "UNSUPPORTED", f"{method} of a manifest")
                return
            found = registry.manifests.get((name, reference))
            if found is None:
                self.error(404, "MANIFEST_UNKNOWN", f"manifest {name}:{reference} unknown")
                return
            headers = {"Content-Type": found.media_type, "Docker-Content-Digest": found.digest,
                       "Content-Length": str(len(found.body))}
            self.answer(200, headers, found.body, head=method == "HEAD")

        def do_GET(self) -> None:  # noqa: N802
            self.route("GET")

        def do_HEAD(self) -> None:  # noqa: N802
            self.route("HEAD")

        def do_POST(self) -> None:  # noqa: N802
            self.route("POST")

        def do_PATCH(self) -> None:  # noqa: N802
            self.route("PATCH")

        def do_PUT(self) -> None:  # noqa: N802
            self.route("PUT")

        def do_DELETE(self) -> None:  # noqa: N802
            self.route("DELETE")

    return Handler
