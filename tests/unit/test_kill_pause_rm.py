"""kill, pause, unpause and rm against a faked engine client, as docker compose 2.40.3 behaves.

The engine commands come from the Podman adapter with its process runner faked, and from the
Docker adapter that talks to a fake daemon socket.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crank_cli.compose import LoadOptions, Project, load_project
from crank_cli.errors import ExitCode, UsageError
from crank_cli.operations.kill import kill, parse_signal
from crank_cli.operations.pause import pause, unpause
from crank_cli.operations.remove import remove, stopped_containers
from crank_cli.errors import UsageError
from crank_cli.operations.targets import ContainerStateError
from crank_cli.render.prompt import confirm
from crank_cli.runtime.docker_local import LocalDockerEngine
from crank_cli.runtime.docker_socket import DockerSocket
from crank_cli.runtime.podman import PodmanEngine
from tests.unit.fakes import FakeRunner
from tests.unit.test_docker_socket import FakeDaemon

IMAGE = "localhost/crank-test-busybox:latest"
COMPOSE = f"""
services:
  db:
    image: {IMAGE}
  web:
    image: {IMAGE}
    depends_on: [db]
"""


class RecordedEvents:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def emit(self, subject: str, status: str) -> None:
        self.lines.append((subject, status))


def listed(name: str, service: str, state: str, *, one_off: bool = False) -> dict[str, object]:
    """Return an entry of Podman 4.3's `ps --all --format json` for a container of project demo."""
    labels = {"io.crank.project": "demo", "io.crank.service": service}
    if one_off:
        labels["io.crank.oneoff"] = "True"
    return {"Id": f"id-{name}", "Names": [name], "Image": IMAGE, "State": state, "Labels": labels, "Ports": None}


def engine_with(*entries: dict[str, object]) -> tuple[PodmanEngine, FakeRunner]:
    """Return a Podman adapter whose `ps` lists these containers and whose `inspect` shows them exited."""
    inspected = [{"Id": entry["Id"], "Name": entry["Names"][0], "Config": {"Labels": entry["Labels"]},  # type: ignore[index]
                  "State": {"Status": "exited", "ExitCode": 0}} for entry in entries]
    runner = FakeRunner({("podman", "ps"): json.dumps(list(entries)),
                         ("podman", "container", "inspect"): json.dumps(inspected)})
    return PodmanEngine(runner=runner), runner


def changes(runner: FakeRunner) -> list[list[str]]:
    """Return the engine commands that change something, without the binary."""
    return [call[1:] for call in runner.calls if call[1] not in ("ps", "container")]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    return load_project(LoadOptions(working_dir=tmp_path, environ={}, project_name="demo"))


MIXED = (
    listed("demo-web-1", "web", "running"),
    listed("demo-db-1", "db", "paused"),
    listed("demo-db-2", "db", "exited"),
    listed("demo-web-run-1a2b", "web", "running", one_off=True),
    listed("demo-old-1", "old", "running"),
)


@pytest.mark.parametrize(("value", "expected"), [
    ("SIGKILL", "SIGKILL"), ("kill", "SIGKILL"), ("sigterm", "SIGTERM"), (" HUP ", "SIGHUP"), ("9", "9"),
    ("64", "64"), ("RTMIN+3", "SIGRTMIN+3"), ("sigrtmax-1", "SIGRTMAX-1"),
])
def test_signal_accepted(value: str, expected: str) -> None:
    assert parse_signal(value) == expected


@pytest.mark.parametrize("value", ["FOO", "0", "65", "", "SIG", "-9", "RTMIN+16"])
def test_signal_rejected(value: str) -> None:
    with pytest.raises(UsageError, match="expected a signal name such as SIGTERM or HUP, or a number from 1 to 64"):
        parse_signal(value)


