"""`crank push`: which images it pushes, its messages and exit codes, with the engine faked at the process boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import EngineError, UsageError
from crank_cli.operations.push import PushTarget, push_plan, registry_of
from crank_cli.runtime.docker import DockerEngine
from crank_cli.runtime.nerdctl import ContainerdEngine
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fake_podman import FakePodman, fake_podman  # noqa: F401
from tests.unit.fakes import FakeRunner, enter_project, run_verb

REGISTRY = "registry.example:5000"
COMPOSE = f"""\
services:
  web:
    build:
      context: .
      tags: ["{REGISTRY}/shop/web:extra"]
    image: {REGISTRY}/shop/web:1.0
    depends_on: [api]
  api:
    build: .
    image: {REGISTRY}/shop/api:1.0
  local:
    build: .
  cache:
    image: {REGISTRY}/library/redis:7
  tool:
    build: .
    image: {REGISTRY}/shop/tool:1.0
    profiles: [tools]
"""
WEB, EXTRA, API, TOOL = (f"{REGISTRY}/shop/web:1.0", f"{REGISTRY}/shop/web:extra", f"{REGISTRY}/shop/api:1.0",
                         f"{REGISTRY}/shop/tool:1.0")
REFUSED = (f'Error: trying to reuse blob sha256:1234 at destination: pinging container registry {REGISTRY}: '
           f'Get "http://{REGISTRY}/v2/": dial tcp {REGISTRY}: connect: connection refused')


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_podman: FakePodman) -> FakePodman:  # noqa: F811
    """Enter project shop with the fake podman as its engine."""
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    folder = enter_project(tmp_path, monkeypatch, "shop", COMPOSE)
    (folder / "Dockerfile").write_text("FROM scratch\n")
    return fake_podman


def pushed(fake: FakePodman) -> list[str]:
    commands = fake.calls("push")
    assert all(len(command) == 2 for command in commands), commands
    return [command[1] for command in commands]


# Choosing the images


def test_plan_pushes_services_with_build_and_image_only(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}))

    plan = push_plan(project)

    assert plan.targets == [PushTarget("api", API, API), PushTarget("web", WEB, WEB), PushTarget("web", EXTRA, WEB)]
    assert plan.skipped == {"cache": "image not built by the project", "local": "no image name to push to"}


def test_plan_without_include_deps_leaves_dependencies_out(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}, services=("web",)))

    assert [target.reference for target in push_plan(project, ["web"]).targets] == [WEB, EXTRA]
    assert [target.reference for target in push_plan(project, ["web"], include_deps=True).targets] == [API, WEB, EXTRA]


def test_plan_pushes_shared_image_once(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(f"services:\n  a:\n    build: .\n    image: {API}\n"
                                           f"  b:\n    build: .\n    image: {API}\n")
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}))

    assert push_plan(project).targets == [PushTarget("a", API, API)]


def test_plan_rejects_unknown_service(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    project = load_project(LoadOptions(working_dir=tmp_path, environ={}))

    with pytest.raises(UsageError, match="no such service: nosuch"):
        push_plan(project, ["nosuch"])


@pytest.mark.parametrize(("reference", "registry"), [
    ("127.0.0.1:5000/a/b:1", "127.0.0.1:5000"), ("localhost/web", "localhost"), ("ghcr.io/org/web", "ghcr.io"),
    ("org/web:1", "docker.io"), ("redis", "docker.io"),
])
def test_registry_of(reference: str, registry: str) -> None:
    assert registry_of(reference) == registry


# The adapters


@pytest.mark.parametrize(("engine_class", "binary"), [(DockerEngine, "docker"), (PodmanEngine, "podman"),
                                                      (ContainerdEngine, "nerdctl")])
def test_each_adapter_pushes_with_one_argument_list(engine_class: type, binary: str) -> None:
    attached: list[list[str]] = []

    def attached_runner(argv, *, stdout=None, lines=None, sigterm_as=None) -> int:  # type: ignore[no-untyped-def]
        attached.append(list(argv))
        return 0

    engine = engine_class(runner=FakeRunner(), attached_runner=attached_runner)
    engine.push_image(API)
    engine.push_image(WEB, quiet=True)

    assert attached == [[binary, "push", API], [binary, "push", WEB]]
    assert engine.login_command(REGISTRY) == f"{binary} login {REGISTRY}"


def test_quiet_push_quotes_last_lines(capsys: pytest.CaptureFixture[str]) -> None:
    def attached_runner(argv, *, stdout=None, lines=None, sigterm_as=None) -> int:  # type: ignore[no-untyped-def]
        assert lines is not None
        for line in ("\x1b[1mThe push refers to repository [x]\x1b[0m", "denied: requested access to the resource is denied"):
            lines(line)
        return 1

    engine = DockerEngine(runner=FakeRunner(), attached_runner=attached_runner)
    with pytest.raises(EngineError) as raised:
        engine.push_image(API, quiet=True)

    assert raised.value.stderr == "The push refers to repository [x]\ndenied: requested access to the resource is denied"
    assert capsys.readouterr() == ("", "")


# The verb: the engine's output passes through to stderr, so it is captured at the file descriptors.


def test_push_pushes_built_images_in_order(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--progress", "plain", "push")

    assert code == 0, err
    assert pushed(shop) == [API, WEB, EXTRA]
    assert out == ""
    assert "service cache: skipped: image not built by the project" in err
    assert "service local: skipped: no image name to push to" in err
    assert f"image {WEB}: pushed" in err


def test_push_named_service_and_its_dependencies(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    assert run_verb(capfd, "push", "web")[0] == 0
    assert pushed(shop) == [WEB, EXTRA]
    shop.forget_calls()

    assert run_verb(capfd, "push", "--include-deps", "web")[0] == 0
    assert pushed(shop) == [API, WEB, EXTRA]


def test_push_of_a_profile_service(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    assert run_verb(capfd, "push")[0] == 0
    assert TOOL not in pushed(shop)
    shop.forget_calls()

    # Named, a service is pushed even when its profile is not enabled, as docker compose does.
    assert run_verb(capfd, "push", "tool")[0] == 0
    assert pushed(shop) == [TOOL]
    shop.forget_calls()

    assert run_verb(capfd, "--profile", "tools", "push")[0] == 0
    assert pushed(shop) == [API, TOOL, WEB, EXTRA]


def test_unknown_service_is_usage_error(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_verb(capfd, "push", "web", "nosuch")

    assert code == 2
    assert err.startswith("crank: error: no such service: nosuch (the project has ")
    assert shop.calls("push") == []


def test_nothing_to_push(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--progress", "plain", "push", "cache", "local")

    assert code == 0
    assert out == ""
    assert "service cache: skipped" in err
    assert err.endswith("no service has both a build section and an image; nothing to push\n")
    assert shop.calls("push") == []
    # With nothing to push, no engine is probed.
    assert shop.calls("version") == []


def test_failed_push_message(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], push_errors={API: REFUSED})

    code, out, err = run_verb(capfd, "--progress", "quiet", "push")

    assert code == 1
    assert pushed(shop) == [API]  # the first failure stops the push
    assert "Traceback" not in err
    assert err == (
        f"crank: error: service api: could not push image {API} ({REFUSED}). Check that the registry {REGISTRY} "
        f"is reachable and that the engine is logged in to it (`podman login {REGISTRY}`), or add "
        "--ignore-push-failures to push the other images anyway\n"
    )


def test_failed_push_after_engine_output(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], push_errors={API: REFUSED})

    code, _, err = run_verb(capfd, "--progress", "plain", "push", "api")

    assert code == 1
    # The engine wrote its output to stderr itself, so the message points at it.
    assert err.endswith(f"crank: error: service api: could not push image {API} (podman push failed; its output is "
                        f"above). Check that the registry {REGISTRY} is reachable and that the engine is logged in "
                        f"to it (`podman login {REGISTRY}`), or add --ignore-push-failures to push the other images "
                        "anyway\n")


def test_ignore_push_failures_continues(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], push_errors={API: REFUSED, EXTRA: "Error: denied"})

    code, _, err = run_verb(capfd, "--progress", "plain", "push", "--ignore-push-failures")

    assert code == 0
    assert pushed(shop) == [API, WEB, EXTRA]
    warnings = [line for line in err.splitlines() if line.startswith("crank: warning:")]
    assert warnings == [
        f"crank: warning: service api: could not push image {API} (podman push failed; its output is above). "
        f"Check that the registry {REGISTRY} is reachable and that the engine is logged in to it "
        f"(`podman login {REGISTRY}`)",
        f"crank: warning: service web: could not push image {EXTRA} (podman push failed; its output is above). "
        f"Check that the registry {REGISTRY} is reachable and that the engine is logged in to it "
        f"(`podman login {REGISTRY}`)",
    ]
    assert f"image {WEB}: pushed" in err


def test_push_of_missing_image(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], images=[WEB, EXTRA])

    code, _, err = run_verb(capfd, "--progress", "quiet", "push")

    assert code == 1
    assert err == (f"crank: error: service api: could not push image {API}: the engine has no image of that name. "
                   "Build it first with `crank build api`\n")


def test_push_of_missing_build_tag(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    shop.set_state([], images=[API, WEB])

    code, _, err = run_verb(capfd, "--progress", "quiet", "push", "web")

    assert code == 1
    assert err == (f"crank: error: service web: could not push image {EXTRA}: the engine has no image of that name. "
                   "Build it first with `crank build web`\n")


def test_quiet_prints_no_progress(shop: FakePodman, capfd: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verb(capfd, "--progress", "plain", "push", "-q")

    assert code == 0
    assert pushed(shop) == [API, WEB, EXTRA]
    assert (out, err) == ("", "")


@pytest.mark.parametrize("argv", [["push", "--dry-run"], ["--dry-run", "push"]], ids=["verb", "global"])
def test_dry_run_prints_the_push_commands(shop: FakePodman, capfd: pytest.CaptureFixture[str], argv: list[str]) -> None:
    shop.set_state([], push_errors={API: REFUSED})

    code, out, err = run_verb(capfd, "--progress", "plain", *argv)

    assert code == 0, err
    assert shop.calls("push") == []
    assert out.splitlines() == [f"podman push {API}", f"podman push {WEB}", f"podman push {EXTRA}"]
    assert f"image {API}: pushed (dry run)" in err


def test_global_options_reach_push(shop: FakePodman, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(f"services:\n  app:\n    build: {Path.cwd()}\n    image: ${{REGISTRY}}/other/app:${{TAG:-2}}\n")
    (tmp_path / "vars.env").write_text(f"REGISTRY={REGISTRY}\n")

    code, _, err = run_verb(capfd, "-f", str(other), "--env-file", str(tmp_path / "vars.env"), "-p", "renamed", "push")

    assert code == 0, err
    assert pushed(shop) == [f"{REGISTRY}/other/app:2"]
