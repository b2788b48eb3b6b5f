"""Parse `.env` files with the rules of the reference (compose-go's dotenv package).

Each statement is `KEY=value`, `KEY: value` or a bare `KEY`, optionally after `export `.
Lines starting with `#` are comments. Values:

- unquoted: up to the end of the line, cut at ` #` (a space, then `#`), trailing blanks
  removed, variables substituted;
- single-quoted: taken as written, except that `\\'` is a quote, and may span lines;
- double-quoted: `\\n`, `\\r`, `\\t`, `\\a`, `\\b`, `\\f`, `\\v`, `\\\\`, `\\"` and `\\$` are
  unescaped, variables substituted, and the value may span lines.

Anything after a closing quote on the same line starts the next statement. A bare `KEY`
takes its value from the lookup, and is left out when the lookup has none. Substitution
looks a name up first with the lookup (the process environment), then among the keys
already read from the file.
"""

from __future__ import annotations

from collections.abc import Callable

from crank_cli.compose.interpolation import TemplateError, substitute
from crank_cli.compose.problems import quote

Lookup = Callable[[str], "str | None"]

_BLANKS = " \t\v\f\r\x85\xa0"
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"', "$": "$"}


class DotenvError(Exception):
    """A `.env` file is malformed; the message names the line."""


def parse_dotenv(text: str, lookup: Lookup | None = None) -> dict[str, str]:
    """Return the variables a `.env` text defines, in the order they appear."""
    parser = _Parser(text.removeprefix("\ufeff"), lookup or (lambda name: None))
    return parser.parse()


class _Parser:
    def __init__(self, text: str, lookup: Lookup) -> None:
        self.text = text
        self.position = 0
        self.lookup = lookup
        self.values: dict[str, str] = {}

    def parse(self) -> dict[str, str]:
        while self._skip_to_statement():
            self._read_statement()
        return self.values

    def _skip_to_statement(self) -> bool:
        """Skip blanks, line breaks and comment lines; return whether a statement follows."""
        text = self.text
        while self.position < len(text):
            char = text[self.position]
            if char.isspace():
                self.position += 1
            elif char == "#":
                end = text.find("\n", self.position)
                self.position = len(text) if end < 0 else end
            else:
                return True
        return False

    def _line_number(self) -> int:
        return self.text.count("\n", 0, self.position) + 1

    def _fail(self, problem: str) -> DotenvError:
        return DotenvError(f"line {self._line_number()}: {problem}")

    def _read_statement(self) -> None:
        key, inherited = self._read_key()
        if inherited:
            value = self.lookup(key)
            if value is not None:
                self.values[key] = value
            return
        value = self._read_value()
        if key:
            self.values[key] = value

    def _read_key(self) -> tuple[str, bool]:
        """Read a key up to `=`, `:` or the end of the line; return it and whether it is bare."""
        text = self.text
        for prefix in ("export ", "export\t"):
            if text.startswith(prefix, self.position):
                self.position += len(prefix)
                while self.position < len(text) and text[self.position] in _BLANKS:
                    self.position += 1
                break
        start = self.position
        index = start
        while index < len(text) and text[index] not in "=:\n":
            char = text[index]
            if not (char in _BLANKS or char.isalnum() or char in "_.-[]"):
                line = text[start:].split("\n", 1)[0]
                raise self._fail(f"unexpected character {quote(char)} in variable name {quote(line)}")
            index += 1
        key = text[start:index].rstrip()
        if any(char in _BLANKS for char in key):
            raise self._fail(f"invalid variable name {quote(key)}: a key cannot contain a space")
        inherited = index >= len(text) or text[index] == "\n"
        self.position = index + 1
        return key, inherited

    def _read_value(self) -> str:
        text = self.text
        while self.position < len(text) and text[self.position] in _BLANKS:
            self.position += 1
        quote = text[self.position : self.position + 1]
        if quote in ("'", '"'):
            return self._read_quoted(quote)
        end = text.find("\n", self.position)
        end = len(text) if end < 0 else end
        raw = text[self.position : end]
        self.position = end
        comment = raw.find(" #")
        if comment >= 0:
            raw = raw[:comment]
        return self._substitute(raw.rstrip())

    def _read_quoted(self, quote: str) -> str:
        text = self.text
        start = self.position + 1
        index = start
        while index < len(text):
            if text[index] == "\\" and index + 1 < len(text):
                index += 2
                continue
            if text[index] == quote:
                break
            index += 1
        else:
            line = text[self.position :].split("\n", 1)[0]
            raise self._fail(f"unterminated quoted value {line}")
        raw = text[start:index]
        self.position = index + 1
        if quote == "'":
            return raw.replace("\\'", "'")
        return self._substitute(_unescape(raw))

    def _substitute(self, value: str) -> str:
        try:
            return substitute(value, self._lookup_for_substitution)
        except TemplateError as error:
            raise self._fail(str(error)) from None

    def _lookup_for_substitution(self, name: str) -> str | None:
        value = self.lookup(name)
        if value is not None:
            return value
        return self.values.get(name)


def _unescape(raw: str) -> str:
    parts: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        following = raw[index + 1 : index + 2]
        if char == "\\" and following in _ESCAPES:
            replacement = _ESCAPES[following]
            # An escaped `$` must stay literal through substitution, so it becomes `$$`.
            parts.append("$$" if following == "$" else replacement)
            index += 2
            continue
        parts.append(char)
        index += 1
    return "".join(parts)


def parse_raw_env(text: str, lookup: Lookup | None = None) -> dict[str, str]:
    """Parse an env file of `format: raw`: `KEY=value` lines taken as written.

    Leading blanks and lines starting with `#` are skipped, the value keeps its quotes and
    trailing blanks, and a line without `=` takes its value from the lookup, if it has one.
    """
    find = lookup or (lambda name: None)
    values: dict[str, str] = {}
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, separator, value = line.partition("=")
        if any(char.isspace() for char in key):
            raise DotenvError(f"line {number}: invalid variable name {quote(key)}: it contains blanks")
        if separator:
            values[key] = value
            continue
        found = find(key)
        if found is not None:
            values[key] = found
    return values