def test_kill_signals_live_and_one_off(project: Project) -> None:
    backend, runner = engine_with(*MIXED)
    events = RecordedEvents()

    killed = kill(project, backend, (), "SIGKILL", events)

    assert killed == ["demo-db-1", "demo-web-1", "demo-web-run-1a2b"]
    assert changes(runner) == [["kill", "--signal", "SIGKILL", "demo-db-1", "demo-web-1", "demo-web-run-1a2b"]]
    assert events.lines[0] == ("demo-db-1", "killing")
    assert events.lines[-1] == ("demo-web-run-1a2b", "killed")


def test_kill_remove_orphans_signals_orphan(project: Project) -> None:
    backend, runner = engine_with(*MIXED)

    killed = kill(project, backend, (), "SIGTERM", RecordedEvents(), remove_orphans=True)

    assert "demo-old-1" in killed
    # As with docker compose, the orphan gets the signal and is not removed.
    assert [call[0] for call in changes(runner)] == ["kill"]


def test_kill_service_named(project: Project) -> None:
    backend, runner = engine_with(*MIXED)

    killed = kill(project, backend, ("web",), "9", RecordedEvents(), remove_orphans=True)

    assert killed == ["demo-web-1", "demo-web-run-1a2b"]
    assert changes(runner) == [["kill", "--signal", "9", "demo-web-1", "demo-web-run-1a2b"]]


def test_kill_nothing_live(project: Project) -> None:
    backend, runner = engine_with(listed("demo-web-1", "web", "exited"))

    assert kill(project, backend, (), "SIGKILL", RecordedEvents()) == []
    assert changes(runner) == []


def test_unknown_service_exits_2(project: Project) -> None:
    backend, runner = engine_with(*MIXED)

    with pytest.raises(UsageError) as raised:
        kill(project, backend, ("web", "api"), "SIGKILL", RecordedEvents())

    assert raised.value.exit_code == ExitCode.USAGE
    assert raised.value.message == "no such service: api (the project has db, web)"
    assert runner.calls == []


def test_pause_running_of_services(project: Project) -> None:
    backend, runner = engine_with(listed("demo-web-1", "web", "running"), listed("demo-db-1", "db", "running"),
                                  listed("demo-web-run-1a2b", "web", "running", one_off=True),
                                  listed("demo-old-1", "old", "running"), listed("demo-db-2", "db", "exited"))
    events = RecordedEvents()

    paused = pause(project, backend, (), events)

    assert paused == ["demo-db-1", "demo-web-1"]
    assert changes(runner) == [["pause", "demo-db-1", "demo-web-1"]]
    assert events.lines == [("demo-db-1", "paused"), ("demo-web-1", "paused")]


def test_pause_of_paused_fails_after_others(project: Project) -> None:
    backend, runner = engine_with(*MIXED)

    with pytest.raises(ContainerStateError) as raised:
        pause(project, backend, (), RecordedEvents())

    assert changes(runner) == [["pause", "demo-web-1"]]
    assert raised.value.exit_code == ExitCode.ENGINE_FAILED
    assert raised.value.message.startswith("cannot pause demo-db-1 (paused): ")


def test_unpause_paused_only(project: Project) -> None:
    backend, runner = engine_with(listed("demo-db-1", "db", "paused"), listed("demo-web-1", "web", "running"),
                                  listed("demo-db-2", "db", "exited"))

    unpaused = unpause(project, backend, ("db",), RecordedEvents())

    assert unpaused == ["demo-db-1"]
    assert changes(runner) == [["unpause", "demo-db-1"]]


def test_unpause_of_running_fails(project: Project) -> None:
    backend, runner = engine_with(*MIXED)

    with pytest.raises(ContainerStateError, match=r"^cannot unpause demo-web-1 \(running\): "):
        unpause(project, backend, (), RecordedEvents())

    assert changes(runner) == [["unpause", "demo-db-1"]]


