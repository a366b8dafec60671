"""Showing JavaScript values the probe describes, and host-call arguments, to a person or a tool.

The probe sends a description of each value (probe.js `describe`): its type, a preview, and byte
arrays as real bytes, because driver scripts are mostly about bytes; those are shown as a hex
and ASCII dump like a protocol analyser's.
"""

from __future__ import annotations

import json
import math
from typing import Any

DUMP_WIDTH = 16
DUMP_LIMIT = 256  # bytes shown by `print`; `x` shows everything


def hex_dump(data: bytes, limit: int | None = DUMP_LIMIT) -> list[str]:
    """`0000  1b 25 2d 31 … |.%-1…|` lines; a note at the end when `limit` cut the data short."""
    shown = data if limit is None else data[:limit]
    lines = []
    for offset in range(0, len(shown), DUMP_WIDTH):
        chunk = shown[offset : offset + DUMP_WIDTH]
        hex_part = " ".join(f"{b:02x}" for b in chunk).ljust(DUMP_WIDTH * 3 - 1)
        text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{offset:04x}  {hex_part}  |{text}|")
    if len(shown) < len(data):
        lines.append(f"… {len(data) - len(shown)} more bytes (x EXPR shows all)")
    return lines


def short_bytes(data: bytes, head: int = 16) -> str:
    hex_part = " ".join(f"{b:02x}" for b in data[:head])
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in data[:head])
    more = " …" if len(data) > head else ""
    return f"{hex_part}{more} |{text}{'…' if more else ''}|"


def one_line(value: dict[str, Any]) -> str:
    """A value on one line (locals, array items, object fields)."""
    kind = value.get("t")
    shown = value.get("v")
    if kind in ("undefined", "null"):
        return str(kind)
    if kind == "number":
        return _number(shown)
    if kind == "boolean":
        return "true" if shown else "false"
    if kind == "string":
        return json.dumps(shown, ensure_ascii=False)
    if kind == "bigint":
        return f"{shown}n"
    if kind == "function":
        return f"function {shown}()" if shown else "function ()"
    if kind == "bytes":
        data = bytes(shown or b"")
        return f"{value.get('of', 'Array')}({len(data)}) bytes {short_bytes(data)}"
    if kind == "array":
        items = [one_line(item) for item in value.get("items", [])[:20]]
        more = ", …" if value.get("length", 0) > len(items) else ""
        body = f"[{', '.join(items)}{more}]" if items or not value.get("length") else "[…]"
        return f"Array({value.get('length', 0)}) {body}"
    if kind == "host":
        return f"{str(shown).removeprefix('[object ').removesuffix(']')} (host object)"
    if kind == "object":
        fields = [f"{name}: {one_line(item)}" for name, item in value.get("fields", [])[:20]]
        more = ", …" if value.get("size", 0) > len(fields) else ""
        cls = value.get("cls") or ""
        prefix = f"{cls} " if cls and cls != "Object" else ""
        body = f"{{{', '.join(fields)}{more}}}" if fields or not value.get("size") else "{…}"
        return prefix + body
    return str(shown)


def detailed(value: dict[str, Any], limit: int | None = DUMP_LIMIT) -> list[str]:
    """A value as `print` shows it: byte arrays as a full dump, everything else on one line."""
    if value.get("t") == "bytes":
        data = bytes(value.get("v") or b"")
        return [f"{value.get('of', 'Array')}({len(data)}) bytes:", *hex_dump(data, limit)]
    return [one_line(value)]


def to_json(value: Any) -> Any:
    """A value description with its bytes as hex, for `--json` output."""
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def host_value(value: Any) -> str:
    """A host-call argument or result as the debugger shows it."""
    if isinstance(value, bytes | bytearray):
        return f"{len(value)} bytes {short_bytes(bytes(value))}"
    if isinstance(value, list):
        return "[" + ", ".join(host_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "—"
    if isinstance(value, Exception):
        return f"throws {getattr(value, 'js_type', type(value).__name__)}: {value}"
    interface = getattr(value, "com_interface", None)
    return f"{interface} (host object)" if interface else str(value)


def _number(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
    return str(value)
