"""Stream images and volume contents from one engine to another, with no temporary file.

An image travels as `SOURCE save ID | TARGET load` through an operating-system pipe between
two processes. A volume travels as a tar stream: a helper container on the source mounts the
volume read-only and writes the archive to its standard output, and a helper container on
the target extracts it from its standard input. crank reads that stream on its way, so a
caller can build a checksum manifest of exactly what was sent.

Helper containers run with no network and no log driver: an engine that logs a container's
output (Docker's json-file, Podman's k8s-file) would otherwise store the whole archive again.

When both engines keep a volume as a folder on this machine, crank copies it on the host
instead (`operations.migrate.hostcopy`); the queries below tell where that folder is.
"""

from __future__ import annotations

import queue
import subprocess
import tarfile
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TypeVar

from crank_cli import verbose
from crank_cli.errors import EngineError, EngineNotFoundError
from crank_cli.process import redact
from crank_cli.runtime.argv import label_flags
from crank_cli.runtime.compatible import DockerCompatibleEngine
from crank_cli.runtime.inspect import parse_json


VOLUME_MOUNT = "/crank-volume"
GNU_TAR = "gnu"
BUSYBOX_TAR = "busybox"
PROBE_TIMEOUT_SECONDS = 60.0
CHUNK_BYTES = 1 << 20
QUEUED_CHUNKS = 32

Result = TypeVar("Result")


@dataclass(frozen=True)
class Helper:
    """The image of the helper containers, present on both engines, and the tar it has."""

    image: str
    tar: str
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def keeps_xattrs(self) -> bool:
        return self.tar == GNU_TAR


def helper_command(
    engine: DockerCompatibleEngine,
    helper: Helper,
    volume: str,
    entrypoint: str,
    args: Sequence[str],
    *,
    read_only: bool = False,
    stdin: bool = False,
) -> list[str]:
    """Return the argument list of a helper container that mounts `volume` and runs one program."""
    mount = f"type=volume,source={volume},target={VOLUME_MOUNT}"
    argv = ["run", "--rm", "--network", "none", "--log-driver", "none", "--user", "0:0"]
    if stdin:
        argv.append("--interactive")
    argv += label_flags(helper.labels)
    # Podman 4.3 rejects `readonly` in --mount; both engines accept `ro`.
    argv += ["--mount", mount + (",ro" if read_only else ""), "--entrypoint", entrypoint, helper.image]
    return engine.command(*argv, *args)


def tar_create_args(tar: str, paths: Sequence[str] | None = None) -> list[str]:
    """Return the arguments of a tar that archives the volume, or only `paths`, to standard output.

    Each path starts with `./`, so none can be taken for an option.
    """
    names = ["--no-recursion", *paths] if paths is not None else ["."]
    if tar == GNU_TAR:
        # POSIX format carries extended attributes and sub-second times in pax headers.
        return ["--create", "--file=-", f"--directory={VOLUME_MOUNT}", "--numeric-owner",
                "--format=posix", "--xattrs", "--xattrs-include=*", *names]
    return ["-c", "-f", "-", "-C", VOLUME_MOUNT, *names]


def tar_extract_args(tar: str) -> list[str]:
    """Return the arguments of a tar that extracts standard input into the volume as it was."""
    if tar == GNU_TAR:
        return ["--extract", "--file=-", f"--directory={VOLUME_MOUNT}", "--numeric-owner",
                "--same-owner", "--preserve-permissions", "--xattrs", "--xattrs-include=*"]
    return ["-x", "-f", "-", "-C", VOLUME_MOUNT, "--numeric-owner"]


@dataclass(frozen=True)
class VolumeLocation:
    """The driver, options and mount point of a volume, from `volume inspect`."""

    driver: str
    options: Mapping[str, str]
    mountpoint: str


