"""The quick path: run a common, well-formed command line without importing Typer or click.

Importing Typer and click takes about 0.035 s on a 2-core machine, a third of what `crank
status` needs in all. For the verbs with a module in `crank_cli.cli.actions`, this module
reads the command line from `quick_table`, which scripts/generate-quick-table writes from the
Typer declarations, and calls the same action the Typer command calls, with the same
arguments. It reads only what it can read exactly as click would. For anything else (help,
completion, `--`, a value it cannot check, any mistake) `parse` returns None and Typer reads
the whole command line, so help and error messages come from one place.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

from crank_cli.cli import quick_table

# Marks a value that the quick path leaves to Typer.
_TYPER_ONLY = object()


class QuickContext:
    """A stand-in for click's context: the actions read only the root's `obj`, the global options."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def find_root(self) -> QuickContext:
        return self


class QuickCommand(NamedTuple):
    """A command line read by the quick path: the global options, the verb and its arguments."""

    root: dict[str, Any]
    action: str
    arguments: dict[str, Any]

    def run(self) -> int:
        """Apply the global options, then run the verb's action; return the exit code."""
        import importlib

        from crank_cli import early_probe
        from crank_cli.cli.context import begin

        context = QuickContext(begin(**self.root))
        # Every verb of the quick path probes the engine it uses.
        early_probe.start(self.root["runtime"], context.obj.environ)
        action = importlib.import_module(f"crank_cli.cli.actions.{self.action}")
        action.run(context, **self.arguments)
        return 0


def root_help(argv: Sequence[str]) -> str | None:
    """Return the stored text of `crank --help` when `argv` requests it and it fits, else None.

    Typer builds every verb's command to print this page, which took about 0.05 s. The table
    contains the page as click prints it on a terminal of at least `ROOT_HELP_COLUMNS`. On a
    narrower one click wraps it differently, so Typer prints it then.
    """
    if list(argv) not in ([], ["--help"], ["-h"]) or os.environ.get("_CRANK_COMPLETE"):
        return None
    return quick_table.ROOT_HELP if _terminal_columns() >= quick_table.ROOT_HELP_COLUMNS else None


def _terminal_columns() -> int:
    """Return the terminal's width as `shutil.get_terminal_size` finds it, without importing shutil."""
    import sys

    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


def parse(argv: Sequence[str]) -> QuickCommand | None:
    """Read `argv` as click would read it for crank, or return None when Typer must."""
    if os.environ.get("_CRANK_COMPLETE"):
        return None
    words = list(argv)
    root = _read(words, quick_table.ROOT, stop_at_word=True)
    if root is None or not words:
        return None
    verb = quick_table.VERBS.get(words.pop(0))
    if verb is None:
        return None
    arguments = _read(words, verb, stop_at_word=False)
    if arguments is None:
        return None
    return QuickCommand(root, verb["action"], arguments)


def _read(words: list[str], table: dict[str, Any], *, stop_at_word: bool) -> dict[str, Any] | None:
    """Consume options (and, for a verb, its positional words) from `words`.

    With `stop_at_word`, reading stops at the first word that is not an option, as click stops
    at the verb, and `words` keeps the verb and what follows it. Returns the parameters by
    name, or None when Typer must read these words.
    """
    params: dict[str, Any] = table["params"]
    raw: dict[str, list[str]] = {}  # the words given for each parameter, by name
    positional: list[str] = []
    while words:
        word = words[0]
        if word == "--":
            return None
        if word.startswith("-") and word != "-":
            if not _read_option(words, table, raw):
                return None
        elif stop_at_word:
            break
        else:
            positional.append(words.pop(0))
    if not _place_positional(positional, params, raw):
        return None
    values = {}
    for name, (kind, type_name, default, limits) in params.items():
        if kind == "typer_only":
            if name in raw:
                return None
            continue
        value = _value(kind, type_name, default, limits, raw.get(name))
        if value is _TYPER_ONLY:
            return None
        values[name] = value
    return values


