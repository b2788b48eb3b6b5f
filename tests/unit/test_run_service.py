"""`crank run SERVICE`: the one-off container's spec, and the engine commands, with the client faked on PATH."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from crank_cli.cli import run_cli
from crank_cli.compose import LoadOptions, load_project
from crank_cli.errors import InvalidProjectError, UsageError
from crank_cli.operations import labels, resources
from crank_cli.operations.run import ContainerOptions
from crank_cli.operations.run_service import ServiceRunOptions, one_off_spec
from crank_cli.runtime.models import Mount, PortMapping
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner

COMPOSE = """\
name: shop
services:
  db:
    image: localhost/db
  web:
    image: localhost/web
    container_name: fixed-web
    command: ["serve"]
    entrypoint: ["/init"]
    environment: {MODE: prod, KEEP: yes}
    ports: ["8080:80"]
    restart: always
    user: www
    working_dir: /srv
    labels: {team: blue}
    networks:
      back: {aliases: [shop-web]}
    depends_on: [db]
  tool:
    image: localhost/tool
    profiles: [debug]
  audit:
    image: localhost/audit
    profiles: [debug]
    depends_on: [helper]
  helper:
    image: localhost/helper
    profiles: [debug]
networks:
  back: {}
"""

# A podman client that logs its arguments, has every image, no containers and no networks,
# reports each inspected container as running, prints an ID for a detached `run`, and from a
# foreground one writes the ID c1 to the `--cidfile` file and exits with 3.
CLIENT = """#!/bin/sh
echo "$*" >> "{log}"
case "$1" in
  version) echo '{{"Client":{{"Version":"4.3.1"}}}}' ;;
  image) echo 'sha256:0123 {{}}' ;;
  container) echo '[{{"Id":"c1","Name":"'"$3"'","State":{{"Status":"running","StartedAt":"2026-01-01T00:00:00Z"}},"Config":{{"Labels":{{}}}}}}]' ;;
  run) case "$*" in
    *--detach*) echo one-off-id ;;
    *) while [ "$1" != --cidfile ]; do shift; done; echo c1 > "$2"; exit 3 ;;
  esac ;;
esac
exit 0
"""


@pytest.fixture
def project_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(folder)
    for name in ("COMPOSE_PROJECT_NAME", "COMPOSE_FILE", "COMPOSE_PROFILES", "CRANK_CONTAINER_RUNTIME"):
        monkeypatch.delenv(name, raising=False)
    return folder


@pytest.fixture
def podman_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a fake podman client first on PATH; return the file it logs its arguments to."""
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    log = tmp_path / "podman.log"
    script = bin_folder / "podman"
    script.write_text(CLIENT.format(log=log))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_folder}:/usr/bin:/bin")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    # A lock folder of the test's own, so no real crank process shares the project lock.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    return log


def spec_for(folder: Path, **options: object):  # type: ignore[no-untyped-def]
    """Return the one-off spec of service web; each option goes to `ContainerOptions` or else `ServiceRunOptions`."""
    project = load_project(LoadOptions(working_dir=folder, environ={}, services=("web",)))
    container = {key: value for key, value in options.items() if key in ContainerOptions._fields}
    service = {key: value for key, value in options.items() if key not in container}
    run_options = ServiceRunOptions("web", ContainerOptions(**container), **service)  # type: ignore[arg-type]
    return one_off_spec(project, run_options, environ={"TOKEN": "t0"})


def commands(log: Path, verb: str) -> list[list[str]]:
    """Return the logged commands of one verb, each as its words split at spaces."""
    return [line.split() for line in log.read_text().splitlines() if line.split()[0] == verb]


def test_one_off_name_and_labels(project_folder: Path) -> None:
    spec = spec_for(project_folder)

    assert re.fullmatch(r"shop-web-run-[0-9a-f]{12}", spec.name)
    assert spec.labels[labels.ONE_OFF] == "True"
    assert spec.labels[labels.PROJECT] == "shop"
    assert spec.labels[labels.SERVICE] == "web"
    assert labels.REPLICA not in spec.labels
    assert spec.labels["team"] == "blue"


def test_one_off_keeps_service_definition(project_folder: Path) -> None:
    spec = spec_for(project_folder)

    assert spec.image == "localhost/web"
    assert spec.command == ("serve",)
    assert spec.entrypoint == ("/init",)
    assert spec.environment == {"MODE": "prod", "KEEP": "yes"}
    assert spec.user == "www"
    assert spec.working_dir == "/srv"
    assert spec.restart is None


def test_one_off_joins_networks_by_own_name(project_folder: Path) -> None:
    spec = spec_for(project_folder)

    assert [network.name for network in spec.networks] == ["shop_back"]
    assert spec.networks[0].aliases == (spec.name,)


def test_one_off_use_aliases_adds_service_names(project_folder: Path) -> None:
    spec = spec_for(project_folder, use_aliases=True)

    # The service's container name (fixed-web) stays with the service's own container.
    assert spec.networks[0].aliases == (spec.name, "web", "shop-web")


