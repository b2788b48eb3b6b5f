"""Typed fields of the compose model: check and convert a value, then render it as the reference does.

Each field type has two steps. `convert` runs on every file before the merge: it checks the
value's type, turns short syntax into long syntax and strings into numbers where the
specification allows both. `render` runs once on the merged model and returns what the
reference prints, which is Go's JSON encoding of compose-go's types. A zero value of a plain
field is left out (`omitempty`). A field that compose-go keeps as a pointer (`keep_zero`) is
printed whenever it is set.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from crank_cli.compose.scalars import format_scalar
from crank_cli.compose.units import parse_bytes, parse_duration, render_duration
from crank_cli.compose.where import Where, describe
from crank_cli.compose.problems import quote

OMIT = object()


class Field:
    """A field type: `convert` checks one file's value, `render` prints the merged value.

    The field types are plain classes, not dataclasses, because defining a dataclass runs
    generated code, about 0.2 ms a class at import (Python 3.11, on a 2-core build machine).
    """

    keep_zero = False

    def __repr__(self) -> str:
        options = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({options})"

    def convert(self, value: Any, where: Where) -> Any:
        return value

    def render(self, value: Any) -> Any:
        if value is None or (not self.keep_zero and _is_zero(value)):
            return OMIT
        return value


def _is_zero(value: Any) -> bool:
    return value is None or value is False or value == "" or value == 0 or value == [] or value == {}


class Anything(Field):
    """A value taken as written, such as an extension."""

    def render(self, value: Any) -> Any:
        return value


class Text(Field):
    """A string; with `numbers`, a number is accepted too and written as Go prints it."""

    def __init__(self, keep_zero: bool = False, choices: tuple[str, ...] = (), numbers: bool = False) -> None:
        self.keep_zero = keep_zero
        self.choices = choices
        self.numbers = numbers

    def convert(self, value: Any, where: Where) -> Any:
        if value.__class__ is str and not self.choices:
            return value
        if value is None:
            return None
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not isinstance(value, str) and not (self.numbers and is_number):
            expected = "a string or a number" if self.numbers else "a string"
            raise where.fail(f"must be {expected}, not {describe(value)}")
        text = format_scalar(value)
        if self.choices and text not in self.choices:
            raise where.fail(f"invalid value {quote(text)}: use one of {', '.join(self.choices)}")
        return text


# compose-go keeps integer fields in Go's 64-bit `int`, so a value outside it cannot be meant.
# docker compose 2.40.3 wraps some such values around to a negative number and rejects others.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class Integer(Field):
    """An integer from `minimum` to `maximum`, also accepted as a string of digits.

    A whole float is accepted, as the reference does with `1e3`. The YAML reader returns a
    float for an integer too large for 64 bits, so the range check also catches those.
    """

    def __init__(self, keep_zero: bool = False, minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> None:
        self.keep_zero = keep_zero
        self.minimum = minimum
        self.maximum = maximum

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        number = self._whole_number(value, where)
        if not self.minimum <= number <= self.maximum:
            raise where.fail(f"must be an integer from {self.minimum} to {self.maximum}, not {describe(value)}")
        return number

    @staticmethod
    def _whole_number(value: Any, where: Where) -> int:
        if isinstance(value, bool):
            raise where.fail(f"must be an integer, not {describe(value)}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip(), 10)
            except ValueError:
                pass
        raise where.fail(f"must be an integer, not {describe(value)}")


class Number(Field):
    """A number, also accepted as a numeric string."""

    def __init__(self, keep_zero: bool = False) -> None:
        self.keep_zero = keep_zero

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if isinstance(value, bool):
            raise where.fail(f"must be a number, not {describe(value)}")
        if isinstance(value, (int, float)):
            return value
        try:
            number = float(str(value))
        except ValueError:
            raise where.fail(f"must be a number, not {describe(value)}") from None
        return int(number) if number.is_integer() else number


class Boolean(Field):
    """A boolean; the strings `true` and `false` are accepted, in any case."""

    def __init__(self, keep_zero: bool = False) -> None:
        self.keep_zero = keep_zero

    def convert(self, value: Any, where: Where) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "y", "n", "on", "off"):
            return value.lower() in ("true", "yes", "y", "on")
        raise where.fail(f"must be true or false, not {describe(value)}")


class Bytes(Field):
    """A size such as `512m` or `1g` (powers of 1024), printed as a string of bytes.

    With `strings_only`, a bare number is rejected, as the schema does for deploy resources.
    """

    def __init__(self, keep_zero: bool = False, strings_only: bool = False) -> None:
        self.keep_zero = keep_zero
        self.strings_only = strings_only

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if self.strings_only and not isinstance(value, str):
            raise where.fail(f"must be a string such as 512m, not {describe(value)}")
        try:
            return parse_bytes(value)
        except ValueError as error:
            raise where.fail(str(error)) from None

    def render(self, value: Any) -> Any:
        rendered = super().render(value)
        return rendered if rendered is OMIT else str(value)


class Duration(Field):
    """A duration such as `1m30s`, printed in Go's form (`1m30s`, `500ms`, `2h0m0s`)."""

    def __init__(self, keep_zero: bool = False) -> None:
        self.keep_zero = keep_zero

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise where.fail(f"must be a string such as 30s or 1m30s, not {describe(value)}")
        try:
            return parse_duration(value)
        except ValueError as error:
            raise where.fail(str(error)) from None

    def render(self, value: Any) -> Any:
        if value is None or (not self.keep_zero and value == 0):
            return OMIT
        return render_duration(value)


