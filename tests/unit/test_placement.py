"""The check that keeps a fresh `up` from starting a second copy of a project on another engine."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from crank_cli.errors import NoUsableEngineError, UsageError
from crank_cli.operations.labels import container_filter
from crank_cli.runtime.models import EngineInfo
from crank_cli.runtime.placement import check_new_project_engine, engines_with_named_containers
from crank_cli.runtime.resolve import Resolution, make_backend
from crank_cli.settings import Settings, load_settings
from tests.unit.fakes import DOCKER_DAEMON_DOWN, DOCKER_UP, PODMAN_UP, FakeRunner

LABELS = container_filter("shop")
PODMAN_DOWN_INFO = EngineInfo("podman", usable=False, reason="cannot connect to Podman")


def chosen(name: str, runner: FakeRunner, rejected: tuple[EngineInfo, ...] = ()) -> Resolution:
    info = EngineInfo(name, usable=True, version="1.0")
    return Resolution(make_backend(name, runner), info, "test", rejected)


def flag_settings(runtime: str) -> Settings:
    return load_settings(runtime_flag=runtime, environ={}, file_values={})


def dotenv_settings(runtime: str) -> Settings:
    return load_settings(runtime_flag=None, environ={}, file_values={"CRANK_CONTAINER_RUNTIME": runtime})


def environment_settings(runtime: str) -> Settings:
    return load_settings(runtime_flag=None, environ={"CRANK_CONTAINER_RUNTIME": runtime}, file_values={})


def installed_clients(monkeypatch: pytest.MonkeyPatch, folder: Path, *names: str) -> None:
    """Put executable files with the clients' names alone on PATH, so `shutil.which` finds only them."""
    for name in names:
        client = folder / name
        client.write_text("#!/bin/sh\nexit 1\n")
        client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(folder))


def test_project_on_other_engine_rejected() -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps", "--all", "--quiet"): "4f2a\n",
                         ("podman", "ps", "--all", "--format"): "[]"})

    with pytest.raises(UsageError) as raised:
        check_new_project_engine("shop", LABELS, environment_settings("docker"), chosen("docker", runner), runner=runner)

    message = raised.value.message
    assert message.startswith("project shop already has containers on podman, so crank does not create it on docker")
    assert "`crank migrate --to docker`" in message
    assert "`crank --runtime podman down`" in message
    assert raised.value.exit_code == 2


def test_project_queried_by_labels() -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): ""})

    check_new_project_engine("shop", LABELS, flag_settings("docker"), chosen("docker", runner), runner=runner)

    # The query for crank's containers runs beside the one for docker compose's, in either order.
    listing = next(call for call in runner.calls if call[:2] == ["podman", "ps"] and "--quiet" in call)
    assert "label=io.crank.project=shop" in listing
    assert "label=io.crank.service" in listing


def test_chosen_engine_not_queried_again() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_UP, ("docker", "ps"): "", ("podman", "version"): PODMAN_UP})

    check_new_project_engine("shop", LABELS, flag_settings("podman"), chosen("podman", runner), runner=runner)

    assert [call for call in runner.calls if call[0] == "podman"] == []
    # One query for crank's containers, then one for those of docker compose and podman-compose.
    assert [call[:2] for call in runner.calls if call[1] == "ps"] == [["docker", "ps"], ["docker", "ps"]]


def test_unusable_other_engine_not_queried() -> None:
    runner = FakeRunner({("docker", "version"): DOCKER_DAEMON_DOWN, ("docker", "ps"): "9c1b\n"})

    check_new_project_engine("shop", LABELS, flag_settings("podman"), chosen("podman", runner), runner=runner)

    assert [call[:2] for call in runner.calls if call[0] == "docker"] == [["docker", "version"]]


def podman_listing(labels: dict[str, str]) -> str:
    """Return `podman ps --format json` output with one running container that has these labels."""
    return json.dumps([{"Id": "4f2a", "Names": ["shop_web_1"], "State": "running", "Labels": labels}])


