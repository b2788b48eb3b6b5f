"""The variables a project's compose files use, for `config --variables`.

Each `$VAR` or `${VAR...}` in a value of the compose files, before interpolation, names a
variable. `${VAR:-default}` and `${VAR-default}` give it a default, `${VAR:+value}` and
`${VAR+value}` an alternate value, and `${VAR:?message}` and `${VAR?message}` make it
required. A default or alternate value is shown as written, and the variables inside it are
listed too, as docker compose 2.40.3 lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crank_cli.compose import interpolation


@dataclass
class Variable:
    """A variable of the compose files: whether it must be set, and the values its references give it."""

    name: str
    required: bool = False
    default: str = ""
    alternate: str = ""

    def merge(self, other: Variable) -> None:
        """Combine another reference to the same variable with this one."""
        self.required = self.required or other.required
        self.default = self.default or other.default
        self.alternate = self.alternate or other.alternate


def model_variables(model: Any) -> dict[str, Variable]:
    """Return the variables referenced in the string values of a raw model, by name."""
    found: dict[str, Variable] = {}
    for text in _strings(model):
        for variable in text_variables(text):
            if variable.name in found:
                found[variable.name].merge(variable)
            else:
                found[variable.name] = variable
    return found


def text_variables(text: str) -> Iterator[Variable]:
    """Yield a variable for each reference in `text`, in order, including those inside defaults.

    Text that `config` would reject as an invalid interpolation yields the references before it.
    """
    index = 0
    while True:
        dollar = text.find("$", index)
        if dollar < 0 or dollar + 1 >= len(text):
            return
        following = text[dollar + 1]
        if following == "$":
            index = dollar + 2
            continue
        if following != "{":
            end = interpolation.variable_name_end(text, dollar + 1)
            if end > dollar + 1:
                yield Variable(text[dollar + 1:end])
            index = max(end, dollar + 1)
            continue
        parsed = _braced(text, dollar + 2)
        if parsed is None:
            return
        variable, argument, index = parsed
        yield variable
        yield from text_variables(argument)


def _braced(text: str, start: int) -> tuple[Variable, str, int] | None:
    """Parse the `${...}` whose name starts at `start`; return the variable, its argument and the next index."""
    name_end = interpolation.variable_name_end(text, start)
    name = text[start:name_end]
    if not name:
        return None
    if text[name_end:name_end + 1] == "}":
        return Variable(name), "", name_end + 1
    operator = next((op for op in interpolation.OPERATORS if text.startswith(op, name_end)), None)
    if operator is None:
        return None
    argument_start = name_end + len(operator)
    try:
        end = interpolation.argument_end(text, argument_start)
    except interpolation.TemplateError:
        return None
    argument = text[argument_start:end - 1]
    kind = operator[-1]
    variable = Variable(name, required=kind == "?", default=argument if kind == "-" else "",
                        alternate=argument if kind == "+" else "")
    return variable, argument, end


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
