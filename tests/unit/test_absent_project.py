"""Verbs on a project that has no crank containers on the chosen engine, with the engines' clients faked as scripts on PATH."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from tests.unit.fakes import DOCKER_UP, PODMAN_UP

# A client that logs its arguments and reports a version. `ps` lists a container only for
# the label filters given in `listed`: `crank` for crank's project label, `foreign` for
# docker compose's. `container inspect` describes that one running container.
CLIENT = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
case "$1" in
  version) echo '{version}' ;;
  ps)
    case "$*" in
      *label=io.crank.project=shop*) [ -n "{crank}" ] && echo 4f2a ;;
      *label=com.docker.compose.project=shop*) [ -n "{foreign}" ] && echo 9c1d ;;
    esac ;;
  container) echo '{inspect}' ;;
esac
exit 0
"""

RECORD = json.dumps([{
    "Id": "9c1d", "Name": "/shop-web-1", "State": {"Status": "running"},
    "Config": {"Labels": {"io.crank.project": "shop", "io.crank.service": "web", "io.crank.replica": "1"}},
}])

VERBS = [["logs"], ["stop"], ["start"], ["restart"], ["exec", "-T", "web", "true"], ["run", "-T", "web", "true"]]


def install_client(folder: Path, name: str, log: Path, *, listed: str = "") -> None:
    version = DOCKER_UP if name == "docker" else PODMAN_UP
    script = folder / name
    script.write_text(CLIENT.format(log=log, version=version, inspect=RECORD,
                                    crank="yes" if listed == "crank" else "", foreign="yes" if listed == "foreign" else ""))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder `shop` with one service, run with runtime docker from the environment; return the client log."""
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    monkeypatch.chdir(folder)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    # A TCP address keeps crank off Docker's local socket, so it uses the fake client; nothing listens there.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "docker")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    (tmp_path / "bin").mkdir()
    return tmp_path / "calls.log"


def clients(log: Path, *, docker: str = "", podman: str = "") -> None:
    folder = log.parent / "bin"
    install_client(folder, "docker", log, listed=docker)
    install_client(folder, "podman", log, listed=podman)


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("verb", [*VERBS, ["up", "-d"]], ids=lambda verb: verb[0])
def test_foreign_project_rejected(verb: list[str], shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clients(shop, docker="foreign")

    code = run_cli(verb)

    error = capsys.readouterr().err
    assert code == 2
    assert "project shop was started by docker compose, not crank" in error
    assert f"`crank {verb[0]}` does not act on such a project" in error
    assert "`crank down --force`" in error
    assert not any(" create" in line or " run " in line for line in calls(shop))


# Without a compose file, `run web` runs an image named web, so it is left out here.
@pytest.mark.parametrize("verb", [verb for verb in VERBS if verb[0] != "run"], ids=lambda verb: verb[0])
def test_foreign_project_by_name(verb: list[str], shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop.parent / "shop" / "compose.yaml").unlink()
    clients(shop, docker="foreign")

    code = run_cli(["-p", "shop", *verb])

    assert code == 2
    assert "project shop was started by docker compose, not crank" in capsys.readouterr().err


@pytest.mark.parametrize("verb", [["events"], ["stats", "--no-stream"], ["attach", "web"]], ids=lambda verb: verb[0])
def test_foreign_project_by_name_in_another_projects_folder(verb: list[str], shop: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # The folder's compose file is read under the name -p gives, as docker compose does.
    elsewhere = shop.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    monkeypatch.chdir(elsewhere)
    clients(shop, docker="foreign")

    code = run_cli(["-p", "shop", *verb])

    assert code == 2
    assert f"project shop was started by docker compose, not crank; `crank {verb[0]}` does not act" in capsys.readouterr().err
    assert not any(" events" in line for line in calls(shop))


@pytest.mark.parametrize("verb", [*VERBS, ["down"]], ids=lambda verb: verb[0])
def test_project_on_other_engine_rejected(verb: list[str], shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clients(shop, podman="crank")

    code = run_cli(verb)

    error = capsys.readouterr().err
    assert code == 2
    assert "project shop has no containers on docker, the engine that CRANK_CONTAINER_RUNTIME in the environment chose" in error
    assert "it has containers on podman" in error
    assert f"`crank --runtime podman {verb[0]}`" in error
    assert "`crank migrate --to docker`" in error


def test_down_elsewhere_removes_nothing(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clients(shop, podman="crank")

    code = run_cli(["down"])

    assert code == 2
    assert not any(" rm" in line for line in calls(shop))


@pytest.mark.parametrize("verb", [["stop"], ["down"]], ids=lambda verb: verb[0])
def test_absent_project_still_succeeds(verb: list[str], shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clients(shop)

    code = run_cli(verb)

    assert code == 0
    assert "nothing" in capsys.readouterr().err


# `stop` is not here: it queries the other engines for the project's running containers, because
# `crank migrate SERVICE` can leave some of them there.
@pytest.mark.parametrize("verb", [["logs"], ["exec", "-T", "web", "true"]], ids=lambda verb: verb[0])
def test_present_project_checks_nothing_else(verb: list[str], shop: Path) -> None:
    clients(shop, docker="crank")

    run_cli(verb)

    assert not any(line.startswith("podman") for line in calls(shop))
    assert not any("com.docker.compose.project" in line for line in calls(shop))
