"""USB printer class (class 7, subclass 1) facts shared by the real transport and the emulator.

Requests and bit meanings follow the USB Printer Class 1.1 specification; the device-ID parsing
tolerates what real printers send (see `parse_device_id_reply`).
"""

from __future__ import annotations

from dataclasses import dataclass

PRINTER_CLASS = 0x07
PRINTER_SUBCLASS = 0x01
PROTOCOL_NAMES = {
    1: "unidirectional",
    2: "bidirectional",
    3: "IEEE 1284.4",
    4: "IPP over USB",
    0xFF: "vendor",
}

GET_DEVICE_ID = 0
GET_PORT_STATUS = 1
SOFT_RESET = 2

# bmRequestType values: class request, interface recipient (IN / OUT), and the 1.0 spec's
# SOFT_RESET to recipient "other" that CUPS still tries first.
CLASS_IN_INTERFACE = 0xA1
CLASS_OUT_INTERFACE = 0x21
CLASS_OUT_OTHER = 0x23

# Windows' usbprint caps the device-ID buffer; 4094 bytes is the largest size it handles safely.
DEVICE_ID_BUFFER = 4094
DEVICE_ID_TIMEOUT_MS = 5000

PAPER_EMPTY = 0x20
SELECTED = 0x10
NOT_ERROR = 0x08


@dataclass(frozen=True)
class PortStatus:
    """GET_PORT_STATUS decoded: bits 3–5 are standard, 6–7 vendor-defined (often jam/cover)."""

    raw: int

    @property
    def paper_empty(self) -> bool:
        return bool(self.raw & PAPER_EMPTY)

    @property
    def selected(self) -> bool:
        return bool(self.raw & SELECTED)

    @property
    def error(self) -> bool:
        return not self.raw & NOT_ERROR  # the bit is active low

    @property
    def vendor_bits(self) -> int:
        return self.raw & 0xC7

    def as_dict(self) -> dict[str, object]:
        return {
            "raw": self.raw,
            "paper_empty": self.paper_empty,
            "selected": self.selected,
            "error": self.error,
            "vendor_bits": self.vendor_bits,
        }

    def describe(self) -> str:
        words = ["paper empty" if self.paper_empty else "paper ok"]
        words.append("online" if self.selected else "offline")
        words.append("error" if self.error else "no error")
        if self.vendor_bits:
            words.append(f"vendor bits 0x{self.vendor_bits:02x}")
        return f"0x{self.raw:02x} ({', '.join(words)})"


@dataclass(frozen=True)
class DeviceIdReply:
    """What a GET_DEVICE_ID answer contained, and how it deviated from the specification."""

    text: str
    quirks: tuple[str, ...] = ()


def parse_device_id_reply(reply: bytes) -> DeviceIdReply:
    """Decode a GET_DEVICE_ID answer the way robust hosts do.

    The spec says: a 2-byte big-endian length that counts itself, then the ID. Printers get it
    wrong in known ways: little-endian length, a length that excludes the two prefix bytes,
    a length longer than what arrived, trailing garbage (NULs, CR/LF) after the last `;`, or an
    ID that is blank. Each deviation is named in `quirks` so `devices` can show it.
    """
    if len(reply) < 2:
        return DeviceIdReply("", ("no length prefix",) if reply else ("empty reply",))
    quirks: list[str] = []
    body = reply[2:]
    big, little = int.from_bytes(reply[:2], "big"), int.from_bytes(reply[:2], "little")
    length = big
    if not 2 <= big <= len(reply) + 2 and 2 <= little <= len(reply) + 2:
        length, quirks = little, ["little-endian length"]
    if length == len(body) and not _ends_an_id(body[: length - 2]) and _ends_an_id(body):
        # Either an exact ID whose length forgot the prefix, or 2 stray bytes after a correct
        # length; only the first reads as a complete ID ending in ';'.
        quirks.append("length excludes its own 2 bytes")
        text_bytes = body
    elif length - 2 > len(body):
        quirks.append(f"length {length} exceeds the {len(reply)} bytes received")
        text_bytes = body
    else:
        text_bytes = body[: max(length - 2, 0)]
        if len(body) > length - 2 and body[length - 2 :].strip(b"\0 \r\n"):
            quirks.append(f"{len(body) - (length - 2)} bytes after the stated length ignored")
    text = text_bytes.decode("latin-1")
    trimmed = _trim_trailing_garbage(text)
    if not trimmed.strip():
        quirks.append("blank device ID")
        trimmed = ""
    elif trimmed != text.rstrip("\0\r\n "):
        quirks.append("trailing garbage after the last ';' dropped")
    return DeviceIdReply(trimmed, tuple(quirks))


def _ends_an_id(data: bytes) -> bool:
    return data.rstrip(b"\0\r\n ").endswith(b";")


def _trim_trailing_garbage(text: str) -> str:
    stripped = text.rstrip("\0\r\n ")
    if ";" in stripped and not stripped.endswith(";"):
        tail = stripped[stripped.rindex(";") + 1 :]
        if ":" not in tail:  # not a final KEY:value without its ';'
            return stripped[: stripped.rindex(";") + 1]
    return stripped


def encode_device_id(text: str, style: str = "standard") -> bytes:
    """The GET_DEVICE_ID answer a device sends for `text`, in one of the known encodings."""
    body = text.encode("latin-1")
    if style == "little_endian":
        return (len(body) + 2).to_bytes(2, "little") + body
    if style == "length_excludes_prefix":
        return len(body).to_bytes(2, "big") + body
    if style == "trailing_garbage":
        return (len(body) + 2).to_bytes(2, "big") + body + b"\x0b\x01"
    return (len(body) + 2).to_bytes(2, "big") + body


def device_id_from_strings(manufacturer: str | None, product: str | None, serial: str | None) -> str:
    """An IEEE 1284 ID made from string descriptors, for devices that answer none (as CUPS does)."""
    parts = [f"MFG:{manufacturer or 'Unknown'};", f"MDL:{product or 'Printer'};", "CLS:PRINTER;"]
    if serial:
        parts.append(f"SN:{serial};")
    return "".join(parts)
