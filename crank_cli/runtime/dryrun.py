"""Dry runs: engine commands that change something are printed instead of run.

Commands that only read (`version`, `ps`, `inspect`, `ls`) still run, so the plan a dry
run prints is the one a real run would carry out from the engine's current state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from crank_cli import process
from crank_cli.process import Completed, Runner, redact

# Argument words after the binary that mark a command as read-only.
_READ_ONLY = {
    ("version",), ("info",), ("ps",), ("inspect",), ("container", "inspect"), ("image", "inspect"),
    ("network", "ls"), ("volume", "ls"), ("images",), ("network", "inspect"), ("volume", "inspect"), ("top",),
}
# The output a changing command gives in a dry run, for callers that read its stdout.
PLACEHOLDER_ID = "dry-run"


class DryRunRunner:
    """A `Runner` that runs read-only commands and hands the others to `write`."""

    def __init__(self, write: Callable[[str], None], real: Runner = process.run) -> None:
        self.write = write
        self.real = real

    def __call__(self, argv: Sequence[str], *, input_text: str | None = None, timeout: float | None = None,
                 env: Mapping[str, str] | None = None) -> Completed:
        if is_read_only(argv):
            return self.real(argv, input_text=input_text, timeout=timeout, env=env)
        self.write(redact(argv))
        return Completed(tuple(argv), PLACEHOLDER_ID, "")

    def attached(self, argv: Sequence[str], *, stdout: TextIO | None = None,
                 lines: Callable[[str], None] | None = None, sigterm_as: int | None = None,
                 idle_stdin: bool = False, held_errors: process.HeldErrors | None = None,
                 on_interrupt: Callable[[], None] | None = None) -> int:
        self.write(redact(argv))
        return 0


def is_read_only(argv: Sequence[str]) -> bool:
    words = tuple(argv[1:3])
    return words[:1] in _READ_ONLY or words in _READ_ONLY
