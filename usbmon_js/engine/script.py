"""Loading a vendor's driver script file the way USBMon accepts it.

Microsoft's own samples ship as UTF-16LE with BOM and CRLF; vendors also ship UTF-8 with or
without BOM. The decoded text keeps its line structure so every `file:line:col` we report
points at the vendor's original file.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class DriverScript:
    path: Path
    source: str
    sha256: str
    encoding: str

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def from_file(cls, path: Path) -> DriverScript:
        return cls.from_bytes(path, read_bytes(path, "driver script"))

    @classmethod
    def from_bytes(cls, path: Path, raw: bytes) -> DriverScript:
        source, encoding = decode_script(path, raw)
        return cls(path=path, source=source, sha256=hashlib.sha256(raw).hexdigest(), encoding=encoding)


def decode_script(path: Path, raw: bytes) -> tuple[str, str]:
    """Text of a script file with CRLF/CR folded to LF (columns and lines stay the same)."""
    encoding = next((enc for bom, enc in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"{path}: driver script is not valid {encoding.upper()} (byte {exc.start}: {exc.reason}); "
            "save it as UTF-8, or UTF-16 with a byte-order mark"
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise BadInput(
            f"{path}: driver script contains NUL characters; is it UTF-16 without a byte-order mark? "
            "Save it with a BOM (Microsoft's samples are UTF-16LE with BOM)"
        )
    label = {
        "utf-8-sig": "utf-8-bom",
        "utf-16": "utf-16-le" if raw[:2] == codecs.BOM_UTF16_LE else "utf-16-be",
    }
    return text.replace("\r\n", "\n").replace("\r", "\n"), label.get(encoding, encoding)
