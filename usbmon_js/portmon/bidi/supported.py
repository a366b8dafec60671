"""The schema paths a port answers: the driver's Bidi XML plus USBMon's built-in DeviceInfo values.

USBMon answers `\\Printer.DeviceInfo:Manufacturer`, `:ModelName`, `:IEEE1284DeviceId` … from the
device's IEEE 1284 ID even without extension files; a driver's XML may declare the same paths to
answer them itself, and then the script wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.devices.device_id import DeviceId, parse_device_id
from usbmon_js.formats.bidi_xml import BidiSchema, DeclaredValue

_DEVICE_INFO = "\\Printer.DeviceInfo:"
_ALIASES = {"IEEE1284DeviceID"}


def _hardware_id(device_id: DeviceId) -> str | None:
    """`USBPRINT\\NameModel(20)Checksum(4)` as usbprint.sys builds it (Microsoft documents the shape,
    not its checksum: ours is CRC-16/ARC, so the last four characters may differ from Windows')."""
    if not device_id.manufacturer or not device_id.model:
        return None
    name_model = device_id.manufacturer + device_id.model
    crc = 0
    for byte in name_model.encode("latin-1", "replace"):
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return "USBPRINT\\" + name_model[:20].replace(" ", "_") + f"{crc:04X}"


BUILTIN_VALUES: dict[str, Callable[[DeviceId], str | None]] = {
    "Manufacturer": lambda d: d.manufacturer,
    "ModelName": lambda d: d.model,
    "IEEE1284DeviceId": lambda d: d.raw or None,
    "IEEE1284DeviceID": lambda d: d.raw or None,  # Microsoft's pages use both spellings
    "HardwareId": _hardware_id,
    "CompatibleId": lambda d: d.get("CID"),
    "SerialNumber": lambda d: d.serial,
}


def _builtin(name: str) -> DeclaredValue:
    return DeclaredValue(
        path=_DEVICE_INFO + name, kind="BuiltIn", type="BIDI_STRING", access="Get", builtin_id=name, line=0
    )


class SupportedSchema:
    """Every value a Bidi client may ask this port for, and the built-in answers."""

    def __init__(self, xml: BidiSchema | None, device_id: str) -> None:
        self.xml = xml
        self.device_id = parse_device_id(device_id)
        self.values: dict[str, DeclaredValue] = dict(xml.values) if xml else {}
        for name in BUILTIN_VALUES:
            self.values.setdefault(_DEVICE_INFO + name, _builtin(name))

    def lookup(self, path: str) -> DeclaredValue | None:
        return self.values.get(path)

    def expand(self, path: str) -> list[DeclaredValue] | None:
        """A value path names itself; a property path names every value beneath it.

        In a whole-property Get, built-in values the device does not give and the second spelling
        of the 1284 ID are left out; asked for by name they are answered (or get ERROR_NO_DATA).
        """
        if path in self.values:
            return [self.values[path]]
        beneath = [
            v
            for v in self.values.values()
            if (v.path.startswith(path + ".") or v.path.startswith(path + ":")) and self._in_subtree(v)
        ]
        return beneath or None

    def _in_subtree(self, value: DeclaredValue) -> bool:
        if value.kind != "BuiltIn" or value.line != 0:
            return True
        return value.builtin_id not in _ALIASES and self.builtin_answer(value) is not None

    @property
    def xml_name(self) -> str:
        return self.xml.name if self.xml is not None else "the Bidi XML (none given)"

    def check_responses(self, responses: Iterable[BidiResponse]) -> list[str]:
        """Warnings for responses to undeclared paths (kept, as USBMon does) or of another type."""
        warnings: list[str] = []
        if self.xml is None:
            return warnings  # nothing declared to check against
        for response in responses:
            declared = self.lookup(response.path)
            if declared is None:
                message = (
                    f"{response.entry} reported {response.path}, "
                    f"which {self.xml_name} does not declare (kept)"
                )
            elif declared.type != response.type:
                message = (
                    f"{response.entry} reported {response.path} as {response.type}; "
                    f"{self.xml_name} declares {declared.type}"
                )
            else:
                continue
            if message not in warnings:
                warnings.append(message)
        return warnings

    def builtin_answer(self, value: DeclaredValue) -> str | None:
        """What USBMon itself answers for a built-in value (None: the device does not tell).

        An XML `<BuiltIn id=…>` names one of the built-in DeviceInfo values (case-insensitively).
        """
        if value.kind != "BuiltIn":
            return None
        wanted = (value.builtin_id or "").lower()
        for name, getter in BUILTIN_VALUES.items():
            if name.lower() == wanted:
                return getter(self.device_id)
        return None
