"""Read the one-shot output of `docker stats` and `podman stats` into `ContainerStats`.

Docker prints one JSON object per container with `--format '{{json .}}'`, and Podman 4.3 one
JSON list with `--format json`, under other key names. The values stay as each engine prints
them, with its own units: Docker's memory in KiB, MiB and GiB, Podman's in kB, MB and GB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from crank_cli.runtime.inspect import parse_json
from crank_cli.runtime.models import ContainerStats

# The arguments of a one-shot reading, before the container names.
DOCKER_ARGS = ("stats", "--no-stream", "--format", "{{json .}}")
PODMAN_ARGS = ("stats", "--no-stream", "--format", "json")
# The key of each `ContainerStats` field in each engine's output.
_DOCKER_KEYS = ("Name", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO", "PIDs")
_PODMAN_KEYS = ("name", "cpu_percent", "mem_usage", "mem_percent", "net_io", "block_io", "pids")


def docker_stats(argv: Sequence[str], output: str) -> list[ContainerStats]:
    """Return the readings of Docker's output, one JSON object per line."""
    records = [parse_json(argv, line) for line in output.splitlines() if line.strip()]
    return [_reading(record, _DOCKER_KEYS) for record in records]


def podman_stats(argv: Sequence[str], output: str) -> list[ContainerStats]:
    """Return the readings of Podman's output, one JSON list."""
    return [_reading(record, _PODMAN_KEYS) for record in parse_json(argv, output or "[]")]


def _reading(record: Mapping[str, Any], keys: Sequence[str]) -> ContainerStats:
    return ContainerStats(*(_text(record.get(key)) for key in keys))


def _text(value: Any) -> str:
    return "" if value is None else str(value)
