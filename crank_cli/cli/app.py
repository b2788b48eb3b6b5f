"""The Typer application behind `crank`: global options, the verbs, and the usage errors.

Global options come before the verb, as with docker compose: `crank -f a.yaml -p demo up -d`.
`crank_cli.cli.quick` runs the common command lines without this module; everything else,
help and completion included, comes here.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
import typer.core
import typer.main

# Typer 0.20 escapes "[default: ...]" for Rich whenever Rich is installed, even with Rich
# markup turned off, so help text showed "\\[default: ...]". crank formats help without
# Rich, which also keeps Rich from loading for --help.
typer.core.HAS_RICH = False

from crank_cli.cli import completion_values as complete
from crank_cli.cli import version_line
from crank_cli.errors import ExitCode, UsageError

app = typer.Typer(
    name="crank",
    help="Run one compose project on Docker, Podman or containerd, with docker compose's verbs.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Each verb and the module under crank_cli.cli that defines it, in the order help lists them.
VERB_MODULES = {
    "up": "up", "create": "create", "scale": "scale", "down": "down", "rm": "remove", "status": "status", "ps": "status", "ls": "ls",
    "stop": "lifecycle", "start": "lifecycle", "restart": "lifecycle", "kill": "kill", "pause": "pause", "unpause": "pause",
    "wait": "wait", "logs": "logs", "exec": "execute", "attach": "attach", "top": "top", "stats": "stats", "events": "events", "port": "port", "images": "images",
    "volumes": "volumes", "cp": "cp", "export": "export", "commit": "commit", "run": "run", "build": "build", "pull": "pull", "push": "push", "watch": "watch", "config": "config", "doctor": "doctor", "migrate": "migrate",
    "version": "version",
}
# Global options that take a value, so the word after them is not the verb.
_VALUE_OPTIONS = {"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile",
                  "--runtime", "--progress"}


def register_verbs(argv: list[str]) -> None:
    """Add to `app` the module of the verb `argv` names, or every module when it names none.

    Building Typer's commands for every verb took about 40 ms on a 2-core machine, time that a
    single command does not need. Help, completion and a mistyped verb still see every verb.
    """
    verb = _verb(argv)
    completing = bool(os.environ.get("_CRANK_COMPLETE"))
    modules = [VERB_MODULES[verb]] if verb in VERB_MODULES and not completing else list(VERB_MODULES.values())
    for name in dict.fromkeys(modules):
        # A process that runs several commands, as the tests do, registers each module once:
        # Typer keeps every registration, and builds all of them on each command.
        if name not in _registered_modules:
            importlib.import_module(f"crank_cli.cli.{name}").register(app)
            _registered_modules.add(name)


_registered_modules: set[str] = set()


def _verb(argv: list[str]) -> str | None:
    """Return the first word of `argv` that is neither an option nor an option's value."""
    position = _verb_position(argv)
    return None if position is None else argv[position]


def _verb_position(argv: list[str]) -> int | None:
    """Return the index of the verb in `argv`, or None when it names no verb."""
    takes_value = False
    for position, word in enumerate(argv):
        if takes_value:
            takes_value = False
        elif word == "--":
            return None
        elif word.startswith("--"):
            takes_value = word in _VALUE_OPTIONS
        elif word.startswith("-"):
            takes_value = _ends_with_value_option(word)
        else:
            return position
    return None


def _ends_with_value_option(word: str) -> bool:
    """Tell whether a group of short options, such as -vp, ends in one whose value is the next word.

    As in click, the first letter that takes a value takes the rest of the group as its value.
    """
    for position, letter in enumerate(word[1:], start=1):
        if f"-{letter}" in _VALUE_OPTIONS:
            return position == len(word) - 1
    return False


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(version_line())
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    file: Annotated[
        Optional[list[Path]],  # noqa: UP045 - Typer 0.20 reads Optional, not "X | None", on Python 3.11
        typer.Option("--file", "-f", help="Compose file to read; repeat to merge several files in order."),
    ] = None,
    project_name: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--project-name", "-p", help="Project name; default: COMPOSE_PROJECT_NAME, then name:, then the folder."),
    ] = None,
    project_directory: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--project-directory", help="Folder that relative paths and .env are read from; default: the first compose file's folder."),
    ] = None,
    env_file: Annotated[
        Optional[list[Path]],  # noqa: UP045
        typer.Option("--env-file", help="Read variables from this file instead of the project's .env; repeatable."),
    ] = None,
    profile: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option("--profile", help="Enable services of this profile; repeatable."),
    ] = None,
    runtime: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--runtime", autocompletion=complete.runtimes, help="Engine to use: docker, podman, containerd or auto; beats CRANK_CONTAINER_RUNTIME.", metavar="ENGINE"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the engine commands that would change something, and run none of them.")] = False,
    progress: Annotated[str, typer.Option("--progress", autocompletion=complete.progress_modes, metavar="auto|tty|plain|json|quiet", help="How to show progress on stderr: a live view (tty), time-stamped lines (plain), JSON lines (json), or errors only (quiet); auto picks tty on a terminal, else plain.")] = "auto",
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, show_default=False, help="Show more detail; -vv shows every engine command.")] = 0,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print crank's version and exit."),
    ] = False,
) -> None:
    """Run one compose project on Docker, Podman or containerd, with docker compose's verbs."""
    from crank_cli.cli.context import begin

    ctx.obj = begin(file=file, project_name=project_name, project_directory=project_directory, env_file=env_file,
                    profile=profile, runtime=runtime, dry_run=dry_run, progress=progress, verbose=verbose)


