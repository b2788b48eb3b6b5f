"""The Podman adapter."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from crank_cli import client_versions
from crank_cli.errors import EngineError, EngineTimeoutError
from crank_cli.runtime import argv as build_argv
from crank_cli.runtime import engine_events, stats
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import listed_container_state, parse_json
from crank_cli.runtime.models import CheckResult, CommitOptions, ContainerEvent, ContainerState, ContainerStats, EngineInfo, GpuRequest, HealthCheck, ProcessList

NETWORK_CREATE_ATTEMPTS = 3

# Podman's default healthcheck timeout, used when a container's check sets none.
DEFAULT_HEALTH_TIMEOUT = 30.0
# How long past a check's timeout crank lets `podman healthcheck run` go on before ending it,
# for Podman's own start-up: about 0.15 s on an idle 2-core machine, longer under load.
HEALTHCHECK_GRACE_SECONDS = 1.0

# Podman schedules healthchecks with systemd timers; this folder exists only under systemd.
SYSTEMD_RUNTIME_DIR = Path("/run/systemd/system")


class PodmanEngine(DockerCompatibleEngine):
    """Podman through its `podman` client.

    Podman has no daemon: a local client that responds is a usable engine. A remote client
    (`CONTAINER_HOST` set) reports the service's version in its `Server` part.
    """

    name = "podman"
    binary = "podman"
    host_variable = "CONTAINER_HOST"
    # Podman 4.3 parses `--entrypoint '["sh", "-c"]'` as a list, where Docker's client keeps it as one word.
    list_entrypoint = True

    # Podman rejects removing a network that a stopped container is attached to.
    keeps_attached_networks = True

    def probe(self, *, fresh: bool = False) -> EngineInfo:
        local = not self.remote_endpoint
        if local and not fresh:
            version = client_versions.recall(self.binary_path)
            if version is not None:
                return EngineInfo(self.name, usable=True, version=version, host=self.host)
        info = super().probe()
        if local and info.usable and info.version:
            # NOTE: a client that containers.conf sends to a Podman service (`remote = true`)
            # reports the service's version, which is remembered like a local client's.
            client_versions.remember(self.binary_path, info.version)
        return info

    def version_from(self, document: dict[str, Any]) -> str | None:
        server = document.get("Server") or {}
        client = document.get("Client") or {}
        return server.get("Version") or client.get("Version")

    @property
    def schedules_healthchecks(self) -> bool:
        # A remote Podman service schedules its own checks; a local client needs systemd.
        return bool(self.remote_endpoint) or SYSTEMD_RUNTIME_DIR.is_dir()

    def health_timer_flags(self, check: HealthCheck) -> list[str]:
        # Without systemd, Podman 4.3 cannot set up the timer of a check and prints two errors
        # on every run. crank runs those checks itself, so the timer is turned off; the last
        # --health-interval on the command line counts.
        if self.schedules_healthchecks or check.disable or check.test[:1] == ("NONE",):
            return []
        return ["--health-interval", "disable"]

    def run_healthcheck(self, name: str, timeout: float | None = None) -> CheckResult:
        # Podman 4.3 lets the check's command run to its end and only then fails it for taking
        # too long, so crank ends `healthcheck run` itself, a grace period after the timeout.
        limit = (timeout or DEFAULT_HEALTH_TIMEOUT) + HEALTHCHECK_GRACE_SECONDS
        try:
            self.run("healthcheck", "run", name, timeout=limit)
        except EngineTimeoutError:
            # Podman records nothing for a check ended this way, and its command would run on.
            for record in self._inspect_present("container", [name]):
                end_check_commands(record)
            return CheckResult(passed=False, recorded=False)
        except EngineError as error:
            # Podman has recorded both of these failures: exit code 1 for a check that ran and
            # failed, 125 for one that ended after its timeout.
            if error.returncode == 1 or (error.returncode == 125 and "exceeded timeout" in error.stderr):
                return CheckResult(passed=False)
            raise
        return CheckResult(passed=True)

    def gpu_flags(self, request: GpuRequest) -> list[str]:
        # Podman reaches NVIDIA GPUs through CDI device names instead of Docker's --gpus.
        # NOTE: a count other than all is not expressible in CDI names; crank passes all GPUs.
        if request.device_ids:
            return [flag for device in request.device_ids for flag in ("--device", f"nvidia.com/gpu={device}")]
        return ["--device", "nvidia.com/gpu=all"]

    def copy_flags(self, *, archive: bool, follow_link: bool) -> list[str]:
        # Podman 4.3's `cp` always follows a symbolic link at the source path, so it has no
        # --follow-link. Its --archive is on by default and gives the copied files to the
        # container's main user. Turned off, it keeps the source's user and group IDs, which is
        # what Docker's --archive keeps.
        return ["--archive=false"] if archive else []

    def commit_arguments(self, name: str, options: CommitOptions) -> list[str]:
        verb, *rest = super().commit_arguments(name, options)
        # --quiet leaves only the image ID on stdout. Podman 4.3 stores a commit message only in
        # Docker's image format, because its default OCI format rejects --message.
        image_format = ["--format", "docker"] if options.message else []
        return [verb, "--quiet", *image_format, *rest]

    def list_containers(self, labels: Mapping[str, str | None]) -> list[ContainerState]:
        # `ps --format json` carries what a listing needs in one command, where `ps` and then
        # `inspect` take two. Waits read health definitions through `inspect_containers`.
        argv = ["ps", "--all", "--format", "json", *build_argv.label_filters(labels)]
        return [listed_container_state(entry) for entry in parse_json(argv, self.run(*argv) or "[]")]

    event_args = engine_events.PODMAN_ARGS
    read_event = staticmethod(engine_events.podman_event)

    def event_window_args(self, since: float | None, until: float | None) -> list[str]:
        # Podman 4.3 prints no event at all when --until is in the past, even with --since
        # before it, so the stream runs until a second from now and the caller drops the rest.
        if until is not None:
            until = max(until, time.time() + 1)
        return super().event_window_args(since, until)

    def past_events(self, labels: Mapping[str, str | None], since: float) -> list[ContainerEvent]:
        # With --stream=false Podman prints the events recorded so far and ends at once, where a
        # query with --until runs until a second from now.
        output = self.run(*self.event_args, "--stream=false", *self.event_window_args(since, None),
                          *build_argv.label_filters(labels))
        events = (self.read_event(line) for line in output.splitlines())
        return [event for event in events if event is not None]

    def read_stats(self, names: Sequence[str]) -> list[ContainerStats]:
        if not names:
            return []
        argv = [*stats.PODMAN_ARGS, *names]
        return stats.podman_stats(argv, self.run(*argv))

    def attach(self, name: str, *, stdin: bool, sig_proxy: bool, detach_keys: str | None) -> int:
        if stdin:
            return super().attach(name, stdin=stdin, sig_proxy=sig_proxy, detach_keys=detach_keys)
        # Podman 4.3's client, given --no-stdin or an input that ends, closes its side of the
        # attach connection at once, and conmon then closes the container's standard input, which
        # ends a container that reads it. Docker's client leaves it open. An input that stays open
        # and empty keeps it open for as long as crank is attached; Podman's conmon still closes it
        # when the client goes. Without input, detach keys cannot be typed, as with --no-stdin.
        args = ["attach"] if sig_proxy else ["attach", "--sig-proxy=false"]
        return self.attached_runner(self.command(*args, name), sigterm_as=signal.SIGTERM, idle_stdin=True)

    def list_processes(self, name: str) -> ProcessList:
        try:
            return super().list_processes(name)
        except EngineError as error:
            # Podman 4.3 lists the processes of running containers only, where Docker lists those of a paused one too.
            if "can only be used on running containers" not in error.stderr:
                raise
            return ProcessList((), ())

    def stop_and_remove(self, names, timeout=None):  # type: ignore[no-untyped-def]
        # `rm --force` stops each container as `stop` would (its stop signal, then its own stop
        # timeout or --time, then SIGKILL) and removes it, all in one engine command.
        if names:
            timeout_flag = ["--time", str(timeout)] if timeout is not None else []
            self.run("rm", "--force", "--volumes", *timeout_flag, *names)

    def create_network(self, name, labels, options=None):  # type: ignore[no-untyped-def]
        # Podman has no --attachable: every Podman network accepts any container. Nor has it
        # --aux-address or --ipam-opt, which the capability check reports.
        ipam = dict((options or {}).get("ipam") or {})
        ipam.pop("options", None)
        ipam["config"] = [{key: value for key, value in pool.items() if key != "aux_addresses"}
                          for pool in ipam.get("config") or ()]
        settings = {**(options or {}), "attachable": False, "ipam": ipam}
        for attempt in range(NETWORK_CREATE_ATTEMPTS):
            try:
                return super().create_network(name, labels, settings)
            except EngineError as error:
                # Podman 4 lists the host's interfaces to pick a free subnet; one removed
                # meanwhile by another process fails the call, and a new attempt succeeds.
                if "no such network interface" not in error.stderr or attempt + 1 == NETWORK_CREATE_ATTEMPTS:
                    raise
                time.sleep(0.2)
        return None


def end_check_commands(record: dict[str, Any]) -> list[int]:
    """Kill the healthcheck commands still running in a local Podman container; return their host PIDs.

    `record` is the container's `inspect` record. Podman 4.3 runs a check as an exec session
    with a folder under the container's `StaticDir`. The folder contains the session's process
    spec (an `exec-process-*` file) and its host PID (`exec_pid`), and a file in `exit` once
    the process has ended. A session that runs the check's command and has not ended is a
    check that a killed `healthcheck run` left behind.
    NOTE: a `podman exec` of the same command as the check is killed too. A remote Podman
    service schedules its own checks, so crank never runs one there.
    """
    static_dir = Path(record.get("StaticDir") or "")
    command = check_command(((record.get("Config") or {}).get("Healthcheck") or {}).get("Test") or [])
    killed = []
    for session in record.get("ExecIDs") or ():
        folder = static_dir / session
        pid = _running_session_pid(folder, command)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            continue
        killed.append(pid)
    return killed


def check_command(test: Sequence[str]) -> list[str]:
    """Return the arguments Podman 4.3 runs for a healthcheck test: `CMD-SHELL` through `/bin/sh -c`."""
    if test[:1] == ["CMD-SHELL"]:
        return ["/bin/sh", "-c", " ".join(test[1:])]
    if test[:1] == ["CMD"]:
        return list(test[1:])
    return list(test)


def _running_session_pid(folder: Path, command: list[str]) -> int | None:
    """Return the host PID of an exec session that runs `command` and has not ended, or None."""
    try:
        if any((folder / "exit").iterdir()):
            return None
        specs = [json.loads(spec.read_text()) for spec in folder.glob("exec-process-*")]
        pid = int((folder / "exec_pid").read_text().strip())
    except (OSError, ValueError):
        return None
    if not any(isinstance(spec, dict) and spec.get("args") == command for spec in specs):
        return None
    return pid
