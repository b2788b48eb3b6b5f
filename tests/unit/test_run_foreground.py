"""A foreground `crank run`: the error of a container that was not created or did not start."""

from __future__ import annotations

import pytest

from crank_cli.errors import ExitCode
from crank_cli.operations.foreground import start_failure, start_failure_code, started
from crank_cli.runtime.models import ContainerSpec, ContainerState

SPEC = ContainerSpec(name="shop-web-run-1a2b", image="localhost/web", labels={"io.crank.service": "web"})
SOURCE = "services.web.ports"


@pytest.mark.parametrize(("stderr", "address"), [
    pytest.param("docker: Error response from daemon: driver failed programming external connectivity on endpoint "
                 "shop-web-run-1a2b (0123): Error starting userland proxy: listen tcp4 127.0.0.1:23451: bind: "
                 "address already in use.\n\nRun 'docker run --help' for more information\n",
                 "127.0.0.1:23451", id="docker-listener"),
    pytest.param("docker: Error response from daemon: driver failed programming external connectivity on endpoint "
                 "x (0123): Bind for 0.0.0.0:8080 failed: port is already allocated.\n", "0.0.0.0:8080",
                 id="docker-container"),
    pytest.param("failed to connect to syslog: Initialization\nError: cannot listen on the TCP port: "
                 "listen tcp4 127.0.0.1:23451: bind: address already in use\n", "127.0.0.1:23451", id="podman"),
    pytest.param("Error: cannot listen on the TCP port: listen tcp6 [::1]:9000: bind: address already in use\n",
                 "[::1]:9000", id="ipv6"),
])
def test_taken_port_message(stderr: str, address: str) -> None:
    message = start_failure(SPEC, stderr, SOURCE)

    assert message == (f"service web: cannot start the one-off container because host port {address} is already "
                       "in use: stop what listens there, or publish another host port in services.web.ports")


def test_other_failure_message_quotes_engine() -> None:
    stderr = "docker: Error response from daemon: Conflict. The container name is in use.\n\nRun 'docker run --help'\n"

    message = start_failure(SPEC, stderr, SOURCE)

    assert message == ("service web: cannot start the one-off container: "
                       "docker: Error response from daemon: Conflict. The container name is in use.")


def test_failure_without_engine_text() -> None:
    assert start_failure(SPEC, "", SOURCE) == "service web: cannot start the one-off container: the engine gave no reason"


@pytest.mark.parametrize(("started_at", "expected"), [
    ("0001-01-01T00:00:00Z", False),
    ("0001-01-01 00:00:00 +0000 UTC", False),
    (None, False),
    ("", False),
    ("2026-12-05T22:35:04.123456789Z", True),
])
def test_started_reads_start_time(started_at: str | None, expected: bool) -> None:
    state = ContainerState(id="c1", name="shop-web-run-1a2b", image="localhost/web", state="exited", health=None,
                           labels={}, ports=(), started_at=started_at)

    assert started(state) is expected


@pytest.mark.parametrize(("stderr", "expected"), [
    pytest.param('docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create '
                 'failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown.',
                 ExitCode.COMMAND_NOT_FOUND, id="docker-not-found"),
    pytest.param('Error: runc: runc create failed: unable to start container process: exec: "nope": executable file not '
                 'found in $PATH: OCI runtime attempted to invoke a command that was not found',
                 ExitCode.COMMAND_NOT_FOUND, id="podman-not-found"),
    pytest.param('exec: "/missing/tool": stat /missing/tool: no such file or directory: unknown',
                 ExitCode.COMMAND_NOT_FOUND, id="missing-path"),
    pytest.param('exec: "/etc": permission denied: unknown', ExitCode.COMMAND_NOT_EXECUTABLE, id="not-executable"),
    pytest.param("Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:23451: bind: address already in use",
                 ExitCode.ENGINE_FAILED, id="taken-port"),
])
def test_start_failure_exit_code(stderr: str, expected: ExitCode) -> None:
    assert start_failure_code(stderr) is expected


IMAGE_SPEC = ContainerSpec(name="", image="localhost/tool:1")


def test_image_taken_port_message() -> None:
    stderr = "Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:23451: bind: address already in use\n"

    message = start_failure(IMAGE_SPEC, stderr, "the --publish value")

    assert message == ("image localhost/tool:1: cannot start the container because host port 127.0.0.1:23451 is "
                       "already in use: stop what listens there, or publish another host port in the --publish value")


def test_image_other_failure_message() -> None:
    stderr = "Error: unable to find user nobody2: no matching entries in passwd file\n"

    message = start_failure(IMAGE_SPEC, stderr, "the --publish value")

    assert message == ("image localhost/tool:1: cannot start the container: "
                       "Error: unable to find user nobody2: no matching entries in passwd file")
