"""The one place where crank starts engine processes.

Every engine command goes through `run` or `stream` as an argument list, never through a
shell. Commands are logged at DEBUG level with the values of `-e KEY=VALUE` hidden, so a
secret passed to a container never reaches a log.

`subprocess` is imported by the functions that start a process: with a local Docker daemon,
crank sends requests to its socket and most commands start no process at all.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, NamedTuple, Protocol, TextIO

from crank_cli import verbose
from crank_cli.errors import CrankError, EngineError, EngineNotFoundError, EngineTimeoutError

if TYPE_CHECKING:
    import subprocess

_SECRET_FLAGS = ("-e", "--env", "--build-arg")


class Completed(NamedTuple):
    """The result of an engine command that exited with code 0."""

    argv: tuple[str, ...]
    stdout: str
    stderr: str


class Runner(Protocol):
    """Signature of `run`, so unit tests can pass a fake at the process boundary."""

    def __call__(
        self,
        argv: Sequence[str],
        *,
        input_text: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed: ...


class AttachedRunner(Protocol):
    """Signature of `run_attached`, so a dry run can print commands instead of running them."""

    def __call__(self, argv: Sequence[str], *, stdout: TextIO | None = None,
                 lines: Callable[[str], None] | None = None, sigterm_as: int | None = None,
                 idle_stdin: bool = False, held_errors: HeldErrors | None = None,
                 on_interrupt: Callable[[], None] | None = None) -> int: ...


class HeldErrors:
    """The standard error of an attached command, held back until `is_released()` first returns True.

    An engine client that runs a container writes its own errors, such as a published port
    that is taken, to the same stream as the container's standard error. Its errors come
    before the container starts, and the container's output after, so a caller that can tell
    when the container started keeps the engine's text out of the terminal.
    `is_released` is called on a reader thread, once for each chunk read until it returns True.
    """

    def __init__(self, is_released: Callable[[], bool]) -> None:
        self.is_released = is_released
        self.held = bytearray()
        self.released = False

    def text(self) -> str:
        """Return the held output as text, with bytes that are not UTF-8 replaced."""
        return self.held.decode(errors="replace")

    def release(self) -> None:
        """Write the held output to crank's standard error and pass on everything after it."""
        self.released = True
        if self.held:
            _write_errors(bytes(self.held))
            self.held.clear()

    def relay(self, stream: IO[bytes]) -> None:
        """Copy `stream` to crank's standard error until its end, holding it back until released."""
        while chunk := os.read(stream.fileno(), 65536):
            if not self.released and self._check_released():
                self.release()
            if self.released:
                _write_errors(chunk)
            else:
                self.held += chunk

    def _check_released(self) -> bool:
        # A failed check keeps the output held, and the next chunk checks again.
        try:
            return self.is_released()
        except CrankError as error:
            verbose.debug("process", "holding the command's errors back: %s", error.message)
            return False


def _write_errors(data: bytes) -> None:
    """Write bytes to crank's standard error as they are, or as text where it has no file descriptor."""
    import sys

    try:
        descriptor = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        sys.stderr.write(data.decode(errors="replace"))
        sys.stderr.flush()
        return
    sys.stderr.flush()
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def redact(argv: Sequence[str]) -> str:
    """Join `argv` for a log line, with the values of environment and build-arg flags hidden."""
    words: list[str] = []
    previous = ""
    for arg in argv:
        flag, equals, assignment = arg.partition("=")
        if previous in _SECRET_FLAGS:
            words.append(_hide_value(arg))
        elif equals and flag in _SECRET_FLAGS:
            words.append(f"{flag}={_hide_value(assignment)}")
        else:
            words.append(arg)
        previous = arg
    return shlex.join(words)


def _hide_value(assignment: str) -> str:
    name, equals, _ = assignment.partition("=")
    return f"{name}=***" if equals else name