def volume_location(engine: DockerCompatibleEngine, volume: str) -> VolumeLocation | None:
    """Return a volume's driver, options and mount point, or None when the engine has no such volume."""
    argv = ["volume", "inspect", volume]
    try:
        output = engine.run(*argv)
    except EngineError:
        return None
    records = parse_json(argv, output)
    if not records:
        return None
    record = records[0]
    return VolumeLocation(str(record.get("Driver") or ""), dict(record.get("Options") or {}),
                          str(record.get("Mountpoint") or ""))


def user_namespace(engine: DockerCompatibleEngine) -> str | None:
    """Return `rootless` or `userns` when the engine maps container user IDs to others on the host, else None."""
    # The Go template also works with older Docker clients, which lack the `--format json` shorthand.
    document = parse_json(["info"], engine.run("info", "--format", "{{json .}}"))
    podman_host = document.get("host") or {}
    if podman_host:
        return "rootless" if (podman_host.get("security") or {}).get("rootless") else None
    options = " ".join(document.get("SecurityOptions") or ())
    if "name=rootless" in options:
        return "rootless"
    return "userns" if "name=userns" in options else None


def volume_root_inode(engine: DockerCompatibleEngine, helper: Helper, volume: str, *, read_only: bool) -> int | None:
    """Return the inode number of the volume's root folder inside a helper container, or None if unreadable.

    A first mount also lets Podman apply its pending copy-up and ownership change to a new
    volume, which it would otherwise do when the service starts, over the copied root folder.
    """
    argv = helper_command(engine, helper, volume, "stat", ["-c", "%i", VOLUME_MOUNT], read_only=read_only)
    try:
        output = engine.runner(argv, timeout=PROBE_TIMEOUT_SECONDS).stdout.strip()
    except EngineError as error:
        verbose.info("transfer", "cannot read the root inode of volume %s on %s: %s", volume, engine.name, error.message)
        return None
    return int(output) if output.isdigit() else None


def probe_tar(engine: DockerCompatibleEngine, image: str) -> str | None:
    """Return which tar an image has (`gnu` or `busybox`), or None when it has none."""
    argv = ["run", "--rm", "--network", "none", "--log-driver", "none", "--entrypoint", "tar", image, "--version"]
    try:
        output = engine.run(*argv, timeout=PROBE_TIMEOUT_SECONDS)
    except EngineError as error:
        verbose.info("transfer", "image %s has no usable tar: %s", image, error.message)
        return None
    first_line = output.strip().splitlines()[0] if output.strip() else ""
    if "GNU tar" in first_line:
        return GNU_TAR
    if "busybox" in first_line.lower():
        return BUSYBOX_TAR
    return None


def volume_kilobytes(engine: DockerCompatibleEngine, helper: Helper, volume: str) -> int:
    """Return the disk space a volume's files use, in KiB, as `du -sk` reports it."""
    argv = helper_command(engine, helper, volume, "du", ["-s", "-k", VOLUME_MOUNT], read_only=True)
    output = engine.runner(argv, timeout=None).stdout
    return int(output.split()[0]) if output.split() else 0


def empty_volume(engine: DockerCompatibleEngine, helper: Helper, volume: str) -> None:
    """Remove everything inside a volume, keeping the volume itself."""
    args = [VOLUME_MOUNT, "-mindepth", "1", "-maxdepth", "1", "-exec", "rm", "-rf", "{}", "+"]
    engine.runner(helper_command(engine, helper, volume, "find", args), timeout=None)


def remove_paths(engine: DockerCompatibleEngine, helper: Helper, volume: str, paths: Sequence[str]) -> None:
    """Remove paths (relative to the volume root) and everything below them from a volume.

    The paths travel on standard input, separated by NUL bytes, so no name is read as an option.
    """
    names = "".join(f"{VOLUME_MOUNT}/{path}\0" for path in paths)
    argv = helper_command(engine, helper, volume, "xargs", ["-0", "rm", "-rf"], stdin=True)
    engine.runner(argv, input_text=names, timeout=None)


