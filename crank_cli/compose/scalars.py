"""Turn YAML scalars into the strings the reference prints for them.

The reference is written in Go, so a number that ends up in a string field (an environment
value, a label, a build argument) is formatted the way Go's `fmt` formats it: `1.5`,
`1e+20`, `+Inf`, `true`.
"""

from __future__ import annotations

import math
from typing import Any


def format_scalar(value: Any) -> str:
    """Return the text Go's `fmt.Sprint` gives for a YAML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if value is None:
        return ""
    return str(value)


def format_float(value: float) -> str:
    """Return Go's shortest `%v` form of a float64: exponent form below 1e-4 and from 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    from decimal import Decimal  # imported here because few compose files hold floats

    decimal = Decimal(repr(value))
    sign, digits, _ = decimal.as_tuple()
    exponent = decimal.adjusted()
    text_digits = "".join(str(d) for d in digits).rstrip("0") or "0"
    prefix = "-" if sign else ""
    if exponent < -4 or exponent >= 6:
        mantissa = text_digits[0] + ("." + text_digits[1:] if len(text_digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return prefix + _fixed(text_digits, exponent)


def _fixed(digits: str, exponent: int) -> str:
    if exponent < 0:
        return "0." + "0" * (-exponent - 1) + digits
    whole = digits[: exponent + 1].ljust(exponent + 1, "0")
    fraction = digits[exponent + 1 :]
    return whole + ("." + fraction if fraction else "")
