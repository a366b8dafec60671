"""Finding USB printer-class devices and describing them (`usbmon-js devices`, `--device usb`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import usb.core
import usb.util

from usbmon_js.devices.usb import libusb
from usbmon_js.devices.usb.printer_class import PRINTER_CLASS, PRINTER_SUBCLASS, PROTOCOL_NAMES
from usbmon_js.errors import BadInput

VENDOR_CLASS = 0xFF


@dataclass(frozen=True)
class PrinterInterface:
    """One printer (or vendor) interface and its bulk endpoints."""

    number: int
    alternate: int
    interface_class: int
    protocol: int
    out_endpoint: int | None
    in_endpoint: int | None
    max_packet: int

    @property
    def protocol_name(self) -> str:
        if self.interface_class == VENDOR_CLASS:
            return "vendor class"
        return PROTOCOL_NAMES.get(self.protocol, f"protocol {self.protocol}")

    @property
    def printable(self) -> bool:
        """Whether the host can send a print job here: classic protocols 1-3 with bulk OUT.

        Protocol 4 (IPP over USB) carries HTTP, not a print stream; it is listed, not used.
        """
        return self.out_endpoint is not None and (
            self.interface_class == VENDOR_CLASS or self.protocol in (1, 2, 3)
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "alternate": self.alternate,
            "class": self.interface_class,
            "protocol": self.protocol,
            "protocol_name": self.protocol_name,
            "out_endpoint": self.out_endpoint,
            "in_endpoint": self.in_endpoint,
            "max_packet": self.max_packet,
        }


def printer_interfaces(device: usb.core.Device, vendor_class: bool = False) -> list[PrinterInterface]:
    """Printer-class interfaces of the device's first configuration (vendor interfaces too when asked)."""
    found = []
    for configuration in device:
        for interface in configuration:
            printer = (interface.bInterfaceClass, interface.bInterfaceSubClass) == (
                PRINTER_CLASS,
                PRINTER_SUBCLASS,
            )
            if not printer and not (vendor_class and interface.bInterfaceClass == VENDOR_CLASS):
                continue
            out_ep = in_ep = None
            packet = 64
            for endpoint in interface:
                if usb.util.endpoint_type(endpoint.bmAttributes) != usb.util.ENDPOINT_TYPE_BULK:
                    continue
                packet = endpoint.wMaxPacketSize or packet
                if usb.util.endpoint_direction(endpoint.bEndpointAddress) == usb.util.ENDPOINT_IN:
                    in_ep = in_ep or endpoint.bEndpointAddress
                else:
                    out_ep = out_ep or endpoint.bEndpointAddress
            found.append(
                PrinterInterface(
                    interface.bInterfaceNumber,
                    interface.bAlternateSetting,
                    interface.bInterfaceClass,
                    interface.bInterfaceProtocol,
                    out_ep,
                    in_ep,
                    packet,
                )
            )
        break  # printers have one configuration; the host never switches
    return found


def find_printers(vendor_class_ids: set[tuple[int, int]] | None = None) -> Iterator[usb.core.Device]:
    """Every attached device with a printer-class interface (descriptor data only, nothing opened)."""
    try:
        devices = usb.core.find(find_all=True, backend=libusb.backend())
    except usb.core.NoBackendError:
        raise BadInput("libusb-1.0 was not found: install it to use USB printers") from None
    for device in devices or []:
        vendor = (device.idVendor, device.idProduct) in (vendor_class_ids or set())
        if any(i.printable or i.interface_class == PRINTER_CLASS for i in printer_interfaces(device, vendor)):
            yield device


@dataclass(frozen=True)
class UsbSelector:
    """`usb` or `usb:VVVV:PPPP[:SERIAL]`."""

    vendor_id: int | None = None
    product_id: int | None = None
    serial: str | None = None

    @classmethod
    def parse(cls, spec: str) -> UsbSelector:
        parts = spec.split(":")
        bad = BadInput(
            f"--device {spec}: expected usb or usb:VVVV:PPPP[:SERIAL] with 4-digit hex vendor and "
            "product IDs as lsusb shows them, e.g. usb:04b8:0005"
        )
        if parts[0] != "usb" or len(parts) not in (1, 3, 4):
            raise bad
        if len(parts) == 1:
            return cls()
        try:
            vendor, product = int(parts[1], 16), int(parts[2], 16)
        except ValueError:
            raise bad from None
        if not (0 <= vendor <= 0xFFFF and 0 <= product <= 0xFFFF):
            raise bad
        return cls(vendor, product, parts[3] if len(parts) == 4 and parts[3] else None)

    def matches(self, device: usb.core.Device) -> bool:
        if self.vendor_id is not None and (device.idVendor, device.idProduct) != (
            self.vendor_id,
            self.product_id,
        ):
            return False
        return self.serial is None or read_string(device, device.iSerialNumber) == self.serial

    def describe(self) -> str:
        if self.vendor_id is None:
            return "a USB printer"
        text = f"USB printer {self.vendor_id:04x}:{self.product_id:04x}"
        return text + (f" with serial {self.serial}" if self.serial else "")


def read_string(device: usb.core.Device, index: int) -> str | None:
    """A string descriptor, or None when the device has none or refuses (no access, stall)."""
    if not index:
        return None
    try:
        return usb.util.get_string(device, index)
    except (usb.core.USBError, ValueError, NotImplementedError):
        return None