def read_volume(
    engine: DockerCompatibleEngine,
    helper: Helper,
    volume: str,
    consume: Callable[[IO[bytes]], Result],
    paths: Sequence[str] | None = None,
) -> Result:
    """Stream a tar archive of the volume, or of only `paths`, into `consume`; return its result."""
    reader = _start(helper_command(engine, helper, volume, "tar", tar_create_args(helper.tar, paths), read_only=True))
    with _Processes(reader) as processes:
        assert reader.stdout is not None
        pump = _Pump(reader.stdout, None)
        result = _drive(pump, consume, processes, reader)
    return result


def copy_volume(
    source: DockerCompatibleEngine,
    target: DockerCompatibleEngine,
    helper: Helper,
    volume: str,
    observe: Callable[[IO[bytes]], Result],
    *,
    source_may_change: bool = False,
    paths: Sequence[str] | None = None,
) -> Result:
    """Copy a volume's files, or only `paths`, from `source` into the same-named volume on `target`.

    `observe` reads the archive as it passes (it must read it to the end) and its return
    value is returned. With `source_may_change`, GNU tar's exit code 1 ("file changed as we
    read it") is accepted, as it is expected while the source service still runs.
    """
    reader_argv = helper_command(source, helper, volume, "tar", tar_create_args(helper.tar, paths), read_only=True)
    writer_argv = helper_command(target, helper, volume, "tar", tar_extract_args(helper.tar), stdin=True)
    reader = _start(reader_argv)
    writer = _start(writer_argv, stdin=subprocess.PIPE)
    tolerated = {1} if source_may_change and helper.tar == GNU_TAR else set()
    with _Processes(reader, writer, tolerated={reader: tolerated}) as processes:
        assert reader.stdout is not None and writer.stdin is not None
        pump = _Pump(reader.stdout, writer.stdin)
        result = _drive(pump, observe, processes, reader)
    return result


def copy_image(source: DockerCompatibleEngine, target: DockerCompatibleEngine, image: str) -> None:
    """Copy one image by streaming `save` on the source into `load` on the target."""
    save = _start(source.command("save", image))
    assert save.stdout is not None
    load = _start(target.command("load"), stdin=save.stdout, capture_stdout=True)
    # Only the two engine processes have the pipe open now, so `load` reads its end when `save` exits.
    save.stdout.close()
    with _Processes(save, load) as processes:
        processes.finish()


def _drive(pump: _Pump, consume: Callable[[IO[bytes]], Result], processes: _Processes,
           reader: subprocess.Popen[bytes]) -> Result:
    """Let `consume` read the pumped stream, then wait for the processes and check them."""
    try:
        result = consume(pump)  # type: ignore[arg-type]
    except _STREAM_ERRORS as error:
        # Processes still running would keep the pump thread blocked on a pipe.
        processes.kill_running()
        pump.close()
        # A process that failed by itself explains the broken stream best, so its error wins.
        processes.finish()
        raise _unreadable(reader, error) from None
    except BaseException:
        processes.kill_running()
        pump.close()
        raise
    pump.close()
    processes.finish()
    return result


# The stderr file of each running streaming process, by process ID.
_STDERR_FILES: dict[int, IO[bytes]] = {}

# What reading a cut-off or invalid archive raises, including a write to a closed pipe.
_STREAM_ERRORS = (tarfile.TarError, EOFError, OSError)


def _unreadable(reader: subprocess.Popen[bytes], error: Exception) -> EngineError:
    return EngineError(_argv(reader), 0, f"the volume archive broke off: {error}")


