"""Bidi values written as text: `Const` values in the extension XML, DriverEvents trigger values
and values typed on the command line (`bidi set`).

The conversions match what a script's `Add*` calls produce (com/bidi.py), so a value read from
text compares equal to the same value reported by a script: BIDI_FLOAT is rounded to float32 as
`AddFloat` does, and a BIDI_BLOB is a lowercase hex string as `AddBlob` records it.
"""

from __future__ import annotations

import math
import re
import struct
from typing import Literal, get_args

BidiTypeName = Literal[
    "BIDI_NULL", "BIDI_INT", "BIDI_FLOAT", "BIDI_BOOL", "BIDI_STRING", "BIDI_TEXT", "BIDI_ENUM", "BIDI_BLOB"
]
BIDI_TYPE_NAMES: tuple[str, ...] = get_args(BidiTypeName)
NUMERIC_TYPES = frozenset({"BIDI_INT", "BIDI_FLOAT"})

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# ASCII only: Python's int()/float() would also take "1_000" and non-ASCII digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX_BYTES = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}


def convert_bidi_value(type: BidiTypeName, text: str) -> bool | int | float | str | None:
    """`text` as a value of Bidi type `type`, or a ValueError whose message says what was expected.

    Numbers, booleans and blobs may carry surrounding whitespace; strings are taken verbatim.
    """
    if type in ("BIDI_STRING", "BIDI_TEXT", "BIDI_ENUM"):
        return text
    stripped = text.strip()
    if type == "BIDI_NULL":
        if stripped:
            raise ValueError(f"{text!r} is not a valid BIDI_NULL (an event carries no value; use '')")
        return None
    if type == "BIDI_INT":
        if not _INTEGER.fullmatch(stripped):
            raise ValueError(f"{text!r} is not a valid BIDI_INT (expected a whole number)")
        number = int(stripped)
        if not INT32_MIN <= number <= INT32_MAX:
            raise ValueError(
                f"{text!r} is not a valid BIDI_INT (out of the Int32 range {INT32_MIN} to {INT32_MAX})"
            )
        return number
    if type == "BIDI_FLOAT":
        if not _DECIMAL.fullmatch(stripped):
            raise ValueError(f"{text!r} is not a valid BIDI_FLOAT (expected a decimal number such as 1.5)")
        try:
            single = struct.unpack("f", struct.pack("f", float(stripped)))[0]
        except OverflowError:
            single = math.inf
        if not math.isfinite(single):
            raise ValueError(f"{text!r} is not a valid BIDI_FLOAT (too large for a 32-bit float)")
        return single
    if type == "BIDI_BOOL":
        try:
            return _BOOLS[stripped.lower()]
        except KeyError:
            raise ValueError(f"{text!r} is not a valid BIDI_BOOL (expected true, false, 1 or 0)") from None
    if type == "BIDI_BLOB":
        compact = "".join(stripped.split())
        if not _HEX_BYTES.fullmatch(compact):
            raise ValueError(f"{text!r} is not a valid BIDI_BLOB (expected hex digits, two per byte)")
        return compact.lower()
    raise ValueError(f"unknown Bidi type {type!r} (expected one of {', '.join(BIDI_TYPE_NAMES)})")
