"""VARIANT-style argument coercion for host methods (decisions.md, "Numbers").

Scripts call `AddInt32(p, "42")` or `SetString(p, 5)` and COM converts; anything COM could not
convert throws a catchable TypeError naming the member.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import Decimal
from typing import Any

from usbmon_js.com.members import HostError

_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def js_string(value: float | int) -> str:
    """A number as JS `String()` writes it (ECMAScript Number::toString)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if value < 0:
        return "-" + js_string(-value)
    # repr gives the shortest digits that round-trip, as JS does; only the layout differs.
    _, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple))
    n = len(digits) + int(exponent)  # the decimal point sits after n digits
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + digits
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if n > 0 else '-'}{abs(n - 1)}"


def _number(member: str, value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise HostError(f"{member}: expected a number, got {_describe(value)}", "TypeError")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if not _NUMERIC.fullmatch(value.strip()):
            raise HostError(f"{member}: '{value}' is not a number", "TypeError")
        return float(value.strip())
    raise HostError(f"{member}: expected a number, got {_describe(value)}", "TypeError")


def to_int32(member: str, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
        return value
    number = _number(member, value)
    if not math.isfinite(number):
        raise HostError(f"{member}: {js_string(number)} cannot be converted to Int32", "TypeError")
    wrapped = int(number) & 0xFFFFFFFF
    return wrapped - 2**32 if wrapped >= 2**31 else wrapped


def to_uint32(member: str, value: Any) -> int:
    return to_int32(member, value) & 0xFFFFFFFF


def to_float32(member: str, value: Any) -> float:
    number = _number(member, value)
    try:
        return struct.unpack("f", struct.pack("f", number))[0]
    except OverflowError:
        return math.copysign(math.inf, number)


def to_text(member: str, value: Any) -> str:
    """BSTR arguments: strings, numbers and booleans as JS `String()` gives them."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return js_string(value)
    raise HostError(f"{member}: expected a string, got {_describe(value)}", "TypeError")


def to_bool(value: Any) -> bool:
    """BOOL arguments take JS truthiness."""
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, list | dict | bytes):
        return True
    return bool(value)


def _describe(value: Any) -> str:
    if value is None:
        return "null or undefined"
    if isinstance(value, bytes):
        return "a byte array"
    return {bool: "a boolean", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)