def test_rm_picks_stopped_of_services(project: Project) -> None:
    backend, runner = engine_with(*MIXED, listed("demo-web-2", "web", "created"),
                                  listed("demo-web-run-9f9f", "web", "exited", one_off=True),
                                  listed("demo-old-2", "old", "exited"))

    stopped = stopped_containers(project, backend, (), RecordedEvents())

    assert [state.name for state in stopped] == ["demo-db-2", "demo-web-2"]
    assert changes(runner) == []


def test_rm_stop_resumes_paused_then_stops(project: Project) -> None:
    backend, runner = engine_with(listed("demo-web-1", "web", "running"), listed("demo-db-1", "db", "paused"))

    stopped = stopped_containers(project, backend, (), RecordedEvents(), stop=True)

    assert [state.name for state in stopped] == ["demo-db-1", "demo-web-1"]
    # Dependents stop before their dependencies.
    assert changes(runner) == [["unpause", "demo-db-1"], ["stop", "demo-web-1"], ["stop", "demo-db-1"]]


def test_rm_stop_dry_run_counts_stopped(project: Project) -> None:
    backend, runner = engine_with(listed("demo-web-1", "web", "running"), listed("demo-db-1", "db", "exited"))

    stopped = stopped_containers(project, backend, ("web",), RecordedEvents(), stop=True, dry_run=True)

    assert [state.name for state in stopped] == ["demo-web-1"]
    assert not any(call[1:3] == ["container", "inspect"] for call in runner.calls)



def test_stop_resumes_paused_then_stops(project: Project) -> None:
    from crank_cli.operations.down import stop

    backend, runner = engine_with(listed("demo-web-1", "web", "paused"), listed("demo-db-1", "db", "running"),
                                  listed("demo-db-2", "db", "exited"))

    stopped = stop(project, "demo", backend, (), None, RecordedEvents())

    assert sorted(stopped) == ["demo-db-1", "demo-web-1"]
    # As docker compose stop does, a paused container stops too; Podman needs it resumed first.
    assert changes(runner) == [["unpause", "demo-web-1"], ["stop", "demo-web-1"], ["stop", "demo-db-1"]]

@pytest.mark.parametrize(("volumes", "expected"), [
    (False, ["rm", "--force", "demo-db-2"]),
    (True, ["rm", "--force", "--volumes", "demo-db-2"]),
])
def test_rm_volumes_flag(volumes: bool, expected: list[str]) -> None:
    runner = FakeRunner({("podman",): ""})
    events = RecordedEvents()

    remove(PodmanEngine(runner=runner), ["demo-db-2"], events, volumes=volumes)

    assert changes(runner) == [expected]
    assert events.lines == [("demo-db-2", "removing"), ("demo-db-2", "removed")]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[FakeDaemon]:
    ok = (204, None)
    fake = FakeDaemon(tmp_path / "docker.sock", {
        "POST /containers/demo-web-1/kill": ok, "POST /containers/demo-web-1/pause": ok,
        "POST /containers/demo-web-1/unpause": ok, "DELETE /containers/demo-web-1": ok,
    })
    yield fake
    fake.close()


def test_socket_requests(daemon: FakeDaemon, tmp_path: Path) -> None:
    engine = LocalDockerEngine(DockerSocket(str(tmp_path / "docker.sock")), runner=FakeRunner({}))

    engine.kill_containers(["demo-web-1"], "SIGHUP")
    engine.pause_containers(["demo-web-1"])
    engine.unpause_containers(["demo-web-1"])
    engine.remove_containers(["demo-web-1"], volumes=False)

    assert daemon.requests == ["/containers/demo-web-1/kill?signal=SIGHUP", "/containers/demo-web-1/pause",
                               "/containers/demo-web-1/unpause", "/containers/demo-web-1?force=1&v=0"]


