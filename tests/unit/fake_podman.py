"""A fake `podman` client on PATH, for tests of verbs that run engine commands, such as cp, wait, push, pull and export.

The client keeps its containers in a JSON file: `create` and `run` add one with the name,
labels and bind mounts given (a foreground `run --rm` leaves none, and a foreground `run`
leaves it exited, and writes its ID to the `--cidfile` file), `start`, `stop` and `rm`
change or remove them, and `ps` and `container inspect` show them, with `ps`'s label filters
applied. `wait` prints the exit code the test sets, `push` fails for the images the test
names or that the engine lacks, and `pull` fails for the images the test names. `volume ls`
and `volume inspect` show the volumes the test sets, `commit` prints an image ID, and
`export` writes a short text in place of an archive. The
client logs every command line it gets.
"""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import pytest

from tests.unit.fakes import PODMAN_UP

CLIENT = '''#!{python}
import json, sys, time
from pathlib import Path

folder = Path({folder!r})
args = sys.argv[1:]
with open(folder / "calls.log", "a") as log:
    log.write(json.dumps(args) + "\\n")
state = json.loads((folder / "state.json").read_text())
containers = state["containers"]
by_name = {{entry["Names"][0]: entry for entry in containers}}
# The start time of a container that started; the engine reports year 1 for one that never did.
STARTED_AT = "2026-01-01T00:00:00Z"


def save():
    (folder / "state.json").write_text(json.dumps(state))


def flag_values(flag):
    return [value for value, before in zip(args, [""] + args) if before == flag]


if args[:1] == ["version"]:
    print({version!r})
elif args[:1] == ["ps"]:
    wanted = [word.removeprefix("label=") for word in flag_values("--filter")]
    def matches(entry):
        for condition in wanted:
            key, _, value = condition.partition("=")
            if key not in entry["Labels"] or ("=" in condition and entry["Labels"][key] != value):
                return False
        return True
    listed = [entry for entry in containers if matches(entry)]
    if "--quiet" in args:
        print("\\n".join(entry["Id"] for entry in listed))
    else:
        print(json.dumps(listed))
elif args[:2] == ["container", "inspect"]:
    records = [{{"Id": entry["Id"], "Name": name, "Config": {{"Labels": entry["Labels"]}},
                "State": {{"Status": entry["State"], "ExitCode": 0,
                          "StartedAt": entry.get("StartedAt", "0001-01-01T00:00:00Z")}},
                "Mounts": [{{"Type": "volume", "Name": volume}} for volume in entry.get("Volumes", [])]
                          + [{{"Type": "bind", "Source": source, "Destination": source}}
                             for source in entry.get("Binds", [])]}}
               for name, entry in by_name.items() if name in args[2:] or entry["Id"] in args[2:]]
    print(json.dumps(records))
elif args[:1] in (["create"], ["run"]):
    name = flag_values("--name")[0]
    if name in state.get("run_errors", {{}}):
        sys.stderr.write(state["run_errors"][name] + "\\n")
        sys.exit(125)
    labels = dict(value.partition("=")[::2] for value in flag_values("--label"))
    mounts = [dict(part.partition("=")[::2] for part in value.split(",")) for value in flag_values("--mount")]
    entry = {{"Id": f"id-{{name}}", "Names": [name], "Image": "busybox", "Labels": labels, "State": "created",
             "Binds": [mount["source"] for mount in mounts if mount.get("type") == "bind"]}}
    if args[0] == "run":
        entry["StartedAt"] = STARTED_AT
        entry["State"] = "running" if "--detach" in args else "exited"
    # A foreground `run --rm` ends with its container removed.
    if not (args[0] == "run" and "--rm" in args and "--detach" not in args):
        containers.append(entry)
    save()
    for path in flag_values("--cidfile"):
        Path(path).write_text(entry["Id"])
    print(entry["Id"])
elif args[:1] in (["start"], ["stop"], ["rm"]):
    names = [word for word in args[1:] if word in by_name or word in {{entry["Id"] for entry in containers}}]
    for entry in list(containers):
        if entry["Names"][0] in names or entry["Id"] in names:
            if args[0] == "rm":
                containers.remove(entry)
            else:
                entry["State"] = "running" if args[0] == "start" else "exited"
                entry.setdefault("StartedAt", STARTED_AT)
    save()
elif args[:2] == ["volume", "ls"]:
    wanted = [word.removeprefix("label=").partition("=") for word in flag_values("--filter")]
    print("\\n".join(volume["Name"] for volume in state.get("volumes", [])
                    if all(volume["Labels"].get(key) == value for key, _, value in wanted)))
elif args[:2] == ["volume", "inspect"]:
    print(json.dumps([volume for volume in state.get("volumes", []) if volume["Name"] in args[2:]]))
elif args[:1] == ["commit"]:
    print("f" * 64)
elif args[:1] == ["export"]:
    if state.get("export_error"):
        sys.stderr.write(state["export_error"] + "\\n")
        sys.exit(125)
    archive = f"archive of {{args[-1]}}".encode()
    if "--output" in args:
        Path(flag_values("--output")[0]).write_bytes(archive)
    else:
        sys.stdout.buffer.write(archive)
elif args[:1] == ["wait"]:
    name = args[-1]
    time.sleep(state.get("delays", {{}}).get(name, 0))
    print(state["exit_codes"][name])
elif args[:1] == ["cp"] and state.get("cp_error"):
    sys.stderr.write(state["cp_error"] + "\\n")
    sys.exit(125)
elif args[:2] == ["image", "inspect"] and state.get("images") is not None:
    if args[-1] not in state["images"]:
        sys.stderr.write(f"Error: {{args[-1]}}: image not known\\n")
        sys.exit(125)
    print("sha256:" + "b" * 64 + " {{}}")
elif args[:1] == ["push"]:
    reference = args[-1]
    print("Getting image source signatures", flush=True)
    if state.get("images") is not None and reference not in state["images"]:
        sys.stderr.write(f"Error: {{reference}}: image not known\\n")
        sys.exit(125)
    if reference in state.get("push_errors", {{}}):
        sys.stderr.write(state["push_errors"][reference] + "\\n")
        sys.exit(125)
    print("Writing manifest to image destination")
elif args[:1] == ["pull"]:
    reference = args[-1]
    print("Trying to pull " + reference, flush=True)
    if reference in state.get("pull_errors", {{}}):
        sys.stderr.write(state["pull_errors"][reference] + "\\n")
        sys.exit(125)
    print("sha256:" + "c" * 64)
'''


