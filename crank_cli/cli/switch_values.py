"""docker compose's `--flag=false` spelling for crank's `--flag/--no-flag` switches.

docker compose (v2.40.3) takes a value after a boolean flag, as in `ps --orphans=false` or
`commit --pause=false`. click's flags take none, so such a word becomes the switch's on or
off word before click parses the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer.core

# The values docker compose takes after a boolean flag, as Go's strconv.ParseBool reads them.
TRUE_WORDS = frozenset({"1", "t", "T", "true", "TRUE", "True"})
FALSE_WORDS = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def switch_value(text: str) -> bool | None:
    """Return the truth value of a word after `--flag=`, or None when it is neither true nor false."""
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def with_switch_values(switches: Mapping[str, tuple[str, str]]) -> type[typer.core.TyperCommand]:
    """Return a command class that reads `--flag=true` and `--flag=false` for these switches.

    `switches` maps each flag word to its (on, off) words, such as `--orphans` to
    (`--orphans`, `--no-orphans`). click and Typer are imported here, not with the module,
    because the quick path, which reads `switch_value`, runs without them.
    """
    import click
    import typer.core

    def switch_word(word: str) -> str:
        name, equals, text = word.partition("=")
        if not equals or name not in switches:
            return word
        value = switch_value(text)
        if value is None:
            raise click.BadOptionUsage(name, f"invalid {name} value {text!r}: use true or false")
        on, off = switches[name]
        return on if value else off

    class SwitchValueCommand(typer.core.TyperCommand):
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            end = args.index("--") if "--" in args else len(args)
            return super().parse_args(ctx, [*map(switch_word, args[:end]), *args[end:]])

    return SwitchValueCommand
