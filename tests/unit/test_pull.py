"""`crank pull`: which images it pulls, its options, messages and exit codes, with the engine faked at the process boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import EngineError
from crank_cli.operations.pull import PullChoices, pull_plan
from crank_cli.runtime.docker import DockerEngine
from tests.unit.fake_podman import FakePodman, fake_podman  # noqa: F401
from tests.unit.fakes import FakeRunner, enter_project, run_verb

REGISTRY = "registry.example:5000"
WEB, DB, CACHE, TOOL = (f"{REGISTRY}/shop/web:1.0", f"{REGISTRY}/shop/db:2", f"{REGISTRY}/shop/cache:latest",
                        f"{REGISTRY}/shop/tool:1")
COMPOSE = f"""\
services:
  web:
    image: {WEB}
    depends_on: [db]
  db:
    image: {DB}
    pull_policy: missing
  cache:
    image: {CACHE}
    pull_policy: missing
  app:
    build: .
    image: {TOOL}
  local:
    build: .
  frozen:
    image: {REGISTRY}/shop/frozen:1
    pull_policy: never
"""
REFUSED = f'Error: initializing source docker://{WEB}: pinging container registry {REGISTRY}: connection refused'


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_podman: FakePodman) -> FakePodman:  # noqa: F811
    """Enter project shop with the fake podman as its engine, which has no image yet."""
    folder = enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    (folder / "Dockerfile").write_text("FROM scratch\n")
    fake_podman.set_state([], images=[])
    return fake_podman


def pulled(fake: FakePodman) -> list[str]:
    commands = fake.calls("pull")
    assert all(len(command) == 2 for command in commands), commands
    return [command[1] for command in commands]


def plan(tmp_path: Path, choices: PullChoices, present: set[str]) -> tuple[list[str], dict[str, str]]:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}))
    found = pull_plan(project, choices, lambda reference: reference in present)
    return [target.reference for target in found.targets], found.skipped


# Choosing the images


def test_plan_follows_each_pull_policy(tmp_path: Path) -> None:
    references, skipped = plan(tmp_path, PullChoices(), present={DB, CACHE, WEB})

    # db is present and its policy is missing; cache is present too, but a latest tag is pulled anyway.
    assert references == [TOOL, CACHE, WEB]
    assert skipped == {"db": "image is already present", "frozen": "pull_policy never", "local": "no image to pull"}


@pytest.mark.parametrize(("policy", "expected"), [("always", [TOOL, CACHE, DB, f"{REGISTRY}/shop/frozen:1", WEB]),
                                                  ("missing", [TOOL, CACHE])])
def test_plan_policy_overrides_pull_policy(tmp_path: Path, policy: str, expected: list[str]) -> None:
    references, _ = plan(tmp_path, PullChoices(policy=policy), present={DB, WEB, f"{REGISTRY}/shop/frozen:1"})

    assert references == expected


def test_plan_include_deps_and_ignore_buildable(tmp_path: Path) -> None:
    assert plan(tmp_path, PullChoices(("web",)), present=set())[0] == [WEB]
    assert plan(tmp_path, PullChoices(("web",), include_deps=True), present=set())[0] == [DB, WEB]
    references, skipped = plan(tmp_path, PullChoices(("app", "web"), ignore_buildable=True), present=set())
    assert references == [WEB]
    assert skipped == {"app": "the image is built (--ignore-buildable)"}


# The adapter


def test_quiet_pull_drops_output_and_quotes_last_lines(capsys: pytest.CaptureFixture[str]) -> None:
    attached: list[list[str]] = []

    def attached_runner(argv, *, stdout=None, lines=None, sigterm_as=None) -> int:  # type: ignore[no-untyped-def]
        attached.append(list(argv))
        assert lines is not None
        for line in ("\x1b[1mTrying to pull\x1b[0m", "Error: connection refused"):
            lines(line)
        return 125

    engine = DockerEngine(runner=FakeRunner(), attached_runner=attached_runner)
    with pytest.raises(EngineError) as raised:
        engine.pull_image(WEB, quiet=True)

    assert attached == [["docker", "pull", WEB]]
    assert raised.value.stderr == "Trying to pull\nError: connection refused"
    assert capsys.readouterr() == ("", "")


# The verb: the engine's output passes through to stderr, so it is captured at the file descriptors.


def test_pull_pulls_by_policy(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--progress", "plain", "pull")

    assert code == 0, err
    assert pulled(shop) == [TOOL, CACHE, DB, WEB]
    assert out == ""
    assert "service frozen: skipped: pull_policy never" in err
    assert f"image {WEB}: pulled" in err


def test_pull_include_deps(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    assert run_verb(capfd, "pull", "web")[0] == 0
    assert pulled(shop) == [WEB]
    shop.forget_calls()

    assert run_verb(capfd, "pull", "--include-deps", "web")[0] == 0
    assert pulled(shop) == [DB, WEB]


def test_pull_policy_option(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], images=[DB, WEB])

    assert run_verb(capfd, "pull", "--policy", "missing", "web", "db")[0] == 0
    assert pulled(shop) == []

    assert run_verb(capfd, "pull", "--policy", "always", "web", "db")[0] == 0
    assert pulled(shop) == [DB, WEB]


def test_invalid_policy_is_usage_error(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "pull", "--policy", "sometimes")

    assert code == 2
    assert out == ""
    assert err == "crank: error: invalid --policy value 'sometimes': expected missing or always\n"
    assert pulled(shop) == []


def test_failed_pull_stops_with_message(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], images=[], pull_errors={CACHE: REFUSED})

    code, _, err = run_verb(capfd, "--progress", "quiet", "pull", "-q")

    assert code == 1
    assert pulled(shop) == [TOOL, CACHE]  # the first failure stops the pull
    assert err == (f"crank: error: service cache: could not pull image {CACHE} ({REFUSED}). Check that the registry "
                   f"{REGISTRY} is reachable and that the engine is logged in to it (`podman login {REGISTRY}`), or "
                   "add --ignore-pull-failures to pull the other images anyway\n")


def test_ignore_pull_failures_continues(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], images=[], pull_errors={CACHE: REFUSED, WEB: REFUSED})

    code, out, err = run_verb(capfd, "pull", "-q", "--ignore-pull-failures")

    assert code == 0
    assert out == ""
    assert pulled(shop) == [TOOL, CACHE, DB, WEB]
    assert err.splitlines() == [
        f"crank: warning: service {service}: could not pull image {reference} ({REFUSED}). Check that the registry "
        f"{REGISTRY} is reachable and that the engine is logged in to it (`podman login {REGISTRY}`)"
        for service, reference in (("cache", CACHE), ("web", WEB))
    ]


def test_quiet_prints_no_progress(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--progress", "plain", "pull", "-q")

    assert code == 0
    assert pulled(shop) == [TOOL, CACHE, DB, WEB]
    assert (out, err) == ("", "")