def test_auto_asks_only_for_other_tools() -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): "[]"})
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner)

    listings = [call for call in runner.calls if call[:2] == ["podman", "ps"]]
    assert len(listings) == 1
    assert "label=com.docker.compose.project=shop" in listings[0]


@pytest.mark.parametrize(("labels", "tool"), [
    ({"com.docker.compose.project": "shop"}, "docker compose"),
    ({"com.docker.compose.project": "shop", "io.podman.compose.project": "shop"}, "podman-compose"),
], ids=["docker-compose", "podman-compose"])
def test_other_tool_project_rejected(labels: dict[str, str], tool: str) -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): podman_listing(labels)})
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    with pytest.raises(UsageError) as raised:
        check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner)

    message = raised.value.message
    assert message.startswith(f"project shop already runs on podman, started by {tool}, so crank does not create it on docker")
    assert "`crank migrate --from podman --to docker`" in message
    assert raised.value.exit_code == 2


def test_rejected_engine_not_probed_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed_clients(monkeypatch, tmp_path, "docker")
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): ""})

    check_new_project_engine("shop", LABELS, environment_settings("podman"),
                             chosen("docker", runner, rejected=(PODMAN_DOWN_INFO,)), runner=runner)

    assert [call for call in runner.calls if call[0] == "podman"] == []


@pytest.mark.parametrize("settings", [dotenv_settings("podman"), flag_settings("podman")], ids=[".env", "flag"])
def test_fallback_from_installed_named_engine_rejected(settings: Settings, monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    installed_clients(monkeypatch, tmp_path, "docker", "podman")
    runner = FakeRunner()

    with pytest.raises(NoUsableEngineError) as raised:
        check_new_project_engine("shop", LABELS, settings, chosen("docker", runner, rejected=(PODMAN_DOWN_INFO,)),
                                 runner=runner)

    message = raised.value.message
    assert message.startswith(f"podman ({settings.runtime.source}) is not usable: cannot connect to Podman.")
    assert "crank cannot see whether project shop already runs on podman" in message
    assert "`crank --runtime docker up`" in message
    assert raised.value.exit_code == 4
    assert runner.calls == []


def test_fallback_from_environment_allowed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed_clients(monkeypatch, tmp_path, "docker", "podman")
    runner = FakeRunner()

    check_new_project_engine("shop", LABELS, environment_settings("podman"),
                             chosen("docker", runner, rejected=(PODMAN_DOWN_INFO,)), runner=runner)


def test_fallback_from_missing_client_allowed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed_clients(monkeypatch, tmp_path, "docker")
    missing = EngineInfo("podman", usable=False, reason="podman not found on PATH")

    runner = FakeRunner()

    check_new_project_engine("shop", LABELS, dotenv_settings("podman"), chosen("docker", runner, rejected=(missing,)),
                             runner=runner)

    assert [call for call in runner.calls if call[0] == "podman"] == []


SOLO_ON_PODMAN = '[{"Id": "7646b811", "Name": "/enginefix-solo", "State": {"Status": "running"}}]'


def test_named_container_found_on_podman() -> None:
    runner = FakeRunner({
        ("docker", "version"): DOCKER_UP,
        ("docker", "container", "inspect"): "[]",
        ("podman", "version"): PODMAN_UP,
        ("podman", "container", "inspect"): SOLO_ON_PODMAN,
    })

    found = engines_with_named_containers(["enginefix-solo", "enginefix-gone"], skip={"docker"}, runner=runner)

    assert [(resolution.info.name, names) for resolution, names in found] == [("podman", ["enginefix-solo"])]
    assert [call[:2] for call in runner.calls if call[0] == "docker"] == []


def test_named_container_found_by_id_prefix() -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "container", "inspect"): SOLO_ON_PODMAN})

    found = engines_with_named_containers(["7646"], skip={"docker"}, runner=runner)

    assert [(resolution.info.name, names) for resolution, names in found] == [("podman", ["7646"])]


