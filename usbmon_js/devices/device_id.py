"""IEEE 1284 device IDs: `MFG:Acme;MDL:LaserJet 9;CMD:PJL,PCL;CLS:PRINTER;`.

Printers spell keys both short and long (MFG/MANUFACTURER, MDL/MODEL, CMD/COMMAND SET, SN/SERN),
pad with spaces and sometimes forget the last `;`; Bidi's built-in DeviceInfo values and the
`devices` listing must read them all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_ALIASES = {
    "MANUFACTURER": "MFG",
    "MODEL": "MDL",
    "COMMAND SET": "CMD",
    "COMMANDSET": "CMD",
    "CLASS": "CLS",
    "DESCRIPTION": "DES",
    "SERN": "SN",
    "SERIALNUMBER": "SN",
    "SERIAL NUMBER": "SN",
    "COMPATIBLE ID": "CID",
}


@dataclass(frozen=True)
class DeviceId:
    raw: str
    fields: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """A field by its short key (MFG, MDL, CMD, CLS, DES, SN), whichever spelling the device used."""
        return self.fields.get(key.upper())

    @property
    def manufacturer(self) -> str | None:
        return self.get("MFG")

    @property
    def model(self) -> str | None:
        return self.get("MDL")

    @property
    def serial(self) -> str | None:
        return self.get("SN")

    @property
    def command_sets(self) -> list[str]:
        return [part.strip() for part in (self.get("CMD") or "").split(",") if part.strip()]


def parse_device_id(raw: str) -> DeviceId:
    """Split an ID into fields; the first spelling of a key wins, empty and key-less parts are skipped."""
    fields: dict[str, str] = {}
    for part in raw.split(";"):
        key, sep, value = part.partition(":")
        key = key.strip().upper()
        if not sep or not key:
            continue
        key = _ALIASES.get(key, key)
        fields.setdefault(key, value.strip())
    return DeviceId(raw.strip(), fields)
