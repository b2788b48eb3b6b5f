"""Substitute `$VAR` and `${VAR...}` in compose values, with the reference's rules.

Supported forms: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
`${VAR?message}`, `${VAR:+replacement}`, `${VAR+replacement}`, and `$$` for a literal `$`.
Defaults, messages and replacements may hold further substitutions, such as
`${A:-${B:-c}}`; they are evaluated only when used. A `$` followed by anything else is kept as
it is, while a `${` that does not form one of the forms above is an error.

A variable that is not set and has no default becomes a blank string. Inside
`collect_unset_variables()` its name is also recorded, so that the loader can warn about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from crank_cli.compose.problems import join_key, quote
from crank_cli.compose.tags import Override, Reset

Lookup = Callable[[str], "str | None"]


class TemplateError(Exception):
    """A value cannot be substituted; the caller adds the file and key path."""


# The names recorded by the innermost `collect_unset_variables()`, or None outside one. It is
# a context variable, not a parameter, because .env files, `env_file` entries and compose
# files are substituted in several modules, which would all have to pass it on.
_unset_names: ContextVar[list[str] | None] = ContextVar("_unset_names", default=None)


@contextmanager
def collect_unset_variables() -> Iterator[list[str]]:
    """Record, once each and in order of first use, the unset variables substituted as blank strings.

    A name is recorded only where its blank value is used: `${VAR:-default}`, `${VAR-default}`
    and `${VAR:+value}` never record VAR, and a variable set to the empty string is set.

    NOTE: docker compose 2.40.3 also warns about a variable in a default or replacement that
    it does not use, such as U in `${SET:-$U}`. crank does not evaluate those, so it does not.
    """
    names: list[str] = []
    token = _unset_names.set(names)
    try:
        yield names
    finally:
        _unset_names.reset(token)


def _value_or_blank(name: str, lookup: Lookup) -> str:
    """Return the value of `name`, or a blank string when it is not set, and then record the name."""
    value = lookup(name)
    if value is not None:
        return value
    names = _unset_names.get()
    if names is not None and name not in names:
        names.append(name)
    return ""


def substitute(text: str, lookup: Lookup) -> str:
    """Return `text` with every variable reference replaced by its value."""
    if "$" not in text:
        return text
    result, end = _substitute_until(text, 0, lookup, closing=False)
    return result


def _substitute_until(text: str, start: int, lookup: Lookup, *, closing: bool) -> tuple[str, int]:
    """Substitute from `start`; with `closing`, stop at the first unmatched `}` and skip it."""
    parts: list[str] = []
    index = start
    while index < len(text):
        char = text[index]
        if closing and char == "}":
            return "".join(parts), index + 1
        if char != "$":
            parts.append(char)
            index += 1
            continue
        value, index = _expand_reference(text, index, lookup)
        parts.append(value)
    if closing:
        raise TemplateError(f"invalid interpolation format {quote(text)}: a '${{' has no closing '}}'")
    return "".join(parts), index


def _expand_reference(text: str, dollar: int, lookup: Lookup) -> tuple[str, int]:
    """Expand the reference that starts with the `$` at `dollar`; return it and the next index."""
    following = text[dollar + 1 : dollar + 2]
    if following == "$":
        return "$", dollar + 2
    if following == "{":
        return _expand_braced(text, dollar + 2, lookup)
    name_end = variable_name_end(text, dollar + 1)
    if name_end == dollar + 1:
        return "$", dollar + 1
    return _value_or_blank(text[dollar + 1 : name_end], lookup), name_end


def variable_name_end(text: str, start: int) -> int:
    """Return the end of the variable name at `start`, or `start` when there is none."""
    if start >= len(text) or not (text[start].isascii() and (text[start].isalpha() or text[start] == "_")):
        return start
    end = start + 1
    while end < len(text) and text[end].isascii() and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return end


OPERATORS = (":-", ":?", ":+", "-", "?", "+")


def _expand_braced(text: str, start: int, lookup: Lookup) -> tuple[str, int]:
    name_end = variable_name_end(text, start)
    name = text[start:name_end]
    if not name:
        raise TemplateError(_invalid_format(text))
    if text[name_end : name_end + 1] == "}":
        return _value_or_blank(name, lookup), name_end + 1
    operator = next((op for op in OPERATORS if text.startswith(op, name_end)), None)
    if operator is None:
        raise TemplateError(_invalid_format(text))
    argument_start = name_end + len(operator)
    return _apply_operator(text, name, operator, argument_start, lookup)


def _apply_operator(
    text: str, name: str, operator: str, argument_start: int, lookup: Lookup
) -> tuple[str, int]:
    value = lookup(name)
    is_set = value is not None
    is_usable = bool(value) if operator.startswith(":") else is_set
    argument, end = _substitute_until(text, argument_start, _lazy(lookup), closing=True)
    kind = operator[-1]
    if kind == "-":
        return (value if is_usable else _evaluate(text, argument_start, lookup)) or "", end
    if kind == "+":
        return (_evaluate(text, argument_start, lookup) if is_usable else ""), end
    if not is_usable:
        message = _evaluate(text, argument_start, lookup)
        detail = f": {message}" if message else ""
        raise TemplateError(f"required variable {name} is missing a value{detail}")
    return value or "", end


def _lazy(lookup: Lookup) -> Lookup:
    """Return a lookup for a first pass that only finds where an argument ends.

    The first pass must not raise for `${X:?...}` inside an argument that is never used.
    """
    del lookup
    return lambda name: "set"


def argument_end(text: str, argument_start: int) -> int:
    """Return the index after the `}` that closes the argument at `argument_start`; raise TemplateError if none does."""
    _, end = _substitute_until(text, argument_start, _lazy(lambda name: None), closing=True)
    return end


def _evaluate(text: str, argument_start: int, lookup: Lookup) -> str:
    value, _ = _substitute_until(text, argument_start, lookup, closing=True)
    return value


def _invalid_format(text: str) -> str:
    return f"invalid interpolation format {quote(text)}: escape a literal $ as $$"


def interpolate_tree(value: Any, lookup: Lookup, path: str, on_error: Callable[[str, str], Exception]) -> Any:
    """Return a copy of a parsed YAML tree with every string value substituted.

    Keys are kept as written. `on_error(key_path, problem)` builds the exception to raise
    for the first string, in document order, that cannot be substituted.
    """
    try:
        return _interpolate(value, lookup)
    except TemplateError:
        pass
    # The fast pass above keeps no key paths, so the tree is walked again to find the path
    # of the failing string. The same lookup gives the same result, so the same string fails.
    _raise_first_error(value, lookup, path, on_error)
    raise AssertionError("a template failed once but not when retried")  # pragma: no cover


def _interpolate(value: Any, lookup: Lookup) -> Any:
    if isinstance(value, str):
        return substitute(value, lookup) if "$" in value else value
    if isinstance(value, dict):
        return {key: _interpolate(item, lookup) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, lookup) for item in value]
    if isinstance(value, (Reset, Override)):
        return type(value)(_interpolate(value.value, lookup))
    if isinstance(value, Mapping):
        return {key: _interpolate(item, lookup) for key, item in value.items()}
    return value


def _raise_first_error(value: Any, lookup: Lookup, path: str, on_error: Callable[[str, str], Exception]) -> None:
    if isinstance(value, str):
        try:
            substitute(value, lookup)
        except TemplateError as error:
            raise on_error(path, str(error)) from None
    elif isinstance(value, (Reset, Override)):
        _raise_first_error(value.value, lookup, path, on_error)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _raise_first_error(item, lookup, join_key(path, key), on_error)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _raise_first_error(item, lookup, join_key(path, index), on_error)
