"""`down --rmi` with and without a compose file, against Podman's client faked at the process boundary."""

from __future__ import annotations

import json
from pathlib import Path

from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import EngineError
from crank_cli.operations import labels
from crank_cli.operations.down import DownOptions, down
from crank_cli.operations.events import NoEvents
from crank_cli.operations.image_removal import LOCAL_WITHOUT_FILE
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

IDS = {"localhost/demo-api:latest": "a" * 64, "localhost/shared:1": "b" * 64, "localhost/broken:2": "c" * 64,
       "demo-web": "d" * 64}


def listed(name: str, service: str, image: str, *, project: str = "demo") -> dict[str, object]:
    """One container as Podman 4.3's `ps --all --format json` lists it."""
    container_labels = {labels.PROJECT: project, labels.SERVICE: service, labels.IMAGE: image}
    return {"Id": f"id-{name}", "Names": [name], "Image": image, "ImageID": IDS[image], "State": "exited",
            "Status": "Exited (0) 1 second ago", "ExitCode": 0, "Labels": container_labels}


class Podman:
    """Podman's replies for project demo, one container of another project, and the images in `ids`."""

    def __init__(self) -> None:
        self.ids = dict(IDS)
        self.project = [listed("demo-api-1", "api", "localhost/demo-api:latest"),
                        listed("demo-cache-1", "cache", "localhost/shared:1"),
                        listed("demo-queue-1", "queue", "localhost/broken:2"),
                        listed("demo-web-1", "web", "demo-web")]
        self.other = listed("other-cache-1", "cache", "localhost/shared:1", project="other")
        self.runner = FakeRunner({
            ("podman", "ps"): self.listing,
            ("podman", "image", "inspect"): self.inspect_image,
            ("podman", "rmi"): self.remove_image,
        })

    def listing(self, argv: list[str]) -> str:
        # Only the listing of the whole engine has no label filter.
        return json.dumps(self.project if "--filter" in argv else [*self.project, self.other])

    def inspect_image(self, argv: list[str]) -> str:
        if argv[-1] not in self.ids:
            raise EngineError(argv, 125, f"Error: {argv[-1]}: image not known")
        return f"{self.ids[argv[-1]]} null"

    def remove_image(self, argv: list[str]) -> str:
        if argv[2] == "localhost/broken:2":
            raise EngineError(argv, 2, "Error: image is in use by a pod infra container")
        return f"Untagged: {argv[2]}"

    def removed_images(self) -> list[str]:
        return [name for call in self.runner.calls if call[1] == "rmi" for name in call[2:]]


def test_rmi_all_without_file_uses_labels() -> None:
    engine = Podman()

    result = down(None, "demo", PodmanEngine(runner=engine.runner), DownOptions(remove_images="all"), NoEvents())

    assert engine.removed_images() == ["demo-web", "localhost/broken:2", "localhost/demo-api:latest"]
    assert result.images == ["demo-web", "localhost/demo-api:latest"]
    assert result.warnings == [
        "image localhost/broken:2 was not removed: podman rmi localhost/broken:2 ... failed: "
        "Error: image is in use by a pod infra container",
        "kept image localhost/shared:1, because other containers use it: other-cache-1",
    ]


def test_rmi_all_skips_missing_image() -> None:
    engine = Podman()
    del engine.ids["demo-web"]

    result = down(None, "demo", PodmanEngine(runner=engine.runner), DownOptions(remove_images="all"), NoEvents())

    assert "demo-web" not in engine.removed_images()
    assert result.images == ["localhost/demo-api:latest"]


def test_rmi_local_without_file_removes_none() -> None:
    engine = Podman()

    result = down(None, "demo", PodmanEngine(runner=engine.runner), DownOptions(remove_images="local"), NoEvents())

    assert engine.removed_images() == []
    assert result.images == []
    assert result.warnings == [LOCAL_WITHOUT_FILE]


def test_rmi_local_with_file_keeps_used_image(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  api: {image: localhost/demo-api:latest}\n"
        "  cache: {build: .}\n"
        "  queue: {image: localhost/broken:2}\n"
        "  web: {build: .}\n"
    )
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))
    engine = Podman()
    # demo-cache is the same image as localhost/shared:1, which the other project's container uses.
    engine.ids["demo-cache"] = IDS["localhost/shared:1"]
    engine.project[1] = listed("demo-cache-1", "cache", "localhost/shared:1")
    engine.project[1]["Labels"][labels.IMAGE] = "demo-cache"

    result = down(project, "demo", PodmanEngine(runner=engine.runner), DownOptions(remove_images="local"), NoEvents())

    assert engine.removed_images() == ["demo-web"]
    assert result.images == ["demo-web"]
    assert result.warnings == ["kept image demo-cache, because other containers use it: other-cache-1"]
