"""Real USB printers through pyusb/libusb: discovery, class requests, quirks, the bulk transport."""

from __future__ import annotations

import usb.core

from usbmon_js.devices.usb.discovery import UsbSelector, find_printers, read_string
from usbmon_js.devices.usb.quirks import Quirks, QuirkTable
from usbmon_js.devices.usb.transport import UDEV_HINT, UsbPrinter, UsbTimeouts
from usbmon_js.errors import DeviceUnavailable


def device_label(device: usb.core.Device) -> str:
    name = " ".join(
        part
        for part in (read_string(device, device.iManufacturer), read_string(device, device.iProduct))
        if part
    )
    label = f"USB printer {device.idVendor:04x}:{device.idProduct:04x}"
    label += f" ({name})" if name else ""
    return label + f" on bus {device.bus} address {device.address}"


def open_usb_printer(spec: str, quirk_table: QuirkTable, timeouts: UsbTimeouts | None = None) -> UsbPrinter:
    """Open the printer `spec` (`usb`, `usb:VVVV:PPPP[:SERIAL]`) names, with its quirks applied."""
    selector = UsbSelector.parse(spec)
    vendor_ids = {(e.vendor_id, e.product_id) for e in quirk_table.entries if e.vendor_class}
    present = list(find_printers({ids for ids in vendor_ids if None not in ids}))  # type: ignore[misc]
    chosen = [device for device in present if selector.matches(device)]
    if not chosen:
        seen = ", ".join(f"{d.idVendor:04x}:{d.idProduct:04x}" for d in present) or "none"
        raise DeviceUnavailable(
            f"--device {spec}: no {selector.describe()} found (printer-class devices present: {seen}). "
            "Check the cable and `usbmon-js devices`; if lsusb lists the printer but this does not, "
            + UDEV_HINT
        )
    device = chosen[0]
    quirks, _ = quirk_table.for_device(device.idVendor, device.idProduct)
    refuse_blacklisted(device_label(device), quirks)
    return UsbPrinter(device, quirks, device_label(device), timeouts)


def refuse_blacklisted(label: str, quirks: Quirks) -> None:
    if quirks.blacklisted:
        raise DeviceUnavailable(
            f"{label} is marked as not working with a generic USB printer transport "
            "(blacklisted quirk); override with --quirk blacklisted=false"
        )


__all__ = [
    "QuirkTable",
    "UsbPrinter",
    "UsbTimeouts",
    "device_label",
    "open_usb_printer",
    "refuse_blacklisted",
]
