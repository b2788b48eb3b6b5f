"""`crank cp`: reading the two paths, choosing the containers, and the engine's `cp` commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import UsageError
from crank_cli.operations.copy import (
    CopyOptions,
    CopyPath,
    NoServiceContainerError,
    copy_targets,
    plan_copy,
    split_copy_path,
)
from crank_cli.runtime.inspect import listed_container_state
from tests.unit.fake_podman import FakePodman, container, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import enter_project

COMPOSE = "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n"


@pytest.mark.parametrize(("word", "expected"), [
    ("web:/etc/hosts", CopyPath("web", "/etc/hosts")),
    ("web:relative/file", CopyPath("web", "relative/file")),
    ("/abs/web:file", CopyPath(None, "/abs/web:file")),
    ("./name:with-colon", CopyPath(None, "./name:with-colon")),
    ("local.txt", CopyPath(None, "local.txt")),
    ("-", CopyPath(None, "-")),
    ("web:", CopyPath("web", "")),
])
def test_split_copy_path(word: str, expected: CopyPath) -> None:
    assert split_copy_path(word) == expected


@pytest.mark.parametrize(("source", "destination", "message"), [
    ("web:/a", "db:/b", "cannot copy from service web to service db: copy to a local path first, then from it"),
    ("a.txt", "b.txt", "neither 'a.txt' nor 'b.txt' names a service: write SERVICE:PATH as the source or the destination"),
    ("", "web:/b", "the source path is empty: write SERVICE:PATH on one side and a local path on the other"),
    ("web:/a", "", "the destination path is empty: write SERVICE:PATH on one side and a local path on the other"),
    ("a.txt", "web:", "'web:' names service web but no path: write web:PATH, such as web:/tmp"),
])
def test_plan_copy_rejects(source: str, destination: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        plan_copy(source, destination)
    assert raised.value.message == message


def states(*entries: dict[str, object]):  # type: ignore[no-untyped-def]
    return [listed_container_state(entry) for entry in entries]


SCALED = states(container("shop", "web", 2), container("shop", "web", 1, state="exited"),
                container("shop", "web", None, one_off=True))


def names(chosen) -> list[str]:  # type: ignore[no-untyped-def]
    return [state.name for state in chosen]


def test_copy_from_service_reads_first_replica() -> None:
    plan = plan_copy("web:/etc/hosts", "out")

    assert names(copy_targets(SCALED, plan, CopyOptions("web:/etc/hosts", "out"))) == ["shop-web-1"]


def test_copy_to_service_writes_every_replica() -> None:
    plan = plan_copy("in", "web:/tmp")

    assert names(copy_targets(SCALED, plan, CopyOptions("in", "web:/tmp"))) == ["shop-web-1", "shop-web-2"]


def test_copy_all_adds_one_offs_last() -> None:
    plan = plan_copy("in", "web:/tmp")
    options = CopyOptions("in", "web:/tmp", include_one_offs=True)

    assert names(copy_targets(SCALED, plan, options)) == ["shop-web-1", "shop-web-2", "shop-web-run-1a2b"]


def test_copy_index_picks_one_replica() -> None:
    plan = plan_copy("in", "web:/tmp")

    assert names(copy_targets(SCALED, plan, CopyOptions("in", "web:/tmp", index=2))) == ["shop-web-2"]


def test_copy_missing_index_names_replicas() -> None:
    plan = plan_copy("web:/a", "out")

    with pytest.raises(NoServiceContainerError) as raised:
        copy_targets(SCALED, plan, CopyOptions("web:/a", "out", index=3))

    assert raised.value.message == "service web has no container number 3 (it has 1, 2)"
    assert raised.value.exit_code == 1


def test_copy_only_one_offs_hints_all() -> None:
    plan = plan_copy("web:/a", "out")
    one_off = states(container("shop", "web", None, one_off=True))

    with pytest.raises(NoServiceContainerError) as raised:
        copy_targets(one_off, plan, CopyOptions("web:/a", "out"))

    assert raised.value.message == ("no container found for service web: create one with crank up or crank create; "
                                    "crank cp --all includes the containers of crank run")


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def test_cp_from_service_runs_engine_cp(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                        capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "web", 2), container("shop", "db", 1)])

    code = run_cli(["--progress", "plain", "cp", "web:/etc/hosts", "./copy:of-hosts"])

    assert code == 0, capsys.readouterr().err
    assert fake_podman.calls("cp") == [["cp", "shop-web-1:/etc/hosts", f"{shop}/./copy:of-hosts"]]
    err = capsys.readouterr().err
    assert "shop-web-1: copying shop-web-1:/etc/hosts to ./copy:of-hosts" in err
    assert "shop-web-1: copied" in err


def test_cp_to_service_with_flags(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                  capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "web", 2)])

    code = run_cli(["cp", "-a", "-L", "data/", "web:/srv"])

    assert code == 0, capsys.readouterr().err
    assert fake_podman.calls("cp") == [
        ["cp", *PODMAN_FLAGS, f"{shop}/data/", "shop-web-1:/srv"],
        ["cp", *PODMAN_FLAGS, f"{shop}/data/", "shop-web-2:/srv"],
    ]


# What -a and -L become on Podman's `cp`, which always follows a symbolic link at the source.
PODMAN_FLAGS = ["--archive=false"]


def test_cp_unknown_service_is_usage_error(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["cp", "cache:/a", "out"])

    assert code == 2
    assert capsys.readouterr().err == "crank: error: no such service: cache (the project has db, web)\n"
    assert fake_podman.calls("cp") == []


def test_cp_without_containers_fails(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                     capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "db", 1)])

    code = run_cli(["cp", "web:/a", "out"])

    assert code == 1
    assert capsys.readouterr().err == ("crank: error: no container found for service web: "
                                       "create one with crank up or crank create\n")


def test_cp_engine_failure_names_command(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)], cp_error='Error: "/nope" could not be found on container')

    code = run_cli(["cp", "web:/nope", "out"])

    assert code == 1
    assert capsys.readouterr().err.splitlines()[-1] == ('crank: error: podman cp shop-web-1:/nope ... failed: '
                                                        'Error: "/nope" could not be found on container')