def _read_option(words: list[str], table: dict[str, Any], raw: dict[str, list[str]]) -> bool:
    """Consume one option word (and its value) from `words`; return False when Typer must read it."""
    options, params = table["options"], table["params"]
    word = words.pop(0)
    if word.startswith("--"):
        name, has_value, attached = word.partition("=")
        if name not in options:
            return False
        kind, _, _, limits = params[options[name]]
        if kind == "switch" and has_value and name not in limits:
            # docker compose's --orphans=false; a word other than true or false is Typer's to reject.
            return _take_switch_value(options[name], attached, raw)
        if kind not in ("value", "multiple"):
            # A switch records which of its words came last: --orphans or --no-orphans.
            raw.setdefault(options[name], []).append("off" if kind == "switch" and name in limits else "")
            return not has_value
        return _take_value(options[name], attached if has_value else None, words, raw)
    if word[:2] in options and params[options[word[:2]]][0] in ("value", "multiple"):
        return _take_value(options[word[:2]], word[2:] or None, words, raw)
    # A group of short flags, such as -dv.
    letters = [f"-{letter}" for letter in word[1:]]
    if not all(letter in options and params[options[letter]][0] in ("flag", "count") for letter in letters):
        return False
    for letter in letters:
        raw.setdefault(options[letter], []).append("")
    return True


def _take_switch_value(name: str, text: str, raw: dict[str, list[str]]) -> bool:
    from crank_cli.cli.switch_values import switch_value

    value = switch_value(text)
    if value is None:
        return False
    raw.setdefault(name, []).append("" if value else "off")
    return True


def _take_value(name: str, attached: str | None, words: list[str], raw: dict[str, list[str]]) -> bool:
    if attached is None:
        if not words:
            return False
        attached = words.pop(0)
    raw.setdefault(name, []).append(attached)
    return True


def _place_positional(positional: list[str], params: dict[str, Any], raw: dict[str, list[str]]) -> bool:
    """Assign the positional words to the arguments in order; return False when they do not fit exactly."""
    for name, (kind, *_rest) in params.items():
        if kind == "arguments":
            raw[name], positional = positional, []
        elif kind == "argument":
            if not positional:
                return False
            raw[name] = [positional.pop(0)]
    return not positional


def _value(kind: str, type_name: str, default: Any, limits: tuple[Any, ...] | None, words: list[str] | None) -> Any:
    """Convert the words given for one parameter into the value Typer would pass, or `_TYPER_ONLY`."""
    if kind == "flag":
        return True if words else default
    if kind == "switch":
        return words[-1] != "off" if words else default
    if kind == "count":
        return len(words) if words else default
    if not words:
        return _convert(type_name, default, limits) if isinstance(default, str) and type_name.startswith("choice") else default
    converted = [_convert(type_name, word, limits) for word in words]
    if _TYPER_ONLY in converted:
        return _TYPER_ONLY
    return converted if kind in ("multiple", "arguments") else converted[-1]


def _convert(type_name: str, word: str, limits: tuple[Any, ...] | None) -> Any:
    if type_name == "str":
        return word
    if type_name == "path":
        return Path(word)
    if type_name.startswith("choice "):
        return _choice(type_name.removeprefix("choice "), word, limits or ())
    number = _number(type_name, word)
    if number is _TYPER_ONLY or limits is None:
        return number
    low, high = limits
    return number if (low is None or number >= low) and (high is None or number <= high) else _TYPER_ONLY


def _number(type_name: str, word: str) -> Any:
    """Read a plain decimal number; other spellings that click may accept are left to it."""
    digits = word.removeprefix("-")
    if type_name == "int" and digits.isdigit() and digits.isascii():
        return int(word)
    whole, _, fraction = digits.partition(".")
    if type_name == "float" and (whole + fraction).isdigit() and (whole + fraction).isascii():
        return float(word)
    return _TYPER_ONLY


def _choice(enum_path: str, word: str, choices: tuple[str, ...]) -> Any:
    import importlib

    if word not in choices:
        return _TYPER_ONLY
    module, _, name = enum_path.partition(":")
    return getattr(importlib.import_module(module), name)(word)
