"""One implementation of the docker-compatible command line, shared by every adapter.

Docker, Podman and nerdctl take the same verbs and flags for what crank does. Each engine's
module subclasses `DockerCompatibleEngine` and overrides only where its engine differs.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import sys
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from crank_cli import process
from crank_cli.early_probe import PROBE_ARGS, PROBE_TIMEOUT_SECONDS
from crank_cli.errors import EngineError
from crank_cli.process import AttachedRunner, Runner
from crank_cli.runtime import argv as build_argv
from crank_cli.runtime import engine_events, removal, stats
from crank_cli.runtime.backend import Backend
from crank_cli.runtime.inspect import container_state, image_details, normalize_image_id, parse_json, volume_details
from crank_cli.runtime.models import (BuildSpec, CommitOptions, ContainerEvent, ContainerSpec, ContainerState, ContainerStats,
                                      EngineInfo, GpuRequest, HealthCheck, ImageDetails, ImageFacts, ProcessList, VolumeDetails)
from crank_cli.runtime.processes import parse_top_table

if TYPE_CHECKING:
    import subprocess

# How many of the last lines of a failed build, pull or push its error quotes, when crank reads them.
FAILURE_LINES = 5
# ANSI escape sequences: colours, cursor moves and line erasing.
_TERMINAL_CODES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class DockerCompatibleEngine(Backend):
    """A `Backend` that drives an engine through its docker-compatible client."""

    host_variable: ClassVar[str | None] = None
    # Whether the client's `--entrypoint` takes a JSON array as the whole entrypoint.
    list_entrypoint: ClassVar[bool] = False

    def __init__(self, runner: Runner = process.run, binary: str | None = None,
                 attached_runner: AttachedRunner = process.run_attached) -> None:
        self.runner = runner
        self.attached_runner = attached_runner
        self.binary_path = binary or self.binary
        # Where the output of builds and pulls goes, line by line; None passes it through to stderr.
        self.output_lines: Callable[[str], None] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(binary={self.binary_path!r})"

    # Engine commands

    def command(self, *args: str) -> list[str]:
        """Return the full argument list of an engine command."""
        return [self.binary_path, *args]

    def run(self, *args: str, timeout: float | None = None) -> str:
        return self.runner(self.command(*args), timeout=timeout).stdout

    @property
    def host(self) -> str:
        """Name the machine the engine runs on: the remote host if one is set, else this one."""
        endpoint = self.remote_endpoint
        if endpoint:
            return endpoint.split("://", 1)[-1].split("/", 1)[0]
        return socket.gethostname()

    @property
    def remote_endpoint(self) -> str | None:
        """Return the engine's address when it is on another machine (not a local socket)."""
        endpoint = os.environ.get(self.host_variable or "", "")
        return endpoint if endpoint and not endpoint.startswith("unix://") else None

    # Probe

    def probe(self, *, fresh: bool = False) -> EngineInfo:
        try:
            output = self.run(*PROBE_ARGS, timeout=PROBE_TIMEOUT_SECONDS)
        except EngineError as error:
            return EngineInfo(self.name, usable=False, reason=_short_reason(error))
        try:
            version = self.version_from(parse_json(["version"], output))
        except (EngineError, TypeError, AttributeError) as error:
            return EngineInfo(self.name, usable=False, reason=f"unexpected version output: {error}")
        if version is None:
            return EngineInfo(self.name, usable=False, reason="the engine did not report a version")
        return EngineInfo(self.name, usable=True, version=version, host=self.host)

    def version_from(self, document: dict[str, Any]) -> str | None:
        """Pick the engine's version out of `version --format json` output."""
        client = document.get("Client") or {}
        return client.get("Version")

    # Containers

    def list_containers(self, labels: Mapping[str, str | None]) -> list[ContainerState]:
        ids = self.run("ps", "--all", "--quiet", "--no-trunc", *build_argv.label_filters(labels))
        id_list = ids.split()
        return self.inspect_containers(id_list)

    def has_containers(self, labels: Mapping[str, str | None], *, running: bool = False) -> bool:
        """Tell whether any container carries every label given, or with `running` any running one."""
        every = [] if running else ["--all"]
        return bool(self.run("ps", *every, "--quiet", *build_argv.label_filters(labels)).strip())

    def inspect_containers(self, names: Sequence[str]) -> list[ContainerState]:
        """Return the state of the named containers that exist; missing ones are left out."""
        # A container removed meanwhile (between `ps` and `inspect`, say) is left out.
        return [container_state(record) for record in self._inspect_present("container", names)]

    def _inspect_present(self, kind: str, names: Sequence[str]) -> list[dict[str, Any]]:
        """Inspect objects of one kind in one command and return the records of those that exist.

        The engine still prints the objects it found when some are missing, and fails with
        only "no such" lines, which are not an error here.
        """
        if not names:
            return []
        argv = [kind, "inspect", *names]
        try:
            output = self.run(*argv)
        except EngineError as error:
            if not _only_missing(error):
                raise
            output = error.stdout.strip() or "[]"
        return parse_json(argv, output)

    def list_processes(self, name: str) -> ProcessList:
        # `top` takes one container, so a project costs one command per running container.
        return parse_top_table(self.run("top", name))

    def attach(self, name: str, *, stdin: bool, sig_proxy: bool, detach_keys: str | None) -> int:
        args = ["attach"]
        if not stdin:
            args.append("--no-stdin")
        if not sig_proxy:
            args.append("--sig-proxy=false")
        if detach_keys is not None:
            args.append(f"--detach-keys={detach_keys}")
        # The client passes SIGTERM on to the container, as `docker compose attach` does.
        return self.attached_runner(self.command(*args, name), sigterm_as=signal.SIGTERM)

    # The arguments of a JSON event stream, and the reader of one line of it.
    event_args: ClassVar[tuple[str, ...]] = engine_events.DOCKER_ARGS
    read_event: ClassVar[Callable[[str], ContainerEvent | None]] = staticmethod(engine_events.docker_event)

    def follow_events(self, labels: Mapping[str, str | None], *, since: float | None = None,
                      until: float | None = None) -> Iterator[ContainerEvent]:
        window = self.event_window_args(since, until)
        argv = self.command(*self.event_args, *window, *build_argv.label_filters(labels))
        stream = process.start_streaming(argv)
        # The output and errors are merged, so a line that is not an event is kept for the error.
        others: deque[str] = deque(maxlen=5)
        try:
            for line in stream.stdout or ():
                event = self.read_event(line)
                if event is None:
                    others.append(line.rstrip("\n"))
                else:
                    yield event
            code = stream.wait()
        finally:
            if stream.poll() is None:
                stream.terminate()
                stream.wait()
        if code == 0 and until is not None:
            return
        raise EngineError(argv, code, "\n".join(others) or "the event stream ended")

    def event_window_args(self, since: float | None, until: float | None) -> list[str]:
        """Return the `--since` and `--until` arguments, in whole seconds that include the window."""
        import math

        args = []
        if since is not None:
            args += ["--since", str(math.floor(since))]
        if until is not None:
            args += ["--until", str(math.ceil(until))]
        return args

    def read_stats(self, names: Sequence[str]) -> list[ContainerStats]:
        if not names:
            return []
        argv = [*stats.DOCKER_ARGS, *names]
        return stats.docker_stats(argv, self.run(*argv))

    def show_stats(self, names: Sequence[str], until: Callable[[], bool], interval: float) -> int | None:
        # The live view only displays, and the docker client's `stats` ignores SIGTERM, so it is killed.
        return process.run_attached_until(self.command("stats", *names), until=until, interval=interval,
                                          sigterm_as=signal.SIGKILL)

    def run_container(self, spec: ContainerSpec) -> str:
        argv = self.run_arguments(spec, detach=True)
        container_id = self.run(*argv).strip()
        self.connect_extra_networks(spec)
        return container_id

    def create_container(self, spec: ContainerSpec) -> str:
        args = self.run_arguments(spec, detach=True)
        args[:2] = ["create"]
        container_id = self.run(*args).strip()
        self.connect_extra_networks(spec)
        return container_id

    def run_attached(self, spec: ContainerSpec, *, held_errors: process.HeldErrors | None = None,
                     on_interrupt: Callable[[], None] | None = None) -> int:
        argv = self.command(*self.run_arguments(spec, detach=False))
        if held_errors is None and on_interrupt is None:
            return self.attached_runner(argv)
        return self.attached_runner(argv, held_errors=held_errors, on_interrupt=on_interrupt)

    def run_arguments(self, spec: ContainerSpec, *, detach: bool) -> list[str]:
        args = ["run", "--detach"] if detach else ["run", "--interactive"]
        if not detach and spec.terminal and _stdin_is_terminal():
            args.append("--tty")
        args += build_argv.container_flags(spec, list_entrypoint=self.list_entrypoint)
        if spec.healthcheck is not None and spec.healthcheck.start_interval is not None:
            args += self.start_interval_flags(spec.healthcheck.start_interval)
        if spec.healthcheck is not None:
            args += self.health_timer_flags(spec.healthcheck)
        if spec.gpus is not None:
            args += self.gpu_flags(spec.gpus)
        args.append(spec.image)
        args += build_argv.command_words(spec, list_entrypoint=self.list_entrypoint)
        return args

    def start_interval_flags(self, seconds: float) -> list[str]:
        """Return the flags for a healthcheck's start interval, or none where the engine lacks it."""
        return []

    def health_timer_flags(self, check: HealthCheck) -> list[str]:
        """Return the flags that keep the engine from scheduling a check that crank runs itself."""
        return []

    def gpu_flags(self, request: GpuRequest) -> list[str]:
        """Return the flags that give a container GPUs, in Docker's `--gpus` form."""
        if request.device_ids:
            return ["--gpus", f"device={','.join(request.device_ids)}"]
        return ["--gpus", "all" if request.count is None else str(request.count)]

    def connect_extra_networks(self, spec: ContainerSpec) -> None:
        for network in spec.networks[1:]:
            aliases: list[str] = []
            for alias in network.aliases:
                aliases += ["--alias", alias]
            aliases += build_argv.option("--ip", network.ipv4_address)
            self.run("network", "connect", *aliases, network.name, spec.name)

    def start_containers(self, names: Sequence[str]) -> None:
        if names:
            self.run("start", *names)

    def stop_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        if not names:
            return
        timeout_flag = ["--time", str(timeout)] if timeout is not None else []
        self.run("stop", *timeout_flag, *names)

    def restart_containers(self, names: Sequence[str], timeout: int | None = None) -> None:
        if names:
            timeout_flag = ["--time", str(timeout)] if timeout is not None else []
            self.run("restart", *timeout_flag, *names)

    def rename_container(self, name: str, new_name: str) -> None:
        self.run("rename", name, new_name)

    def kill_containers(self, names: Sequence[str], signal: str) -> None:
        if names:
            self.run("kill", "--signal", signal, *names)

    def pause_containers(self, names: Sequence[str]) -> None:
        if names:
            self.run("pause", *names)

    def unpause_containers(self, names: Sequence[str]) -> None:
        if names:
            self.run("unpause", *names)

    def remove_containers(self, names: Sequence[str], *, volumes: bool = True) -> None:
        if not names:
            return
        volume_flag = ["--volumes"] if volumes else []
        try:
            self.run("rm", "--force", *volume_flag, *names)
        except EngineError as error:
            # The engine removes the others and reports only the containers it is already removing.
            if not removal.in_progress_only(error):
                raise
            removal.wait_until_removed(self.inspect_containers, names, error)

    def exec_attached(self, name: str, command: Sequence[str], *, tty: bool, user: str | None,
                      workdir: str | None, environment: Mapping[str, str], privileged: bool = False,
                      detach: bool = False) -> int:
        # Standard input always reaches an attached command, as with docker compose; `tty`
        # allocates a terminal only when crank's own standard input is one.
        args = ["exec"]
        if detach:
            args.append("--detach")
        else:
            args.append("--interactive")
            if tty and _stdin_is_terminal():
                args.append("--tty")
        if privileged:
            args.append("--privileged")
        args += build_argv.option("--user", user) + build_argv.option("--workdir", workdir)
        for key, value in environment.items():
            args += ["--env", f"{key}={value}"]
        if not detach:
            return self.attached_runner(self.command(*args, name, *command))
        # Podman prints the ID of a detached exec session and Docker prints nothing; docker
        # compose prints nothing on either, so crank drops that output.
        with open(os.devnull, "w") as nowhere:
            return self.attached_runner(self.command(*args, name, *command), stdout=nowhere)

    def exec_captured(self, name: str, command: Sequence[str], *, user: str | None = None,
                      workdir: str | None = None, environment: Mapping[str, str] | None = None,
                      privileged: bool = False) -> str:
        args = ["exec", *(["--privileged"] if privileged else [])]
        args += build_argv.option("--user", user) + build_argv.option("--workdir", workdir)
        for key, value in (environment or {}).items():
            args += ["--env", f"{key}={value}"]
        return self.run(*args, name, *command)

    def copy_files(self, source: str, destination: str, *, archive: bool = False, follow_link: bool = False) -> None:
        args = ["cp", *self.copy_flags(archive=archive, follow_link=follow_link), source, destination]
        if "-" not in (source, destination):
            self.run(*args)
            return
        self._run_on_own_streams(args, "the copy")

    def _run_on_own_streams(self, args: list[str], description: str) -> None:
        """Run an engine command that reads or writes a tar archive on crank's standard input or output.

        The archive is binary data for another program, so the engine reads or writes crank's
        own streams, and its error message goes to stderr itself.
        """
        argv = self.command(*args)
        code = self.attached_runner(argv)
        if code != 0:
            raise EngineError(argv, code, f"{description} failed; the engine's message is above")

    def copy_flags(self, *, archive: bool, follow_link: bool) -> list[str]:
        """Return the `cp` flags that keep the source's user and group IDs and follow a symbolic link."""
        flags = []
        if archive:
            flags.append("--archive")
        if follow_link:
            flags.append("--follow-link")
        return flags

    def commit_container(self, name: str, options: CommitOptions) -> str:
        output = self.run(*self.commit_arguments(name, options))
        # The ID is the last line, because Podman may print progress before it.
        lines = output.strip().splitlines()
        return normalize_image_id(lines[-1].strip()) if lines else ""

    def commit_arguments(self, name: str, options: CommitOptions) -> list[str]:
        reference = [options.reference] if options.reference else []
        return ["commit", *build_argv.commit_flags(options), name, *reference]

    def export_container(self, name: str, output: str | None) -> None:
        if output is not None:
            self.run("export", "--output", output, name)
            return
        self._run_on_own_streams(["export", name], "the export")

    def watch_exit(self, name: str) -> subprocess.Popen[str]:
        return process.start_streaming(self.command("wait", name))

    # Networks and volumes

    def create_network(self, name: str, labels: Mapping[str, str], options: Mapping[str, Any] | None = None) -> None:
        self.run("network", "create", *build_argv.network_flags(options or {}), *build_argv.label_flags(labels), name)

    def list_networks(self, labels: Mapping[str, str | None]) -> list[str]:
        filters = build_argv.label_filters(labels)
        return self.run("network", "ls", "--format", "{{.Name}}", *filters).split()

    def remove_networks(self, names: Sequence[str]) -> None:
        if names:
            self.run("network", "rm", *names)

    def create_volume(self, name: str, labels: Mapping[str, str], driver: str | None = None,
                      options: Mapping[str, str] | None = None) -> None:
        flags = build_argv.option("--driver", driver)
        for key, value in (options or {}).items():
            flags += ["--opt", f"{key}={value}"]
        self.run("volume", "create", *flags, *build_argv.label_flags(labels), name)

    def list_volumes(self, labels: Mapping[str, str | None]) -> list[str]:
        filters = build_argv.label_filters(labels)
        return self.run("volume", "ls", "--format", "{{.Name}}", *filters).split()

    def inspect_volumes(self, labels: Mapping[str, str | None]) -> list[VolumeDetails]:
        return [volume_details(record) for record in self._inspect_present("volume", self.list_volumes(labels))]

    def volume_exists(self, name: str) -> bool:
        try:
            self.run("volume", "inspect", name)
        except EngineError:
            return False
        return True

    def remove_volumes(self, names: Sequence[str]) -> None:
        if names:
            self.run("volume", "rm", *names)

    # Images and logs

    def image_facts(self, reference: str) -> ImageFacts | None:
        """Return an image's ID and labels in one read, or None if the engine lacks the image."""
        try:
            output = self.run("image", "inspect", "--format", "{{.Id}} {{json .Config.Labels}}", reference)
        except EngineError:
            return None
        image_id, _, labels = output.strip().partition(" ")
        return ImageFacts(normalize_image_id(image_id), dict(parse_json(["image", "inspect"], labels or "null") or {}))

    def image_labels(self, reference: str) -> dict[str, str] | None:
        """Return an image's labels, or None if the engine lacks the image."""
        facts = self.image_facts(reference)
        return None if facts is None else facts.labels

    def image_id(self, reference: str) -> str | None:
        facts = self.image_facts(reference)
        return None if facts is None else facts.id

    def inspect_images(self, ids: Sequence[str]) -> list[ImageDetails]:
        """Return the details of the images named that exist, in one engine command; missing ones are left out."""
        return [image_details(record) for record in self._inspect_present("image", ids)]

    def pull_image(self, reference: str, *, quiet: bool = False) -> None:
        self._run_with_output(self.command("pull", reference), f"the pull of {reference}", quiet=quiet)

    def push_image(self, reference: str, *, quiet: bool = False) -> None:
        # The engine reads the registry's credentials from its own login, so none pass through crank.
        self._run_with_output(self.command("push", reference), f"{self.binary} push", quiet=quiet)

    def login_command(self, registry: str) -> str:
        return shlex.join([self.binary, "login", registry])

    def remove_images(self, references: Sequence[str]) -> None:
        if references:
            self.run("rmi", *references)

    def build_image(self, spec: BuildSpec, *, quiet: bool = False) -> None:
        description = f"the build of {spec.tag}"
        if spec.dockerfile_inline is None:
            self._run_with_output(self.command(*self.build_arguments(spec)), description, quiet=quiet)
            return
        import tempfile

        # Both clients read a Dockerfile outside the context folder, so the text goes to a file that
        # lives as long as the build.
        with tempfile.TemporaryDirectory(prefix="crank-build-") as folder:
            dockerfile = os.path.join(folder, "Dockerfile")
            with open(dockerfile, "w", encoding="utf-8") as file:
                file.write(spec.dockerfile_inline)
            argv = self.command(*self.build_arguments(spec._replace(dockerfile=dockerfile)))
            self._run_with_output(argv, description, quiet=quiet)

    def _run_with_output(self, argv: list[str], description: str, *, quiet: bool = False) -> None:
        """Run a build, pull or push whose output is progress for a person, never data for stdout.

        Without `output_lines`, the engine writes its output to stderr as it likes to. With
        it, each line goes there. With `quiet`, no line is shown. When the lines pass through
        crank (with `output_lines` or `quiet`), a failure's message quotes the last ones.
        """
        if self.output_lines is None and not quiet:
            code = self.attached_runner(argv, stdout=sys.stderr)
            if code != 0:
                raise EngineError(argv, code, f"{description} failed; its output is above")
            return
        last: deque[str] = deque(maxlen=FAILURE_LINES)
        forward = None if quiet else self.output_lines

        def keep(line: str) -> None:
            # Colours and cursor moves meant for a terminal mean nothing in a JSON line or an error.
            line = _TERMINAL_CODES.sub("", line)
            last.append(line)
            if forward is not None:
                forward(line)

        code = self.attached_runner(argv, lines=keep)
        if code != 0:
            raise EngineError(argv, code, "\n".join(last) or f"{description} failed without output")

    def build_arguments(self, spec: BuildSpec) -> list[str]:
        return ["build", *build_argv.build_flags(spec)]

    def follow_logs(self, name: str, *, follow: bool = True, tail: int | None = None,
                    timestamps: bool = False, since: str | None = None,
                    until: str | None = None) -> subprocess.Popen[str]:
        args = ["logs"]
        if follow:
            args.append("--follow")
        if tail is not None:
            args += ["--tail", str(tail)]
        if timestamps:
            args.append("--timestamps")
        args += build_argv.option("--since", since) + build_argv.option("--until", until)
        return process.start_streaming(self.command(*args, name))


def _only_missing(error: EngineError) -> bool:
    # Docker writes "No such container" or "No such image", Podman 4.3 "image not known" for an image.
    lines = [line for line in error.stderr.lower().splitlines() if line.strip()]
    return bool(lines) and all("no such" in line or "not known" in line for line in lines)


def _short_reason(error: EngineError) -> str:
    lines = error.stderr.splitlines()
    if error.returncode in (127, -1) or not lines:
        return error.message
    return lines[-1]


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()