def run(
    argv: Sequence[str],
    *,
    input_text: str | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run an engine command, capture its output and raise `EngineError` if it fails.

    A command that `start_early` has started with the same argument list is not started again:
    its output is collected.
    """
    import subprocess

    early = _started_early.pop(tuple(argv), None) if input_text is None and env is None else None
    child = early[0] if early is not None else None
    if child is None:
        verbose.debug("process", "run: %s", redact(argv))
        child = _start(argv, input_text is not None, env)
    with child:
        try:
            stdout, stderr = child.communicate(input_text, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(child)
            child.communicate()
            raise EngineTimeoutError(argv, timeout or 0) from None
        except KeyboardInterrupt:
            _wait_out(child)
            raise
    if child.returncode != 0:
        raise EngineError(argv, child.returncode, stderr, stdout)
    return Completed(tuple(argv), stdout, stderr)


def start_early(argv: Sequence[str], *, exit_timeout: float) -> None:
    """Start an engine command now, for a later `run` of the same argument list to collect.

    A command that only reads, such as an engine's version, can then run while crank imports
    and reads its files. A command that no `run` collects, because the verb failed first, is
    waited for when crank exits, and killed after `exit_timeout` seconds, so an engine that
    hangs cannot keep crank from exiting.
    """
    if tuple(argv) in _started_early:
        return
    verbose.debug("process", "run early: %s", redact(argv))
    try:
        child = _start(argv, False, None)
    except EngineNotFoundError:
        # `run` raises the same error when the command is needed.
        return
    if not _started_early:
        import atexit

        atexit.register(_wait_for_uncollected)
    _started_early[tuple(argv)] = (child, exit_timeout)


# The commands `start_early` started that no `run` has collected yet, by argument list, each
# with the seconds crank waits for it at exit.
_started_early: dict[tuple[str, ...], tuple[subprocess.Popen[str], float]] = {}


def _start(argv: Sequence[str], with_input: bool, env: Mapping[str, str] | None) -> subprocess.Popen[str]:
    import subprocess

    try:
        # A process group of its own keeps the terminal's Ctrl-C from reaching the command.
        # Such a group is in the terminal's background, where the kernel stops a process that
        # reads the terminal, so the command never gets the terminal as its input.
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if with_input else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            env=dict(env) if env is not None else None,
            process_group=0,
        )
    except FileNotFoundError:
        raise EngineNotFoundError(argv[0]) from None


def _wait_for_uncollected() -> None:
    import subprocess

    while _started_early:
        _, (child, exit_timeout) = _started_early.popitem()
        with child:
            try:
                child.communicate(timeout=exit_timeout)
            except subprocess.TimeoutExpired:
                _kill(child)
                child.communicate()
            except KeyboardInterrupt:
                _wait_out(child)


def _kill(child: subprocess.Popen[str]) -> None:
    """Kill an engine command and every process it started, which share its process group.

    A child of the command, such as the engine behind a wrapper script, would otherwise keep
    the output pipes open, and crank would wait for it to end.
    """
    import os
    import signal

    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()


def _wait_out(child: subprocess.Popen[str]) -> None:
    """Wait for an engine command that Ctrl-C interrupted crank's wait for, until a third Ctrl-C.

    A command killed half-way can leave its object half-changed: Podman keeps a container
    whose `podman stop` was killed in the `stopping` state, where it can be neither started
    nor stopped again. So the interrupt takes effect once the command has ended. A command
    that hangs, such as one waiting for a lock another process holds, is killed at the third
    Ctrl-C, after a warning at the second.
    """
    import sys

    presses = 1
    while True:
        try:
            child.communicate()
            return
        except KeyboardInterrupt:
            presses += 1
        if presses == 2:
            sys.stderr.write(f"crank: waiting for the engine command to end: {redact(child.args)}; "
                             "press Ctrl-C again to kill it, which may leave its object half-changed\n")
        else:
            _kill(child)
            child.communicate()
            return


def run_attached(argv: Sequence[str], *, stdout: TextIO | None = None,
                 lines: Callable[[str], None] | None = None, sigterm_as: int | None = None,
                 idle_stdin: bool = False, held_errors: HeldErrors | None = None,
                 on_interrupt: Callable[[], None] | None = None) -> int:
    """Run an engine command on crank's own standard streams and return its exit code.

    `stdout` sends the command's standard output elsewhere, such as to stderr for build logs.
    With `lines`, the command's output and errors, merged, go to that function line by line
    instead, without the line end. With `sigterm_as`, a SIGTERM that crank receives is
    sent to the command as that signal, and crank returns once the command ends, so the
    command does not run on after crank. With `idle_stdin`, the command's standard input is a
    pipe that stays open and empty until the command ends, instead of crank's own.
    With `held_errors`, the command's standard error goes through that object (see
    `HeldErrors`). Ctrl-C kills the command, unless `on_interrupt` is given: then crank calls
    it and waits for the command to end before the interrupt goes on, and kills the command
    only if `on_interrupt` raises.
    """
    import subprocess
    import threading

    verbose.debug("process", "run attached: %s", redact(argv))
    if lines is None:
        try:
            command = subprocess.Popen(list(argv), stdout=stdout, stdin=subprocess.PIPE if idle_stdin else None,
                                       stderr=subprocess.PIPE if held_errors is not None else None)
        except FileNotFoundError:
            raise EngineNotFoundError(argv[0]) from None
        reader = None
        if held_errors is not None:
            reader = threading.Thread(target=held_errors.relay, args=(command.stderr,), name="crank-stderr", daemon=True)
            reader.start()
        with command, _forwarding_sigterm(command, sigterm_as):
            try:
                return _wait_attached(command, on_interrupt)
            except BaseException:
                # As `subprocess.call` does: Ctrl-C ends crank's wait, and the command with it.
                command.kill()
                raise
            finally:
                if reader is not None:
                    reader.join()
    with start_streaming(argv) as command:
        for line in command.stdout or ():
            lines(line.rstrip("\n"))
        return command.wait()


def _wait_attached(command: subprocess.Popen[Any], on_interrupt: Callable[[], None] | None) -> int:
    """Wait for an attached command; on Ctrl-C call `on_interrupt`, wait for the command to end, then raise."""
    try:
        return command.wait()
    except KeyboardInterrupt:
        if on_interrupt is None:
            raise
    on_interrupt()
    command.wait()
    raise KeyboardInterrupt


def run_attached_until(argv: Sequence[str], *, until: Callable[[], bool], interval: float,
                       sigterm_as: int | None = None) -> int | None:
    """Run an engine command on crank's standard output until it ends or `until()` returns True.

    This serves a live view whose input may go out of date, such as `stats` of a list of
    containers. `until` is called every `interval` seconds, and once more when the command
    ends by itself, because a view may fail when its input changes: Podman's `stats` exits
    with an error once a container it shows is removed. Return the command's exit code, or
    None when `until` returned True, in which case crank drops what the command wrote to its
    standard error. Otherwise that is written to crank's standard error once the command
    ends. `sigterm_as` works as with `run_attached`, and the command's exit code is returned then.
    """
    import subprocess
    import sys
    import threading

    verbose.debug("process", "run attached: %s", redact(argv))
    try:
        command = subprocess.Popen(list(argv), stderr=subprocess.PIPE, text=True, errors="replace")
    except FileNotFoundError:
        raise EngineNotFoundError(argv[0]) from None
    errors: list[str] = []
    # A thread reads standard error as it comes, so a command that writes a lot does not block on a full pipe.
    reader = threading.Thread(target=lambda: errors.append(command.stderr.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    with command, _forwarding_sigterm(command, sigterm_as) as received:
        try:
            code = _wait_until(command, until, interval)
        finally:
            # Ctrl-C ends crank's wait, and the command with it, as in `run_attached`.
            if command.poll() is None:
                command.kill()
            command.wait()
            reader.join()
    if received or code is not None:
        sys.stderr.write("".join(errors))
        return command.returncode
    return None


def _wait_until(command: subprocess.Popen[str], until: Callable[[], bool], interval: float) -> int | None:
    """Wait for `command` to end, or kill it once `until()` returns True; return its exit code, or None if `until` ended it."""
    import subprocess

    while True:
        try:
            code = command.wait(timeout=interval)
        except subprocess.TimeoutExpired:
            if until():
                command.kill()
                command.wait()
                return None
            continue
        return None if until() else code


@contextmanager
def _forwarding_sigterm(command: subprocess.Popen[Any], sent: int | None) -> Iterator[list[int]]:
    """Send `sent` to `command` when crank receives SIGTERM in the block; with None, or off the main thread, do nothing.

    The block gets a list that holds the signal's number once crank received it.
    """
    import signal
    import threading

    received: list[int] = []
    if sent is None or threading.current_thread() is not threading.main_thread():
        yield received
        return

    def forward(signum: int, frame: object) -> None:
        received.append(signum)
        command.send_signal(sent)

    previous = signal.signal(signal.SIGTERM, forward)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_streaming(argv: Sequence[str]) -> subprocess.Popen[str]:
    """Start an engine command whose merged output the caller reads line by line."""
    import subprocess

    verbose.debug("process", "stream: %s", redact(argv))
    try:
        return subprocess.Popen(
            list(argv),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            # Output is text for people: a byte that is not UTF-8 becomes U+FFFD instead of an error.
            errors="replace",
            bufsize=1,
        )
    except FileNotFoundError:
        raise EngineNotFoundError(argv[0]) from None


def find_program(program: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """Return the absolute path of the executable file `program` names, as a path or in a PATH folder.

    This is `shutil.which` without its import, which brings in the bz2 and lzma modules.
    """
    if os.sep in program:
        candidates = [program]
    else:
        folders = environ.get("PATH", os.defpath).split(os.pathsep)
        candidates = [os.path.join(folder or os.curdir, program) for folder in folders]
    for candidate in candidates:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None
