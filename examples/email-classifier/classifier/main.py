"""HTTP API of the email classifier, on Python's standard library only.

    POST /classify  {"subject": "...", "body": "..."}  ->  200 {"label", "score", ...}
    GET  /health                                       ->  200 {"status": "ok"}

Settings come from the environment: PORT (default 8080) and LOG_LEVEL (default INFO).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import rules

MAX_REQUEST_BYTES = 64 * 1024

log = logging.getLogger("classifier")


class RequestError(Exception):
    """A request that the API rejects, with the HTTP status to send."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def parse_email(raw: bytes) -> tuple[str, str]:
    """Return (subject, body) from a JSON request body, or raise RequestError.

    Both fields are optional strings, but at least one of them must be present.
    """
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"invalid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise RequestError(HTTPStatus.BAD_REQUEST, "expected a JSON object with subject and body")
    if "subject" not in payload and "body" not in payload:
        raise RequestError(HTTPStatus.BAD_REQUEST, "missing subject and body")

    fields = []
    for name in ("subject", "body"):
        value = payload.get(name, "")
        if not isinstance(value, str):
            raise RequestError(HTTPStatus.BAD_REQUEST, f"invalid {name}: expected a string")
        fields.append(value)
    return fields[0], fields[1]


class Handler(BaseHTTPRequestHandler):
    server_version = "email-classifier/1.0"

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send_json(HTTPStatus.OK, {"status": "ok"})
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"not found: GET {self.path}")

    def do_POST(self) -> None:
        if self.path != "/classify":
            self._send_error(HTTPStatus.NOT_FOUND, f"not found: POST {self.path}")
            return
        try:
            subject, body = parse_email(self._read_body())
        except RequestError as exc:
            log.warning("rejected POST /classify from %s: %s", self.client_address[0], exc)
            self._send_error(exc.status, str(exc))
            return

        result = rules.classify(subject, body)
        log.info("classified subject=%r label=%s score=%.3f", subject[:60], result.label, result.score)
        self._send_json(HTTPStatus.OK, result.to_json())

    def _read_body(self) -> bytes:
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "missing Content-Length header")
        try:
            length = int(length_header)
        except ValueError as exc:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"invalid Content-Length {length_header!r}") from exc
        if length < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"invalid Content-Length {length_header!r}")
        if length > MAX_REQUEST_BYTES:
            # The unread body would be parsed as the next request, so the connection closes.
            self.close_connection = True
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body of {length} bytes is over the limit of {MAX_REQUEST_BYTES}",
            )
        return self.rfile.read(length)

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        self._send_json(status, {"error": message})

    def _send_json(self, status: HTTPStatus, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base class name
        log.debug("%s %s", self.client_address[0], format % args)


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def stop_on_sigterm(signum: int, frame: object) -> None:
    # The kernel skips SIGTERM's default action for a container's PID 1, so without this
    # handler the engine's stop would wait for its timeout and then kill the server.
    raise SystemExit(0)


def main() -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    port = int(os.environ.get("PORT", "8080"))
    server = make_server("0.0.0.0", port)
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    log.info("listening on port %d", port)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        log.info("stopping")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
