"""The user's own command line, for a hint that suggests running it again on another engine.

A hint such as "run `crank --runtime podman logs --tail 2 worker`" is only useful when it
keeps the options and services the user typed. The command line is shown again only for
verbs whose arguments are options and service names. Those of `exec` and `run` include a
command for the container, which may carry a password, so their hints keep the short form.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

# The verbs whose command line a hint may repeat.
_REPEATABLE = frozenset({"up", "down", "stop", "start", "restart", "kill", "rm", "pause", "unpause", "logs",
                         "status", "ps", "top", "images", "port", "wait", "events", "stats"})

# The other names a verb is typed as.
_ALIASES = {"status": ("status", "ps")}

# The arguments after `crank` of this process's command, set by `crank_cli.cli.run_cli`.
_argv: list[str] | None = None


def remember(argv: Sequence[str]) -> None:
    """Record the arguments of the command this process runs."""
    global _argv
    _argv = list(argv)


def on_engine(runtime: str, verb: str, short: str) -> str:
    """Return the user's command with `--runtime RUNTIME`, or `crank --runtime RUNTIME SHORT` when it cannot be repeated.

    `verb` is the verb the command ran. `short` is the verb and the arguments that matter,
    such as `stop worker`.
    """
    words = _without_runtime(_argv or [])
    # An environment or build argument may hold a secret, so a command line with one is not repeated.
    hidden = any(word in ("-e", "--env", "--build-arg") or word.startswith(("--env=", "--build-arg="))
                 for word in words)
    typed = any(name in words for name in _ALIASES.get(verb, (verb,)))
    if verb in _REPEATABLE and typed and not hidden:
        return shlex.join(["crank", "--runtime", runtime, *words])
    return f"crank --runtime {runtime} {short}"


def _without_runtime(words: list[str]) -> list[str]:
    remaining = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word == "--runtime":
            skip = True
        elif not word.startswith("--runtime="):
            remaining.append(word)
    return remaining