def test_named_container_missing_everywhere() -> None:
    runner = FakeRunner({
        ("docker", "version"): DOCKER_UP,
        ("docker", "container", "inspect"): "[]",
        ("podman", "version"): PODMAN_UP,
        ("podman", "container", "inspect"): "[]",
    })

    assert engines_with_named_containers(["enginefix-gone"], skip=(), runner=runner) == []


def volumes_on_podman() -> FakeRunner:
    """Return engines where podman has the project's volume shop_data and no container of it."""
    return FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps", "--all", "--quiet"): "",
                       ("podman", "ps", "--all", "--format"): "[]", ("podman", "volume", "ls"): "shop_data\n",
                       ("docker", "volume", "ls"): ""})


def test_auto_rejects_up_beside_volumes_elsewhere() -> None:
    runner = volumes_on_podman()
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    with pytest.raises(UsageError) as raised:
        check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner)

    message = raised.value.message
    assert message.startswith("project shop has no containers, but its volumes shop_data are on podman, so this up "
                               "on docker would start with new, empty volumes")
    assert "`crank --runtime podman up`" in message
    assert "`crank --runtime docker up`" in message
    assert raised.value.exit_code == 2


def test_named_engine_warns_about_volumes_elsewhere() -> None:
    runner = volumes_on_podman()

    warnings = check_new_project_engine("shop", LABELS, flag_settings("docker"), chosen("docker", runner), runner=runner)

    assert len(warnings) == 1
    assert "so this up on docker starts with new, empty volumes" in warnings[0]


def test_volumes_on_chosen_engine_too_accepted() -> None:
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): "[]",
                         ("podman", "volume", "ls"): "shop_data\n", ("docker", "volume", "ls"): "shop_data\n"})
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    assert check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner) == []


def test_volumes_created_meanwhile_not_counted() -> None:
    # `up` creates shop_data on docker while the check runs, so docker lists it by then.
    runner = FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps"): "[]",
                         ("podman", "volume", "ls"): "shop_data\n", ("docker", "volume", "ls"): "shop_data\n"})
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    with pytest.raises(UsageError, match="would start with new, empty volumes"):
        check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner,
                                 existing_volumes=set())


def both_engines_have_volumes() -> FakeRunner:
    return FakeRunner({("podman", "version"): PODMAN_UP, ("podman", "ps", "--all", "--quiet"): "",
                       ("podman", "ps", "--all", "--format"): "[]", ("podman", "volume", "ls"): "shop_data\n"})


def test_auto_rejects_older_copies_after_migration() -> None:
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    with pytest.raises(UsageError) as raised:
        check_new_project_engine("shop", LABELS, settings, chosen("docker", both_engines_have_volumes()),
                                 runner=both_engines_have_volumes(), existing_volumes={"shop_data"}, moved_to="podman")

    message = raised.value.message
    assert message.startswith("project shop has no containers, and its last migration moved it to podman")
    assert "starts with the older copies that the migration left on docker" in message
    assert "`crank --runtime podman up`" in message
    assert "`crank --runtime docker up` to use the older copies" in message


def test_named_engine_warns_about_older_copies() -> None:
    runner = both_engines_have_volumes()

    warnings = check_new_project_engine("shop", LABELS, flag_settings("docker"), chosen("docker", runner),
                                        runner=runner, existing_volumes={"shop_data"}, moved_to="podman")

    assert len(warnings) == 1
    assert "starts with the older copies" in warnings[0]


def test_volumes_on_both_without_migration_accepted() -> None:
    runner = both_engines_have_volumes()
    settings = load_settings(runtime_flag=None, environ={}, file_values={})

    found = check_new_project_engine("shop", LABELS, settings, chosen("docker", runner), runner=runner,
                                     existing_volumes={"shop_data"}, moved_to="docker")

    assert found == []