def _usage_message(error: click.ClickException, argv: list[str]) -> str:
    """Return click's complaint about the command line as one line, with where to read more."""
    message = " ".join(error.format_message().split())
    # Typer adds its own "Did you mean" to click's; one suggestion is enough.
    suggestion = message.find(" Did you mean")
    if suggestion != -1:
        repeat = message.find("Did you mean", suggestion + len(" Did you mean"))
        message = message[:repeat].rstrip(" (") if repeat != -1 else message
    message = message.rstrip(".")
    head, found, suggestion = message.partition(" Did you mean ")
    if found:
        message = f"{head.rstrip('.')} (did you mean {suggestion})"
    # click writes sentences ("No such option", "Missing argument"); crank's messages start in
    # lower case. A first word in capitals, such as an option's metavar, stays as it is.
    first_word = message.split(" ", 1)[0]
    if first_word[:1].isupper() and not first_word.isupper():
        message = message[0].lower() + message[1:]
    if isinstance(error, click.UsageError):
        message += f"; see '{_help_command(error, argv)} --help'"
    return message


def _help_command(error: click.UsageError, argv: list[str]) -> str:
    """Return the command whose help explains `error`: `crank` or `crank VERB`."""
    if error.ctx is not None:
        return error.ctx.command_path
    # click 8's parser raises a missing option value ("requires an argument") and a value
    # given to a flag ("does not take a value") without the context. Such an option belongs
    # to the verb when it comes after the verb.
    verb_position = _verb_position(argv)
    if verb_position is None or not isinstance(error, click.BadOptionUsage):
        return "crank"
    option = error.option_name
    matches = [position for position, word in enumerate(argv) if word == option or word.startswith(f"{option}=")]
    # An option in a group of short options, such as the -p in -vp, matches no word, and
    # its value can only be missing at the end of the command line.
    option_position = matches[-1] if matches else len(argv) - 1
    return f"crank {argv[verb_position]}" if option_position > verb_position else "crank"


def _progress_value(argv: list[str]) -> str:
    """Return the value of the global --progress option, or auto.

    Only the words before the verb are global options. No verb has a --progress option, so one
    after the verb is a usage error itself and does not choose the format of the error.
    """
    verb_position = _verb_position(argv)
    global_words = argv if verb_position is None else argv[:verb_position]
    value = "auto"
    for word, following in zip(global_words, [*global_words[1:], ""]):
        if word == "--progress":
            value = following
        elif word.startswith("--progress="):
            value = word.partition("=")[2]
    return value


def _wants_json(argv: list[str], command: click.Command) -> bool:
    """Tell whether the command line requests JSON output, so a usage error comes as JSON too.

    Only a verb with a --format option can request it, with `--format json` after the verb and
    before any `--`; `crank events --format json` names an unknown option, so its error is text.
    """
    position = _verb_position(argv)
    verbs = command.commands if isinstance(command, click.Group) else {}
    verb = verbs.get(argv[position]) if position is not None else None
    if verb is None:
        return False
    spellings = next((param.opts for param in verb.params if isinstance(param, click.Option) and "--format" in param.opts), [])
    words = argv[position + 1:]
    words = words[:words.index("--")] if "--" in words else words
    pairs = zip(words, [*words[1:], ""])
    return any(f"{name}=json" in words or (word == name and value == "json") for word, value in pairs for name in spellings)


def run_typer(argv: list[str]) -> int:
    """Run crank's Typer application on `argv` and return the exit code.

    The click command runs without Typer's own `main`, which would turn Ctrl-C into a silent
    exit code 130 and a closed stdout into exit code 1. Both go up to `crank_cli.cli.run_cli`
    instead, as every other error does, except click's complaints about the command line,
    which become crank's usage error here.
    """
    from crank_cli import render

    register_verbs(argv)
    if os.environ.get("_CRANK_COMPLETE"):
        # Typer's own entry point handles the shell's completion requests.
        return app(args=argv, prog_name="crank", standalone_mode=False) or ExitCode.OK
    command = typer.main.get_command(app)
    try:
        with command.make_context("crank", list(argv)) as context:
            result = command.invoke(context)
    except click.exceptions.NoArgsIsHelpError as error:
        # `crank` alone shows the help, as `docker compose` alone does.
        sys.stdout.write(error.ctx.get_help() + "\n")
        return ExitCode.OK
    except click.exceptions.Exit as stop:
        return stop.exit_code
    except click.ClickException as error:
        # The root command may not have run, so --progress is read here for this one line.
        render.set_talk(_progress_value(argv))
        render.print_error(UsageError(_usage_message(error, argv)), as_json=_wants_json(argv, command))
        return ExitCode.USAGE
    except click.Abort:
        raise KeyboardInterrupt from None
    return result if isinstance(result, int) else ExitCode.OK
