"""The USB descriptors an emulated printer presents: one configuration, printer-class interfaces.

Interface 0 is the print interface (bulk OUT 0x01, bulk IN 0x82 unless unidirectional);
a device with a status interface gets interface 1 (bulk OUT 0x03, bulk IN 0x84), the
secondary interface a v4 manifest names in `BidiUSBStatusInterface`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from usbmon_js.devices.usb.printer_class import PRINTER_CLASS, PRINTER_SUBCLASS

HIGH_SPEED_PACKET = 512
STRING_MANUFACTURER, STRING_PRODUCT, STRING_SERIAL = 1, 2, 3
ENGLISH_US = 0x0409


@dataclass(frozen=True)
class EmulatedInterface:
    number: int
    protocol: int
    out_endpoint: int
    in_endpoint: int | None


@dataclass(frozen=True)
class EmulatedIdentity:
    vendor_id: int
    product_id: int
    manufacturer: str
    product: str
    serial: str | None
    interfaces: tuple[EmulatedInterface, ...] = field(default_factory=tuple)

    def interface_for_endpoint(self, endpoint: int) -> EmulatedInterface | None:
        for interface in self.interfaces:
            if endpoint in (interface.out_endpoint, interface.in_endpoint):
                return interface
        return None

    def string(self, index: int) -> str | None:
        return {
            STRING_MANUFACTURER: self.manufacturer,
            STRING_PRODUCT: self.product,
            STRING_SERIAL: self.serial,
        }.get(index)


def device_descriptor(identity: EmulatedIdentity) -> bytes:
    return struct.pack(
        "<BBHBBBBHHHBBBB",
        18,
        1,
        0x0200,
        0,
        0,
        0,
        64,
        identity.vendor_id,
        identity.product_id,
        0x0100,
        STRING_MANUFACTURER,
        STRING_PRODUCT,
        STRING_SERIAL if identity.serial else 0,
        1,
    )


def configuration_descriptor(identity: EmulatedIdentity) -> bytes:
    body = b"".join(_interface_descriptor(interface) for interface in identity.interfaces)
    header = struct.pack("<BBHBBBBB", 9, 2, 9 + len(body), len(identity.interfaces), 1, 0, 0xC0, 50)
    return header + body


def _interface_descriptor(interface: EmulatedInterface) -> bytes:
    endpoints = [interface.out_endpoint] + ([interface.in_endpoint] if interface.in_endpoint else [])
    head = struct.pack(
        "<BBBBBBBBB",
        9,
        4,
        interface.number,
        0,
        len(endpoints),
        PRINTER_CLASS,
        PRINTER_SUBCLASS,
        interface.protocol,
        0,
    )
    return head + b"".join(struct.pack("<BBBBHB", 7, 5, ep, 2, HIGH_SPEED_PACKET, 0) for ep in endpoints)


def string_descriptor(identity: EmulatedIdentity, index: int) -> bytes | None:
    """String descriptor `index` (0: the language list), or None when the device has no such string."""
    if index == 0:
        return struct.pack("<BBH", 4, 3, ENGLISH_US)
    text = identity.string(index)
    if text is None:
        return None
    encoded = text.encode("utf-16-le")[:252]
    return bytes([2 + len(encoded), 3]) + encoded
