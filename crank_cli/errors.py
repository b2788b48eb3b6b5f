"""Errors that crank reports to the user, and the exit code each one maps to.

Every error a user can cause or meet is a `CrankError`. The command-line entry point catches
`CrankError` once, prints its message on one line and exits with its `exit_code`. Any other
exception is a bug in crank and keeps its traceback.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Sequence


class ExitCode(enum.IntEnum):
    """Exit codes of the `crank` command, documented in the README."""

    OK = 0
    ENGINE_FAILED = 1
    USAGE = 2
    INVALID_PROJECT = 3
    NO_ENGINE = 4
    NOT_READY = 5
    # As `docker run` documents: a container's command that cannot be invoked, or was not found.
    COMMAND_NOT_EXECUTABLE = 126
    COMMAND_NOT_FOUND = 127
    INTERRUPTED = 130


class Exit(Exception):
    """A request to stop crank with `exit_code`, after its messages have been printed."""

    def __init__(self, exit_code: int = 0) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


class CrankError(Exception):
    """An error with a message meant for the user and the exit code that goes with it."""

    exit_code: ExitCode = ExitCode.ENGINE_FAILED
    kind: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(CrankError):
    """A flag, argument or setting has a value crank cannot use."""

    exit_code = ExitCode.USAGE
    kind = "usage"


class NoSuchContainerError(UsageError):
    """Names given to `stop` match no service of the project and no container on the engine."""

    def __init__(self, description: str, names: Sequence[str]) -> None:
        super().__init__(f"{description}: {', '.join(names)}")
        self.description = description
        self.names = list(names)


class InvalidProjectError(CrankError):
    """A compose file, `.env` file or variable makes the project invalid."""

    exit_code = ExitCode.INVALID_PROJECT
    kind = "invalid-project"
    # Warnings of the load that failed, such as unset variables, to show before the error.
    warnings: tuple[str, ...] = ()


class ProjectNotFoundError(InvalidProjectError):
    """The project was not found: no compose file was given and none of the default names exists.

    `migrate` also raises it when no engine has the project's containers.
    """

    kind = "project-not-found"


class NoUsableEngineError(CrankError):
    """No container engine that the settings allow responds."""

    exit_code = ExitCode.NO_ENGINE
    kind = "no-engine"


class NotReadyError(CrankError):
    """A service did not become running or healthy in time."""

    exit_code = ExitCode.NOT_READY
    kind = "not-ready"


class InterruptedByUser(CrankError):
    """Ctrl-C (SIGINT) stopped crank before it finished."""

    exit_code = ExitCode.INTERRUPTED
    kind = "interrupted"

    def __init__(self) -> None:
        super().__init__("interrupted")


class EngineError(CrankError):
    """An engine command exited with a non-zero code.

    Carries the argument list, the exit code and the engine's own message, so the user sees
    which command failed and why.
    """

    exit_code = ExitCode.ENGINE_FAILED
    kind = "engine"

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str, stdout: str = "") -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr.strip()
        self.stdout = stdout
        detail = engine_message(self.stderr) or f"exit code {returncode}"
        super().__init__(f"{shlex.join(self.argv[:3])} ... failed: {detail}")


def engine_message(stderr: str) -> str:
    """Return an engine's error output on one line, without its pointers to `--help`."""
    lines = [line.strip() for line in stderr.strip().splitlines()]
    kept = [line for line in lines if line and not line.startswith(("Run '", "See '"))]
    return "; ".join(kept)


class ContainerStartError(EngineError):
    """A container that crank runs in the foreground was not created or did not start."""

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str, message: str,
                 exit_code: ExitCode = ExitCode.ENGINE_FAILED) -> None:
        super().__init__(argv, returncode, stderr)
        self.message = message
        self.args = (message,)
        self.exit_code = exit_code


class ImageError(EngineError):
    """The engine could not build or pull the image of a service that `up` or `run` needs."""

    def __init__(self, error: EngineError, message: str) -> None:
        super().__init__(error.argv, error.returncode, error.stderr, error.stdout)
        self.message = message
        self.args = (message,)


class MissingImageError(CrankError):
    """An image that a service needs is missing, and the options or `pull_policy` forbid making it."""

    kind = "engine"


class EngineNotFoundError(EngineError):
    """The engine's client binary is not installed or not on PATH."""

    def __init__(self, binary: str) -> None:
        super().__init__([binary], 127, f"{binary}: command not found")
        self.message = f"{binary} not found on PATH: install it or choose another runtime"
        self.args = (self.message,)


class EngineTimeoutError(EngineError):
    """An engine command ran longer than crank allows it."""

    def __init__(self, argv: Sequence[str], seconds: float) -> None:
        super().__init__(argv, -1, f"no response within {seconds:g} s")