def test_one_off_labels_and_capabilities(project_folder: Path) -> None:
    spec = spec_for(project_folder, labels=("team=red", "ci"), cap_add=("NET_ADMIN",), cap_drop=("CHOWN",))

    assert spec.labels["team"] == "red"
    assert spec.labels["ci"] == ""
    assert spec.labels[labels.ONE_OFF] == "True"
    assert spec.cap_add == ("NET_ADMIN",)
    assert spec.cap_drop == ("CHOWN",)


@pytest.mark.parametrize("value", ["io.crank.project=other", "=x"])
def test_one_off_label_rejected(project_folder: Path, value: str) -> None:
    with pytest.raises(UsageError, match="invalid --label"):
        spec_for(project_folder, labels=(value,))


def test_one_off_ports_only_with_service_ports(project_folder: Path) -> None:
    assert spec_for(project_folder).ports == ()
    assert spec_for(project_folder, service_ports=True).ports == (PortMapping(target=80, published="8080"),)
    assert spec_for(project_folder, publish=("9090:90",)).ports == (PortMapping(target=90, published="9090"),)


def test_one_off_options_replace_service_values(project_folder: Path) -> None:
    spec = spec_for(project_folder, command=("sh", "-c", "exit 3"), entrypoint="/bin/env -i", workdir="/tmp",
                    user="0:0", env=("MODE=dev", "TOKEN"), volumes=("data:/data",), name="mine", remove=True)

    assert spec.name == "mine"
    assert spec.command == ("sh", "-c", "exit 3")
    assert spec.entrypoint == ("/bin/env", "-i")
    assert spec.working_dir == "/tmp"
    assert spec.user == "0:0"
    assert spec.environment == {"MODE": "dev", "KEEP": "yes", "TOKEN": "t0"}
    assert spec.mounts == (Mount("volume", "/data", "data"),)
    assert spec.remove is True


def test_one_off_empty_entrypoint_clears(project_folder: Path) -> None:
    assert spec_for(project_folder, entrypoint="").entrypoint == ()


def test_one_off_no_tty_turns_terminal_off(project_folder: Path) -> None:
    spec = spec_for(project_folder, terminal=False)

    assert spec.terminal is False
    assert spec.tty is False


def test_service_ports_with_publish_rejected(project_folder: Path, podman_log: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "--service-ports", "-p", "80", "web"])

    assert code == UsageError.exit_code
    assert "--service-ports and --publish cannot be used together" in capsys.readouterr().err
    assert commands(podman_log, "run") == []


def test_run_service_exit_code_and_flags(project_folder: Path, podman_log: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "--rm", "--no-deps", "web", "sh", "-c", "exit 3"])

    assert code == 3, capsys.readouterr().err
    [argv] = commands(podman_log, "run")
    assert "--detach" not in argv
    # crank removes a foreground one-off itself, so the container shows whether it started.
    assert "--rm" not in argv
    name = argv[argv.index("--name") + 1]
    # The one-off is removed by the ID that the client wrote to the --cidfile file.
    assert commands(podman_log, "rm") == [["rm", "--force", "--volumes", "c1"]]
    assert f"{labels.ONE_OFF}=True" in argv
    assert "--publish" not in argv
    assert "--restart" not in argv
    # The log contains words split at spaces, so "exit 3" shows as two.
    assert argv[-5:] == ["localhost/web", "sh", "-c", "exit", "3"]
    assert name.startswith("shop-web-run-")


def test_run_service_starts_dependency_first(project_folder: Path, podman_log: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "-d", "web"])

    assert code == 0, capsys.readouterr().err
    assert capsys.readouterr().out == "one-off-id\n"
    names = [argv[argv.index("--name") + 1] for argv in commands(podman_log, "run")]
    assert names[0] == "shop-db-1"
    assert names[1].startswith("shop-web-run-")
    assert len(names) == 2


def test_run_service_no_deps_skips_dependency(project_folder: Path, podman_log: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "-d", "--no-deps", "web"])

    assert code == 0, capsys.readouterr().err
    [argv] = commands(podman_log, "run")
    assert argv[argv.index("--name") + 1].startswith("shop-web-run-")


def test_run_service_of_disabled_profile(project_folder: Path, podman_log: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "-d", "tool"])

    assert code == 0, capsys.readouterr().err
    [argv] = commands(podman_log, "run")
    assert argv[argv.index("--name") + 1].startswith("shop-tool-run-")


def test_run_service_with_disabled_dependency(project_folder: Path, podman_log: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "-d", "audit"])

    assert code == InvalidProjectError.exit_code
    assert 'service "helper" is only in profile "debug"' in capsys.readouterr().err
    assert not podman_log.exists() or commands(podman_log, "run") == []


@pytest.mark.parametrize("image", ["busybox:latest", "localhost/busybox", "busybox@sha256:0123"])
def test_run_image_with_tag_digest_or_path(project_folder: Path, podman_log: Path,
                                          capsys: pytest.CaptureFixture[str], image: str) -> None:
    code = run_cli(["--runtime", "podman", "run", "-d", image, "sleep", "1"])

    assert code == 0, capsys.readouterr().err
    [argv] = commands(podman_log, "run")
    assert argv == ["run", "--detach", image, "sleep", "1"]


