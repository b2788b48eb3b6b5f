"""status on a paused container: it keeps its ports, as in docker compose ps."""

from __future__ import annotations

import json

from crank_cli.operations.status import status
from crank_cli.runtime.models import EngineInfo
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner


def listed(name: str, state: str, ports: list[dict[str, object]]) -> dict[str, object]:
    """Return an entry of Podman 4.3's `ps --all --format json` for a container of project demo."""
    labels = {"io.crank.project": "demo", "io.crank.service": name.split("-")[1]}
    return {"Id": f"id-{name}", "Names": [name], "Image": "busybox", "State": state, "Labels": labels, "Ports": ports}


def test_status_paused_keeps_ports() -> None:
    port = {"host_ip": "127.0.0.1", "container_port": 80, "host_port": 8080, "range": 1, "protocol": "tcp"}
    runner = FakeRunner({("podman", "ps"): json.dumps([listed("demo-web-1", "paused", [port]),
                                                       listed("demo-db-1", "exited", [port])])})

    rows = status([(PodmanEngine(runner=runner), EngineInfo("podman", usable=True))], "demo")

    assert [(row.container, row.state, row.ports) for row in rows] == [
        ("demo-db-1", "exited", ()), ("demo-web-1", "paused", ("127.0.0.1:8080->80/tcp",))]
