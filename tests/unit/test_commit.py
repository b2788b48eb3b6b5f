"""`crank commit`: the container it picks, the engine command it runs, and how it reads --pause."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.errors import ExitCode
from crank_cli.runtime import argv
from crank_cli.runtime.models import CommitOptions
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fake_podman import FakePodman, container, fake_podman  # noqa: F401 - fake_podman is a fixture
from tests.unit.fakes import FakeRunner, enter_project

COMPOSE = "services:\n  web:\n    image: busybox\n  db:\n    image: busybox\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return enter_project(tmp_path, monkeypatch, "shop", COMPOSE)


def test_commit_flags_state_pause() -> None:
    options = CommitOptions("img:1", "me", "note", ("ENV A=1", "LABEL x=y"), pause=False)

    assert argv.commit_flags(options) == ["--author", "me", "--message", "note", "--change", "ENV A=1",
                                          "--change", "LABEL x=y", "--pause=false"]
    assert argv.commit_flags(CommitOptions()) == ["--pause=true"]


def test_podman_commit_message_uses_docker_format() -> None:
    runner = FakeRunner({("podman", "commit"): "Getting image source signatures\n" + "a" * 64 + "\n"})
    engine = PodmanEngine(runner=runner)

    image_id = engine.commit_container("shop-web-1", CommitOptions("img:1", message="note"))
    engine.commit_container("shop-web-1", CommitOptions())

    assert image_id == "a" * 64
    assert runner.calls == [
        ["podman", "commit", "--quiet", "--format", "docker", "--message", "note", "--pause=true", "shop-web-1", "img:1"],
        ["podman", "commit", "--quiet", "--pause=true", "shop-web-1"],
    ]


def test_commit_picks_lowest_running_replica(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1, state="exited"), container("shop", "web", 3),
                           container("shop", "web", 2, state="paused")])

    code = run_cli(["--progress", "plain", "commit", "-a", "me", "-c", "ENV A=1", "web", "img:1"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert fake_podman.calls("commit") == [
        ["commit", "--quiet", "--author", "me", "--change", "ENV A=1", "--pause=true", "shop-web-2", "img:1"]]
    assert captured.out == ""
    assert f"shop-web-2: committed as sha256:{'f' * 64}" in captured.err


@pytest.mark.parametrize(("words", "pause"), [
    (["--pause=false"], "--pause=false"),
    (["-p=false"], "--pause=false"),
    (["--pause=0"], "--pause=false"),
    (["--no-pause"], "--pause=false"),
    (["--no-pause", "--pause=True"], "--pause=true"),
    (["-p"], "--pause=true"),
    ([], "--pause=true"),
])
def test_commit_reads_pause_spellings(words: list[str], pause: str, fake_podman: FakePodman,  # noqa: F811
                                      shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["commit", *words, "web"])

    assert code == 0, capsys.readouterr().err
    assert fake_podman.calls("commit") == [["commit", "--quiet", pause, "shop-web-1"]]


def test_commit_invalid_pause_value(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["commit", "--pause=maybe", "web"])

    assert code == ExitCode.USAGE
    assert capsys.readouterr().err == ("crank: error: invalid --pause value 'maybe': use true or false; "
                                       "see 'crank commit --help'\n")
    assert fake_podman.calls("commit") == []


def test_commit_index_picks_replica(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1), container("shop", "web", 2)])

    code = run_cli(["commit", "--index", "2", "web"])

    assert code == 0, capsys.readouterr().err
    assert fake_podman.calls("commit") == [["commit", "--quiet", "--pause=true", "shop-web-2"]]


def test_commit_without_running_container(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1, state="exited"), container("shop", "db", 1)])

    stopped = run_cli(["commit", "web"])
    stopped_err = capsys.readouterr().err
    missing = run_cli(["commit", "--index", "4", "db"])
    missing_err = capsys.readouterr().err

    assert stopped == ExitCode.ENGINE_FAILED
    assert stopped_err == "crank: error: service web has no running container: start it with crank up\n"
    assert missing == ExitCode.ENGINE_FAILED
    assert missing_err == "crank: error: service db has no running container number 4: start it with crank up\n"
    assert fake_podman.calls("commit") == []


def test_commit_unknown_service(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["commit", "nosuch"])

    assert code == ExitCode.USAGE
    assert capsys.readouterr().err == "crank: error: no such service: nosuch (the project has db, web)\n"


def test_commit_dry_run_prints_command(fake_podman: FakePodman, shop: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_podman.set_state([container("shop", "web", 1)])

    code = run_cli(["--progress", "plain", "commit", "--dry-run", "-m", "note", "web", "img:1"])

    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.endswith("podman commit --quiet --format docker --message note --pause=true shop-web-1 img:1\n")
    assert "shop-web-1: committed (dry run)" in captured.err
    assert fake_podman.calls("commit") == []
