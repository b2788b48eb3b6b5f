"""Generate the compose projects that the benchmark runs: N identical busybox services."""

from __future__ import annotations

from pathlib import Path

TEST_IMAGE = "localhost/crank-test-busybox:latest"
COMMAND = ("sleep", "3600")


def service_names(services: int) -> list[str]:
    """Return the service names of an N-service project: s01, s02, ..."""
    width = len(str(services))
    return [f"s{index:0{width}d}" for index in range(1, services + 1)]


def compose_text(services: int) -> str:
    """Return a compose file with N services, each running `sleep 3600` under an init process.

    `init: true` makes the engine start its init as PID 1, which forwards SIGTERM to sleep,
    so `down` does not wait for the stop timeout.
    """
    command = ", ".join(f'"{word}"' for word in COMMAND)
    lines = ["services:"]
    for name in service_names(services):
        lines += [
            f"  {name}:",
            f"    image: {TEST_IMAGE}",
            f"    command: [{command}]",
            "    init: true",
        ]
    return "\n".join(lines) + "\n"


def write_project(folder: Path, services: int) -> Path:
    """Write compose.yaml for an N-service project into a new folder and return the folder."""
    folder.mkdir(parents=True)
    (folder / "compose.yaml").write_text(compose_text(services))
    return folder
