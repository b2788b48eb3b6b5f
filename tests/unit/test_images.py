"""`crank images`: rows, JSON, IDs and engine calls, with a fake `podman` client on PATH."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crank_cli.errors import ExitCode
from crank_cli.operations.images import split_reference
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.docker_socket import DockerSocket
from crank_cli.runtime.models import ImageDetails
from tests.unit.fakes import PODMAN_UP, FakeRunner, enter_podman_project, run_verb
from tests.unit.test_docker_socket import FakeDaemon

BUSYBOX_ID = "b" * 64
WEB_ID = "a" * 64
GONE_ID = "f" * 64
CREATED = (datetime.now(timezone.utc) - timedelta(days=10)).isoformat().replace("+00:00", "Z")


def listed(name: str, service: str, image: str, image_id: str, state: str = "running") -> dict[str, object]:
    """Return a container as Podman 4.3's `ps --all --format json` lists it."""
    labels = {"io.crank.project": "demo", "io.crank.service": service, "io.crank.replica": name[-1],
              "io.crank.image": image}
    return {"Id": name, "Names": [name], "Image": image, "ImageID": image_id, "State": state, "Status": "",
            "ExitCode": 0, "Ports": None, "Labels": labels}


# Two replicas of worker share one image. web's image no longer carries the tag 1.0 that the
# service names, only 0.9, and db's image is gone from the engine.
CONTAINERS = [
    listed("demo-worker-2", "worker", "busybox", BUSYBOX_ID),
    listed("demo-web-1", "web", "localhost/web:1.0", WEB_ID, state="exited"),
    listed("demo-worker-1", "worker", "busybox", BUSYBOX_ID),
    listed("demo-db-1", "db", "docker.io/library/postgres:16", GONE_ID),
]
# The shape of Podman 4.3's `image inspect` records, keys that crank does not read left out.
IMAGES = {
    BUSYBOX_ID: {"Id": BUSYBOX_ID, "RepoTags": ["docker.io/library/busybox:latest"], "Created": CREATED,
                 "Architecture": "amd64", "Os": "linux", "Size": 4_269_056},
    WEB_ID: {"Id": WEB_ID, "RepoTags": ["localhost/web:0.9"], "Created": CREATED,
             "Architecture": "arm64", "Os": "linux", "Variant": "v8", "Size": 812},
}
# Logs its arguments. `image inspect` prints the records it has and fails for the others, as podman does.
CLIENT = """#!{python}
import json, sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
images = {images!r}
if sys.argv[1] == "version":
    print({version!r})
elif sys.argv[1] == "ps":
    crank_query = any(word.startswith("label=io.crank.project") for word in sys.argv)
    print({listed!r} if crank_query else "[]")
elif sys.argv[1:3] == ["image", "inspect"]:
    found = [json.loads(images[name]) for name in sys.argv[3:] if name in images]
    print(json.dumps(found))
    for name in sys.argv[3:]:
        if name not in images:
            print(f"Error: {{name}}: image not known", file=sys.stderr)
            sys.exit(125)
"""


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Install the fake podman and enter the folder of project demo; return the call log."""
    log = tmp_path / "calls.log"
    images = {key: json.dumps(value) for key, value in IMAGES.items()}
    script = CLIENT.format(python=sys.executable, log=str(log), version=PODMAN_UP,
                           listed=json.dumps(CONTAINERS), images=images)
    compose = ("services:\n  web:\n    image: localhost/web:1.0\n  worker:\n    image: busybox\n"
               "  db:\n    image: postgres:16\n  idle:\n    image: busybox\n")
    enter_podman_project(tmp_path, monkeypatch, script, compose)
    return log


def images(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_verb(capsys, "images", *argv)


def test_images_table_rows(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = images(capsys)

    assert code == 0, err
    rows = [line.split() for line in out.splitlines()]
    assert rows[0] == ["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE", "ID", "SIZE", "CREATED"]
    assert rows[1] == ["demo-db-1", "postgres", "16", "-", "ffffffffffff", "-", "N/A"]
    assert rows[2] == ["demo-web-1", "localhost/web", "0.9", "linux/arm64/v8", "aaaaaaaaaaaa", "812B", "10", "days", "ago"]
    assert rows[3] == ["demo-worker-1", "busybox", "latest", "linux/amd64", "bbbbbbbbbbbb", "4.27MB", "10", "days", "ago"]
    assert rows[4][0] == "demo-worker-2"
    assert len(rows) == 5


def test_images_inspects_once_per_project(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert images(capsys)[0] == 0

    inspects = [line for line in calls.read_text().splitlines() if line.startswith("image inspect")]
    assert inspects == [f"image inspect {BUSYBOX_ID} {WEB_ID} {GONE_ID}"]


def test_images_json_document(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = images(capsys, "--format", "json", "worker", "db")

    assert code == 0, err
    document = json.loads(out)
    assert document["schema"] == 1
    assert document["images"] == [
        {"container": "demo-db-1", "service": "db", "repository": "postgres", "tag": "16", "platform": "",
         "id": GONE_ID, "size": None, "created": None, "last_tagged": None},
        {"container": "demo-worker-1", "service": "worker", "repository": "busybox", "tag": "latest",
         "platform": "linux/amd64", "id": BUSYBOX_ID, "size": 4_269_056, "created": CREATED,
         "last_tagged": None},
        {"container": "demo-worker-2", "service": "worker", "repository": "busybox", "tag": "latest",
         "platform": "linux/amd64", "id": BUSYBOX_ID, "size": 4_269_056, "created": CREATED,
         "last_tagged": None},
    ]


def test_images_quiet_prints_each_id_once(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = images(capsys, "-q", "--format", "json")

    assert code == 0, err
    assert out == f"{GONE_ID}\n{WEB_ID}\n{BUSYBOX_ID}\n"


def test_images_service_without_containers(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = images(capsys, "idle")

    assert code == 0, err
    assert out.splitlines() == ["CONTAINER  REPOSITORY  TAG  PLATFORM  IMAGE ID  SIZE  CREATED"]


def test_images_unknown_service_as_json(calls: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = images(capsys, "--format", "json", "nosuch")

    assert code == ExitCode.USAGE
    assert json.loads(out) == {"schema": 1, "error": "usage",
                               "message": "no such service: nosuch (the project has db, idle, web, worker)"}


@pytest.mark.parametrize(("reference", "expected"), [
    ("busybox", ("busybox", "latest")),
    ("docker.io/library/busybox:1.36", ("busybox", "1.36")),
    ("docker.io/bitnami/redis:7", ("bitnami/redis", "7")),
    ("localhost/crank-test-busybox:latest", ("localhost/crank-test-busybox", "latest")),
    ("localhost:5000/team/app", ("localhost:5000/team/app", "latest")),
    ("ghcr.io/team/app@sha256:" + "c" * 64, ("ghcr.io/team/app", "")),
    ("ghcr.io/team/app:2@sha256:" + "c" * 64, ("ghcr.io/team/app", "2")),
    ("sha256:" + "c" * 64, None),
])
def test_split_reference_short_names(reference: str, expected: tuple[str, str] | None) -> None:
    assert split_reference(reference) == expected


def test_socket_inspects_each_image_once(tmp_path: Path) -> None:
    # The shape of Docker 20.10's `GET /images/{id}/json`, keys that crank does not read left out.
    record = {"Id": f"sha256:{BUSYBOX_ID}", "RepoTags": ["busybox:latest"], "Created": CREATED,
              "Architecture": "amd64", "Os": "linux", "Size": 1_985_472,
              "Metadata": {"LastTagTime": "2026-12-05T09:33:57.067742588Z"}}
    never_tagged = {"Id": f"sha256:{WEB_ID}", "RepoTags": [], "Created": CREATED, "Architecture": "amd64",
                    "Os": "linux", "Size": 10, "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}}
    daemon = FakeDaemon(tmp_path / "docker.sock", {f"/images/{BUSYBOX_ID}/json": (200, record),
                                                   f"/images/{WEB_ID}/json": (200, never_tagged)})
    runner = FakeRunner({})
    engine = LocalDockerEngine(DockerSocket(str(tmp_path / "docker.sock")), runner=runner)
    try:
        found = engine.inspect_images([BUSYBOX_ID, GONE_ID, BUSYBOX_ID, WEB_ID])
    finally:
        daemon.close()

    assert found == [
        ImageDetails(BUSYBOX_ID, ("busybox:latest",), 1_985_472, CREATED, "2026-12-05T09:33:57.067742588Z",
                     "linux/amd64"),
        ImageDetails(WEB_ID, (), 10, CREATED, None, "linux/amd64"),
    ]
    assert daemon.requests == [f"/images/{BUSYBOX_ID}/json", f"/images/{GONE_ID}/json", f"/images/{WEB_ID}/json"]
    assert runner.calls == []