def test_run_unknown_service_is_usage_error(project_folder: Path, podman_log: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "--rm", "wbe", "echo", "hi"])

    assert code == UsageError.exit_code
    err = capsys.readouterr().err
    assert "no such service: wbe (the project has audit, db, helper, tool, web)" in err
    assert "To run the image wbe instead, give its tag, as in wbe:latest" in err
    assert not podman_log.exists() or commands(podman_log, "run") == []


def test_run_word_without_project_is_image(tmp_path: Path, podman_log: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPOSE_FILE", raising=False)

    code = run_cli(["--runtime", "podman", "run", "-d", "busybox", "sleep", "1"])

    assert code == 0, capsys.readouterr().err
    [argv] = commands(podman_log, "run")
    assert argv == ["run", "--detach", "busybox", "sleep", "1"]


def test_run_unknown_service_of_compose_file_flag(tmp_path: Path, project_folder: Path, podman_log: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    code = run_cli(["--runtime", "podman", "-f", str(project_folder / "compose.yaml"), "run", "-d", "busybox"])

    assert code == UsageError.exit_code
    assert "no such service: busybox (the project has " in capsys.readouterr().err


def test_run_word_with_broken_compose_file(project_folder: Path, podman_log: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (project_folder / "compose.yaml").write_text("services:\n  web:\n    image: [unclosed\n")

    code = run_cli(["--runtime", "podman", "run", "-d", "busybox", "sleep", "1"])

    assert code == InvalidProjectError.exit_code
    assert "compose.yaml" in capsys.readouterr().err
    assert not podman_log.exists() or commands(podman_log, "run") == []


@pytest.mark.parametrize("flag", [["--no-deps"], ["--use-aliases"], ["-l", "a=b"], ["--build"], ["--pull", "never"]],
                         ids=lambda flag: flag[0])
def test_run_image_rejects_service_flags(project_folder: Path, podman_log: Path,
                                         capsys: pytest.CaptureFixture[str], flag: list[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", *flag, "busybox:latest"])

    assert code == UsageError.exit_code
    assert f"invalid option {flag[0].replace('-l', '--label')} for image 'busybox:latest'" in capsys.readouterr().err


def test_run_service_build_rebuilds_image(project_folder: Path, podman_log: Path,
                                          capfd: pytest.CaptureFixture[str]) -> None:
    (project_folder / "Dockerfile").write_text("FROM scratch\n")
    (project_folder / "compose.yaml").write_text("services:\n  built:\n    build: .\n")

    code = run_cli(["--runtime", "podman", "run", "-d", "--build", "built"])

    assert code == 0, capfd.readouterr().err
    # The fake client has every image, so only --build makes crank build.
    assert len(commands(podman_log, "build")) == 1


def test_observe_leaves_out_one_off(project_folder: Path) -> None:
    listing = json.dumps([
        {"Id": "a1", "Names": ["shop-web-1"], "State": "running",
         "Labels": {labels.PROJECT: "shop", labels.SERVICE: "web", labels.REPLICA: "1"}},
        {"Id": "b2", "Names": ["shop-web-run-0123456789ab"], "State": "running",
         "Labels": {labels.PROJECT: "shop", labels.SERVICE: "web", labels.ONE_OFF: "True"}},
    ])
    backend = PodmanEngine(runner=FakeRunner({("podman", "ps"): listing}))
    project = load_project(LoadOptions(working_dir=project_folder, environ={}))

    observed = resources.observe(project, backend, ["web"])

    assert [state.name for state in observed.containers] == ["shop-web-1"]


def test_env_from_file_before_flags(project_folder: Path, podman_log: Path) -> None:
    (project_folder / "a.env").write_text("MODE=file\nONLY=a\n# comment\n")
    (project_folder / "b.env").write_text("ONLY=b\n")

    code = run_cli(["--runtime", "podman", "run", "-d", "--no-deps", "--env-from-file", "a.env",
                    "--env-from-file", "b.env", "-e", "MODE=flag", "web"])

    assert code == 0
    run_words = commands(podman_log, "run")[0]
    assert "MODE=flag" in run_words
    assert "MODE=file" not in run_words
    assert "ONLY=b" in run_words


def test_env_from_missing_file_runs_nothing(project_folder: Path, podman_log: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["--runtime", "podman", "run", "--env-from-file", "missing.env", "web"])

    assert code == 2
    assert "--env-from-file missing.env: file not found" in capsys.readouterr().err
    assert not podman_log.exists()


def test_remove_orphans_without_dependencies(project_folder: Path, podman_log: Path) -> None:
    assert run_cli(["--runtime", "podman", "run", "-d", "--no-deps", "web"]) == 0
    listings_without = len(commands(podman_log, "ps"))
    podman_log.unlink()

    code = run_cli(["--runtime", "podman", "run", "-d", "--no-deps", "--remove-orphans", "web"])

    assert code == 0
    # The project's containers are listed once more, for orphans, though no dependency starts.
    assert len(commands(podman_log, "ps")) == listings_without + 1