def container(project: str, service: str, replica: int | None, *, state: str = "running",
              one_off: bool = False, volumes: tuple[str, ...] = ()) -> dict[str, object]:
    """Return an entry of `podman ps --format json` for a container crank made.

    `volumes` names the volumes it mounts, which only `container inspect` shows, as with Podman.
    """
    labels = {"io.crank.project": project, "io.crank.service": service}
    if replica is not None:
        labels["io.crank.replica"] = str(replica)
    name = f"{project}-{service}-{replica}" if replica is not None else f"{project}-{service}-run-1a2b"
    if one_off:
        labels["io.crank.oneoff"] = "True"
    return {"Id": f"id-{name}", "Names": [name], "Image": "busybox", "State": state, "Labels": labels,
            "Volumes": list(volumes)}


def volume(name: str, labels: dict[str, str]) -> dict[str, object]:
    """Return a record of `podman volume inspect` for a volume with these labels."""
    return {"Name": name, "Driver": "local", "Scope": "local", "Mountpoint": f"/var/lib/volumes/{name}/_data",
            "CreatedAt": "2026-01-02T03:04:05Z", "Labels": labels}


class FakePodman:
    """The fake client's folder: write its state, read the commands it got."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def set_state(self, containers: list[dict[str, object]], exit_codes: dict[str, int] | None = None,
                  delays: dict[str, float] | None = None, cp_error: str | None = None,
                  images: list[str] | None = None, push_errors: dict[str, str] | None = None,
                   pull_errors: dict[str, str] | None = None, volumes: list[dict[str, object]] | None = None,
                   export_error: str | None = None, run_errors: dict[str, str] | None = None) -> None:
        """Set the client's containers and replies. `images` lists the references the engine has
        (None: `image inspect` finds every one), `push_errors` maps a reference to the
        error its `push` fails with, and `pull_errors` the same for `pull`. `volumes` contains the
        records of `volume inspect`, `export_error` is the error every `export` fails with, and
        `run_errors` maps a container name to the error that its `create` or `run` fails with,
        creating nothing."""
        state = {"containers": containers, "exit_codes": exit_codes or {}, "delays": delays or {}, "cp_error": cp_error,
                 "images": images, "push_errors": push_errors or {}, "pull_errors": pull_errors or {},
                 "volumes": volumes or [], "export_error": export_error, "run_errors": run_errors or {}}
        (self.folder / "state.json").write_text(json.dumps(state))

    def forget_calls(self) -> None:
        (self.folder / "calls.log").unlink(missing_ok=True)

    def calls(self, verb: str) -> list[list[str]]:
        """Return the argument lists of the commands of one verb, such as cp, in the order they ran."""
        log = self.folder / "calls.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return [args for args in map(json.loads, lines) if args[:1] == [verb]]


@pytest.fixture
def fake_podman(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakePodman:
    """Put the fake podman first on PATH and choose it as crank's engine."""
    folder = tmp_path / "fake-podman"
    folder.mkdir()
    client = folder / "podman"
    client.write_text(CLIENT.format(python=sys.executable, folder=str(folder), version=PODMAN_UP))
    client.chmod(client.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.setenv("CRANK_CONTAINER_RUNTIME", "podman")
    monkeypatch.setenv("CRANK_RUNTIME_FALLBACK", "disabled")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    # A TCP address where nothing listens keeps the real Docker daemon out of the test.
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.delenv("CONTAINER_HOST", raising=False)
    monkeypatch.delenv("COMPOSE_PROJECT_NAME", raising=False)
    fake = FakePodman(folder)
    fake.set_state([])
    return fake
