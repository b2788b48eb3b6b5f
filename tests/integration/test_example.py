"""The example stack, live on each engine, built offline from Dockerfile.universal."""

from __future__ import annotations

import json
import secrets
import time
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import Crank, Engine, free_port, required_engines

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "email-classifier"
BASE_IMAGE = "localhost/crank-python-base:bookworm"


def classify(port: int, subject: str, body: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/classify",
        data=json.dumps({"subject": subject, "body": body}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_example_stack_serves_and_worker_classifies(engine: Engine) -> None:
    if engine.client("image", "inspect", BASE_IMAGE, check=False).returncode != 0:
        message = f"{BASE_IMAGE} is missing on {engine.name}: run scripts/setup.sh base-image {engine.name}"
        if engine.name in required_engines():
            pytest.fail(message)
        pytest.skip(message)
    name = f"crank-example-{secrets.token_hex(3)}"
    port = free_port()
    crank = Crank(EXAMPLE, engine.name, name)
    env = {"CRANK_BASE_IMAGE": BASE_IMAGE, "CLASSIFIER_PORT": str(port), "WORKER_INTERVAL_SECONDS": "1"}
    try:
        started = crank("-p", name, "--env-file", str(EXAMPLE / ".env.example"), "up", "--wait", "--wait-timeout", "180", env=env)

        assert started.returncode == 0, started.stderr
        assert classify(port, "You won a prize", "Claim your free money now")["label"] == "spam"
        assert classify(port, "Meeting notes", "See the notes attached for our meeting")["label"] == "ham"
        status = json.loads(crank("-p", name, "--env-file", str(EXAMPLE / ".env.example"), "status", "--format", "json", env=env).stdout)
        assert {row["service"]: row["health"] for row in status} == {"classifier": "healthy", "worker": None}
        time.sleep(3)
        logs = engine.client("logs", f"{name}-worker-1").stdout + engine.client("logs", f"{name}-worker-1").stderr
        assert "spam" in logs or "ham" in logs
    finally:
        crank("-p", name, "--env-file", str(EXAMPLE / ".env.example"), "down", "-v", "--rmi", "local", env=env)
        engine.remove_project(name)
