"""Split a `command` or `entrypoint` string into words as the reference does.

The reference uses the Go package go-shellwords with its default options, which differs
from `shlex.split` in three ways. A backslash escapes any character outside single quotes,
so `"\\$X"` gives `$X`. The words end at the first unquoted `;`, `&`, `|`, `<` or `>`. A word
that starts with `#` ends them too. Variables and backquotes are kept as written.
"""

from __future__ import annotations

_SPACES = " \t\r\n"
_OPERATORS = ";&|<>"


class ShellWordsError(ValueError):
    """The string has an unclosed quote, a trailing backslash or a stray `(`."""


class _State:
    def __init__(self) -> None:
        self.words: list[str] = []
        self.buffer: list[str] = []
        self.has_word = False
        self.escaped = False
        self.single = False
        self.double = False
        self.backquote = False
        self.dollar = False

    def quoted(self) -> bool:
        return self.single or self.double or self.backquote or self.dollar

    def end_word(self) -> None:
        self.words.append("".join(self.buffer))
        self.buffer = []
        self.has_word = False


def split_words(line: str) -> list[str]:
    """Return the words of `line`; raise ShellWordsError when it is not a valid command line."""
    state = _State()
    for char in line:
        if _consume(state, char):
            break
    if state.has_word:
        state.end_word()
    if state.escaped or state.quoted():
        raise ShellWordsError("invalid command line string: a quote or a parenthesis is not closed")
    return state.words


def _consume(state: _State, char: str) -> bool:
    """Process one character; return True when the words end here."""
    if state.escaped:
        state.buffer.append(char)
        state.escaped = False
        state.has_word = True
        return False
    if char == "\\":
        if state.single:
            state.buffer.append(char)
        else:
            state.escaped = True
        return False
    if char in _SPACES:
        if state.quoted():
            state.buffer.append(char)
        elif state.has_word:
            state.end_word()
        return False
    return _consume_special(state, char)


def _consume_special(state: _State, char: str) -> bool:
    outside = not (state.single or state.double)
    if char == "`" and outside and not state.dollar:
        state.backquote = not state.backquote
    elif char == ")" and outside and not state.backquote:
        state.dollar = not state.dollar
    elif char == "(" and outside and not state.backquote:
        if state.dollar or not state.buffer or state.buffer[-1] != "$":
            raise ShellWordsError("invalid command line string: unexpected '('")
        state.dollar = True
    elif char == '"' and not state.single and not state.dollar:
        if state.double:
            state.has_word = True
        state.double = not state.double
        return False
    elif char == "'" and not state.double and not state.dollar:
        if state.single:
            state.has_word = True
        state.single = not state.single
        return False
    elif char in _OPERATORS and not state.quoted():
        return True
    elif char == "#" and not state.quoted() and not state.has_word:
        return True
    state.has_word = True
    state.buffer.append(char)
    return False
