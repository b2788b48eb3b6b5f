"""`crank run IMAGE`: the pull of a missing image, with the engine client faked at the process boundary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from crank_cli.errors import EngineError, ImageError
from crank_cli.operations.run import ContainerOptions, RunOptions, prepare
from crank_cli.runtime.resolve import make_backend
from tests.unit.fakes import FakeRunner

MISSING = EngineError(["podman", "image", "inspect"], 125, "Error: localhost/tool:1: image not known")


class FakePull:
    """An attached engine command: records its argument list and exits with `code`, printing nothing."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.calls: list[list[str]] = []

    def __call__(self, argv: Sequence[str], **options: Any) -> int:
        self.calls.append(list(argv))
        return self.code


def test_prepare_pulls_missing_image() -> None:
    pull = FakePull(0)
    backend = make_backend("podman", FakeRunner({("podman", "image", "inspect"): MISSING}), pull)

    spec = prepare(backend, RunOptions("localhost/tool:1"))

    assert spec.image == "localhost/tool:1"
    assert pull.calls == [["podman", "pull", "localhost/tool:1"]]


def test_prepare_skips_pull_of_present_image() -> None:
    pull = FakePull(0)
    backend = make_backend("podman", FakeRunner({("podman", "image", "inspect"): "sha256:0123 {}"}), pull)

    prepare(backend, RunOptions("localhost/tool:1"))

    assert pull.calls == []


def test_prepare_failed_pull_names_image_and_fix() -> None:
    backend = make_backend("podman", FakeRunner({("podman", "image", "inspect"): MISSING}), FakePull(125))

    with pytest.raises(ImageError) as raised:
        prepare(backend, RunOptions("localhost/tool:1"))

    assert raised.value.exit_code == 1
    assert raised.value.message == (
        "image localhost/tool:1: not found on the engine, and its pull failed (the engine's output is above). "
        "Build or pull the image first, or correct its name. Check that the registry localhost is reachable "
        "and that the engine is logged in to it (`podman login localhost`)")


def test_dry_run_prepare_pulls_nothing(tmp_path: Path) -> None:
    pull = FakePull(0)
    runner = FakeRunner({("podman", "image", "inspect"): MISSING})
    folder = tmp_path / "made"
    options = RunOptions("localhost/tool:1", ContainerOptions(volumes=(f"{folder}:/data",), dry_run=True))

    prepare(make_backend("podman", runner, pull), options)

    assert pull.calls == []
    assert runner.calls == []
    assert not folder.exists()
