"""The `crank` command: the one entry point and the one error boundary.

A command line that `crank_cli.cli.quick` can read by itself runs without Typer and click,
which take longer to import than crank needs for `status` or an unchanged `up`. Everything
else, help and completion included, goes to the Typer application in `crank_cli.cli.app`.
"""

from __future__ import annotations

import contextlib
import os
import sys

from crank_cli.errors import CrankError, Exit, ExitCode, InterruptedByUser

# The exit code a shell shows for a program that SIGPIPE ended: 128 plus the signal's number.
SIGPIPE_EXIT_CODE = 141


def main(argv: list[str] | None = None) -> None:
    """Run crank and end the process with its documented exit code."""
    _end_process(run_cli(argv))


def _end_process(code: int) -> None:
    """Run the exit handlers, flush the output and end the process without tearing Python down.

    A normal exit frees every module and object first, which took 5 to 15 ms of an unchanged
    `up` on this project's test machine, for a process that ends anyway. Every thread crank
    starts has been joined by now or is a daemon thread, and crank closes each file it writes.
    """
    import atexit

    # The handlers that `atexit.register` added, such as the wait for an early engine probe.
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of stdout has exited, as in `crank ps | head -1` with little output.
        code = code or SIGPIPE_EXIT_CODE
    except (OSError, ValueError):
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


def run_cli(argv: list[str] | None = None) -> int:
    """Run crank and return its exit code, catching every `CrankError` on the way."""
    from crank_cli import render

    from crank_cli import rerun

    if argv is None:
        argv = sys.argv[1:]
    rerun.remember(argv)
    try:
        return _dispatch(argv)
    except KeyboardInterrupt:
        # One line, in the format that --progress selects.
        render.print_error(InterruptedByUser())
        return ExitCode.INTERRUPTED
    except Exit as stop:
        return stop.exit_code
    except BrokenPipeError:
        # The reader of stdout has exited, as in `crank status | head -1`: stop without a
        # traceback, and keep Python from failing again when it flushes stdout at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return SIGPIPE_EXIT_CODE
    except CrankError as error:
        if os.environ.get("CRANK_DEBUG"):
            raise
        render.print_error(error)
        return error.exit_code


def version_line() -> str:
    """Return what `crank --version` prints."""
    from crank_cli import __version__

    return f"crank {__version__}\n"


def _dispatch(argv: list[str]) -> int:
    from crank_cli.cli import quick

    if argv == ["--version"]:
        # Alone, the eager option prints the version and exits, as click would, without Typer.
        sys.stdout.write(version_line())
        return ExitCode.OK
    help_text = quick.root_help(argv)
    if help_text is not None:
        sys.stdout.write(help_text)
        return ExitCode.OK
    command = quick.parse(argv)
    if command is not None:
        return command.run()
    from crank_cli.cli.app import run_typer

    return run_typer(argv)