class FileMode(Field):
    """A Unix file mode: an integer, or a string read as octal; printed as an octal string."""

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value, 8)
            except ValueError:
                pass
        raise where.fail(f"invalid file mode {describe(value)}: use an octal number such as 0440")

    def render(self, value: Any) -> Any:
        return OMIT if value is None else f"0{value:o}"


class ListOf(Field):
    """A list whose entries all have one type; `single` also accepts one entry without a list."""

    def __init__(self, item: Field, single: bool = False, keep_zero: bool = False, unique: bool = False) -> None:
        self.item = item
        self.single = single
        self.keep_zero = keep_zero
        self.unique = unique

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if self.single and not isinstance(value, list):
            value = [value]
        items = where.expect_list(value)
        converted = [self.item.convert(entry, where.child(index)) for index, entry in enumerate(items)]
        if self.unique:
            _reject_repeats(converted, where)
        return converted

    def render(self, value: Any) -> Any:
        if value is None or (not value and not self.keep_zero):
            return OMIT
        rendered = [self.item.render(entry) for entry in value]
        return [None if entry is OMIT else entry for entry in rendered]


def _reject_repeats(items: list[Any], where: Where) -> None:
    for index, item in enumerate(items):
        if item in items[:index]:
            raise where.child(index).fail(f"repeats entry {items.index(item)}: list each value once")


class MapOf(Field):
    """A mapping with keys of the user's choice and values of one type."""

    def __init__(self, value_field: Field, keep_null: bool = True, keep_zero: bool = False) -> None:
        self.value_field = value_field
        self.keep_null = keep_null
        self.keep_zero = keep_zero

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        mapping = where.expect_mapping(value)
        return {str(key): self.value_field.convert(item, where.child(str(key))) for key, item in mapping.items()}

    def render(self, value: Any) -> Any:
        if value is None or (not value and not self.keep_zero):
            return OMIT
        result = {}
        for key in sorted(value):
            rendered = self.value_field.render(value[key]) if value[key] is not None else None
            if rendered is OMIT:
                rendered = None
            if rendered is None and not self.keep_null:
                continue
            result[key] = rendered
        return result


class KeyValues(Field):
    """A mapping of strings, also written as a list of `KEY=value` (or `KEY: value`) strings.

    `bare` is the value of a list entry without a separator; None keeps it as null.
    """

    def __init__(self, bare: str | None = None, separators: tuple[str, ...] = ("=",), allow_null: bool = True) -> None:
        self.bare = bare
        self.separators = separators
        self.allow_null = allow_null

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if isinstance(value, list):
            return dict(self._entry(item, where.child(index)) for index, item in enumerate(value))
        mapping = where.expect_mapping(value)
        result: dict[str, str | None] = {}
        for key, item in mapping.items():
            if isinstance(item, (dict, list)):
                raise where.child(str(key)).fail(f"must be a string, a number, a boolean or null, not {describe(item)}")
            if item is None and not self.allow_null:
                item = ""
            result[str(key)] = None if item is None else format_scalar(item)
        return result

    def _entry(self, item: Any, where: Where) -> tuple[str, str | None]:
        if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
            raise where.fail(f"must be a string such as KEY=value, not {describe(item)}")
        text = format_scalar(item)
        positions = [text.find(separator) for separator in self.separators if separator in text]
        if not positions:
            return text, self.bare
        cut = min(positions)
        return text[:cut], text[cut + 1 :]

    def render(self, value: Any) -> Any:
        if not value:
            return OMIT
        return {key: value[key] for key in sorted(value)}


class Struct(Field):
    """A mapping with known keys, printed in the order compose-go declares them.

    `short` turns a value that is not a mapping (the short syntax) into one. `always` prints
    `{}` for an empty value, as Go does for a struct that is not a pointer. Keys starting
    with `x-` are extensions and are accepted everywhere. `ignored` keys are accepted and
    dropped, because the reference accepts them but does not print them.
    """

    def __init__(
        self,
        fields: dict[str, Field],
        short: Callable[[Any, Where], dict[str, Any]] | None = None,
        always: bool = False,
        ignored: tuple[str, ...] = (),
        keep_extensions: bool = False,
        required: tuple[str, ...] = (),
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self.fields = fields
        self.short = short
        self.always = always
        self.ignored = ignored
        self.keep_extensions = keep_extensions
        self.required = required
        self.defaults: Mapping[str, Any] = {} if defaults is None else defaults

    def convert(self, value: Any, where: Where) -> Any:
        if value is None:
            return None
        if not isinstance(value, dict) and self.short is not None:
            value = self.short(value, where)
        mapping = where.expect_mapping(value)
        fields = self.fields
        result: dict[str, Any] = {}
        for key, item in mapping.items():
            key = str(key)
            if key.startswith("x-"):
                result[key] = item
                continue
            field_type = fields.get(key)
            if field_type is None or key in self.ignored:
                if key in self.ignored:
                    continue
                raise where.fail(f"unknown key {quote(key)}: check its spelling and indentation")
            result[key] = field_type.convert(item, where.child(key))
        for key in self.required:
            if result.get(key) is None:
                raise where.fail(f"missing {quote(key)}: add it")
        for key, default in self.defaults.items():
            if result.get(key) is None:
                result[key] = default
        return result

    def render(self, value: Any) -> Any:
        if value is None:
            return {} if self.always else OMIT
        result: dict[str, Any] = {}
        for key, field_type in self.fields.items():
            if key in value:
                rendered = field_type.render(value[key])
                if rendered is not OMIT:
                    result[key] = rendered
            elif isinstance(field_type, Struct) and field_type.always:
                result[key] = {}
        if self.keep_extensions:
            result.update({key: item for key, item in value.items() if key.startswith("x-")})
        return result