class _Pump:
    """Copies a stream to a sink in a thread, and hands the same bytes to a reader in this one.

    Reading the archive (hashing every file for the manifest) then overlaps with moving it
    between the engines instead of holding the copy up. At most `QUEUED_CHUNKS` chunks wait
    between the two, so memory stays bounded however large the volume is.
    """

    def __init__(self, source: IO[bytes], sink: IO[bytes] | None) -> None:
        self.source = source
        self.sink = sink
        self.chunks: queue.Queue[bytes] = queue.Queue(maxsize=QUEUED_CHUNKS)
        self.pending = b""
        self.error: BaseException | None = None
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._copy, name="crank-volume-pump", daemon=True)
        self.thread.start()

    def _copy(self) -> None:
        try:
            while chunk := self.source.read(CHUNK_BYTES):
                if self.sink is not None:
                    self.sink.write(chunk)
                if not self._hand_over(chunk):
                    return
            if self.sink is not None:
                self.sink.close()
        except BaseException as error:  # noqa: BLE001 - passed on to the reading thread
            self.error = error
        finally:
            self._hand_over(b"")

    def _hand_over(self, chunk: bytes) -> bool:
        while not self.stopped.is_set():
            try:
                self.chunks.put(chunk, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes (all that remain when negative), or b"" at the end."""
        parts = [self.pending]
        count = len(self.pending)
        while size < 0 or count < size:
            chunk = self.chunks.get()
            if not chunk:
                self.chunks.put(b"")  # later reads see the end too
                if self.error is not None:
                    raise self.error
                break
            parts.append(chunk)
            count += len(chunk)
        data = b"".join(parts)
        if size < 0:
            self.pending = b""
            return data
        self.pending = data[size:]
        return data[:size]

    def close(self) -> None:
        """Stop the copy thread and wait for it; end the processes first if it may be stuck."""
        self.stopped.set()
        self.thread.join()


def _start(argv: Sequence[str], *, stdin: int | IO[bytes] | None = subprocess.DEVNULL,
           capture_stdout: bool = False) -> subprocess.Popen[bytes]:
    verbose.debug("transfer", "stream: %s", redact(argv))
    stdout: int | IO[bytes] = tempfile.TemporaryFile() if capture_stdout else subprocess.PIPE
    stderr = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(list(argv), stdin=stdin, stdout=stdout, stderr=stderr)
    except FileNotFoundError:
        raise EngineNotFoundError(argv[0]) from None
    # Popen keeps no handle of a file passed as stderr, so the process carries it along.
    _STDERR_FILES[process.pid] = stderr
    return process


class _Processes:
    """Waits for a group of streaming processes and turns a failure into `EngineError`.

    Leaving the block early (an error, Ctrl-C) kills every process of the group that still
    runs, so no half-finished copy goes on behind crank's back.
    """

    def __init__(self, *processes: subprocess.Popen[bytes],
                 tolerated: Mapping[subprocess.Popen[bytes], set[int]] | None = None) -> None:
        self.processes = processes
        self.tolerated = tolerated or {}
        self.killed: set[subprocess.Popen[bytes]] = set()

    def __enter__(self) -> _Processes:
        return self

    def kill_running(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                self.killed.add(process)

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()
            stderr = _STDERR_FILES.pop(process.pid, None)
            if stderr is not None:
                stderr.close()

    def finish(self) -> None:
        """Wait for every process and raise `EngineError` for the first that failed."""
        for process in self.processes:
            # A reader whose output is no longer read would block on a full pipe, and a writer
            # whose input stays open would wait for more.
            for stream in (process.stdout, process.stdin):
                if stream is not None and not stream.closed:
                    try:
                        stream.close()
                    except BrokenPipeError:
                        pass
        failures = []
        for process in self.processes:
            code = process.wait()
            if code != 0 and code not in self.tolerated.get(process, set()):
                failures.append(process)
        if failures:
            first = sorted(failures, key=lambda process: process in self.killed)[0]
            raise EngineError(_argv(first), first.returncode, _stderr(first))


def _argv(process: subprocess.Popen[bytes]) -> list[str]:
    args = process.args
    return [str(arg) for arg in args] if isinstance(args, list) else [str(args)]


def _stderr(process: subprocess.Popen[bytes]) -> str:
    stream = _STDERR_FILES.get(process.pid)
    if stream is None:
        return ""
    stream.seek(0)
    return stream.read().decode(errors="replace")