@pytest.mark.parametrize(("answer", "expected"), [
    ("y\n", True), ("Y\n", True), ("yes\n", True), ("true\n", True), ("1\n", True), (" y n\n", True),
    ("n\n", False), ("no\n", False), ("\n", False), ("", False), ("yes please\n", True), ("ok\n", False),
])
def test_confirm_reads_first_word(answer: str, expected: bool) -> None:
    stderr = io.StringIO()

    assert confirm("Going to remove demo-db-2", io.StringIO(answer), stderr) is expected
    # Off a terminal the answer is not echoed, so crank ends the question's line itself.
    assert stderr.getvalue() == "Going to remove demo-db-2 [y/N]: \n"


def test_confirm_closed_input_is_no() -> None:
    closed = io.StringIO("y\n")
    closed.close()

    assert confirm("Going to remove demo-db-2", closed, io.StringIO()) is False


# A podman client for the command-line tests: it lists the containers in state.json, with
# `ps`'s label filters applied, and logs every other command line to calls.log.
CLIENT = """#!{python}
import json, sys
from pathlib import Path

folder = Path({folder!r})
args = sys.argv[1:]
containers = json.loads((folder / "state.json").read_text())
if args[:1] == ["version"]:
    print({version!r})
elif args[:1] == ["ps"]:
    wanted = [word.removeprefix("label=") for word, before in zip(args, [""] + args) if before == "--filter"]
    def matches(entry):
        for condition in wanted:
            key, _, value = condition.partition("=")
            if key not in entry["Labels"] or (value and entry["Labels"][key] != value):
                return False
        return True
    found = [entry for entry in containers if matches(entry)]
    print("\\n".join(entry["Id"] for entry in found) if "--quiet" in args else json.dumps(found))
else:
    with open(folder / "calls.log", "a") as log:
        log.write(json.dumps(args) + "\\n")
"""


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put the fake podman first on PATH, in a project folder named demo; return the client's folder."""
    import stat
    import sys

    from tests.unit.fakes import PODMAN_UP

    folder = tmp_path / "client"
    folder.mkdir()
    program = folder / "podman"
    program.write_text(CLIENT.format(python=sys.executable, folder=str(folder), version=PODMAN_UP))
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    (folder / "state.json").write_text(json.dumps(list(MIXED)))
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "podman")
    monkeypatch.setenv("CRANK_RUNTIME_FALLBACK", "disabled")
    # A TCP address where nothing listens keeps the real Docker daemon out of the test.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    project_folder = tmp_path / "demo"
    project_folder.mkdir()
    (project_folder / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(project_folder)
    return folder


def logged(folder: Path) -> list[list[str]]:
    log = folder / "calls.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_cli_unknown_service_exits_2(client: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crank_cli.cli import run_cli

    for verb in ("kill", "pause", "unpause", "rm"):
        assert run_cli([verb, "api"]) == 2, verb
        assert capsys.readouterr().err == "crank: error: no such service: api (the project has db, web)\n"
    assert logged(client) == []


def test_cli_kill_nothing_exits_0(client: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crank_cli.cli import run_cli

    (client / "state.json").write_text(json.dumps([listed("demo-web-1", "web", "exited")]))

    assert run_cli(["kill"]) == 0
    assert capsys.readouterr().err == "no container to kill in project demo on podman\n"
    assert logged(client) == []


def test_cli_rm_declined_removes_nothing(client: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from crank_cli.cli import run_cli

    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))

    assert run_cli(["rm"]) == 0
    assert capsys.readouterr().err == ("Going to remove demo-db-2 [y/N]: \n"
                                       "no container removed: the answer was not yes; pass -f to remove without asking\n")
    assert logged(client) == []


def test_cli_rm_confirmed_removes(client: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crank_cli.cli import run_cli

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))

    assert run_cli(["--progress", "quiet", "rm", "-v"]) == 0
    assert logged(client) == [["rm", "--force", "--volumes", "demo-db-2"]]


def test_cli_rm_dry_run_asks_nothing(client: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crank_cli.cli import run_cli

    assert run_cli(["--dry-run", "rm"]) == 0
    output = capsys.readouterr()
    assert output.out == "podman rm --force demo-db-2\n"
    assert "[y/N]" not in output.err
    assert logged(client) == []

