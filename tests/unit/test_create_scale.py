"""`crank create` and `crank scale`, which run `up` with --no-start or --scale, against a fake podman client."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.cli.scale import parse_counts
from crank_cli.errors import UsageError
from tests.unit.fake_podman import FakePodman, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = """\
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on: [db]
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def named(calls: list[list[str]]) -> list[str]:
    """Return the --name value of each create or run command."""
    return [args[args.index("--name") + 1] for args in calls]


def test_create_creates_without_starting(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["create"])

    assert code == 0, capsys.readouterr().err
    assert sorted(named(fake_podman.calls("create"))) == ["shop-db-1", "shop-web-1"]
    assert fake_podman.calls("run") == []
    assert fake_podman.calls("start") == []


def test_create_scale_makes_replicas(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["create", "--scale", "web=2", "web"])

    assert code == 0, capsys.readouterr().err
    assert sorted(named(fake_podman.calls("create"))) == ["shop-db-1", "shop-web-1", "shop-web-2"]


def test_create_rejects_both_recreate_flags(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["create", "--force-recreate", "--no-recreate"])

    assert code == 2
    assert capsys.readouterr().err == "crank: error: --force-recreate and --no-recreate cannot be used together\n"
    assert fake_podman.calls("create") == []


def up(fake_podman: FakePodman, *args: str) -> None:
    """Bring the project up through the fake client, then forget the commands that took."""
    assert run_cli(["up", "-d", *args]) == 0
    fake_podman.forget_calls()


def test_scale_adds_and_starts_replicas(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                        capsys: pytest.CaptureFixture[str]) -> None:
    up(fake_podman)

    code = run_cli(["scale", "web=3"])

    assert code == 0, capsys.readouterr().err
    assert named(fake_podman.calls("run")) == ["shop-web-2", "shop-web-3"]
    assert fake_podman.calls("create") == []
    assert fake_podman.calls("rm") == []


def test_scale_starts_created_containers(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["create"]) == 0
    fake_podman.forget_calls()

    code = run_cli(["scale", "web=1"])

    assert code == 0, capsys.readouterr().err
    started = sorted(name for args in fake_podman.calls("start") for name in args[1:])
    assert started == ["shop-db-1", "shop-web-1"]
    assert fake_podman.calls("run") == []


def test_scale_down_removes_highest(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    up(fake_podman, "--scale", "web=2")

    code = run_cli(["scale", "web=1"])

    assert code == 0, capsys.readouterr().err
    removed = [name for args in fake_podman.calls("rm") for name in args if name.startswith("shop-")]
    assert removed == ["shop-web-2"]
    assert fake_podman.calls("run") == []


def test_scale_no_deps_leaves_dependency(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["scale", "--no-deps", "web=1"])

    assert code == 0, capsys.readouterr().err
    assert named(fake_podman.calls("run")) == ["shop-web-1"]


def test_scale_unknown_service_is_usage_error(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["scale", "cache=2"])

    assert code == 2
    assert capsys.readouterr().err == "crank: error: no such service: cache (the project has db, web)\n"


def test_scale_of_named_container_rejected(fake_podman: FakePodman, tmp_path: Path,  # noqa: F811
                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    enter_project(tmp_path, monkeypatch, "shop", "services:\n  web:\n    image: busybox\n    container_name: shop-web\n")

    code = run_cli(["up", "-d", "--scale", "web=2"])

    assert code == 2
    assert capsys.readouterr().err == (
        "crank: error: --scale web=2: service web sets container_name 'shop-web', which names one container, "
        "so it cannot run 2; scale it to 1 or remove container_name from the compose file\n")
    assert fake_podman.calls("run") == []
    assert fake_podman.calls("create") == []


@pytest.mark.parametrize("word", ["web", "web=", "=2", "web=two", "web=-1"])
def test_parse_counts_rejects(word: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_counts([word])
    assert raised.value.message == (f"invalid scale value {word!r}: expected SERVICE=N with N a whole number, "
                                    "such as web=3")


def test_parse_counts_last_wins() -> None:
    assert parse_counts(["web=2", "db=0", "web=4"]) == {"web": 4, "db": 0}
