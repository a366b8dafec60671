"""`emu:` devices: any simulated printer published as a USB printer-class device through umockdev.

The host then drives it with the same pyusb transport as real hardware, so descriptors, class
requests, kernel-driver handling, timeouts, stalls and unplugs all go through real libusb.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import usb.core

from usbmon_js.devices.device_id import parse_device_id
from usbmon_js.devices.emu.descriptors import EmulatedIdentity, EmulatedInterface
from usbmon_js.devices.emu.device import EmulatedPrinterDevice
from usbmon_js.devices.emu.options import UsbEmulation
from usbmon_js.devices.model import PrinterModel, model_device_id
from usbmon_js.devices.usb import libusb
from usbmon_js.errors import DeviceUnavailable

_bus = None


def emulated_bus():  # -> EmulatedUsbBus; imported lazily: it needs umockdev's GObject bindings
    """The process's one umockdev testbed (libusb sees a single /sys and /dev)."""
    global _bus
    if _bus is None:
        from usbmon_js.devices.emu.testbed import EmulatedUsbBus

        _bus = EmulatedUsbBus()
    return _bus


def usb_emulation(model: PrinterModel) -> UsbEmulation:
    """The model's `usb:` fixture section, a Python model's `usb_emulation` attribute, or defaults."""
    fixture = getattr(model, "fixture", None)
    options = getattr(fixture, "usb", None) or getattr(model, "usb_emulation", None)
    return options if isinstance(options, UsbEmulation) else UsbEmulation()


def emulated_identity(model: PrinterModel, options: UsbEmulation) -> EmulatedIdentity:
    device_id = parse_device_id(model_device_id(model))
    interfaces = [EmulatedInterface(0, options.protocol, 0x01, None if options.protocol == 1 else 0x82)]
    if getattr(model, "status_interface", None) is not None and _has_status_interface(model):
        interfaces.append(EmulatedInterface(1, 2, 0x03, 0x84))
    return EmulatedIdentity(
        vendor_id=options.vendor_id,
        product_id=options.product_id,
        manufacturer=options.manufacturer or device_id.manufacturer or "usbmon-js",
        product=options.product or device_id.model or "Emulated Printer",
        serial=options.serial or device_id.serial,
        interfaces=tuple(interfaces),
    )


def _has_status_interface(model: PrinterModel) -> bool:
    getter = getattr(model, "status_interface", None)
    return callable(getter) and getter() is not None


@dataclass
class EmulatedPrinter:
    """A published emulated printer: its device side, and where libusb finds it."""

    device: EmulatedPrinterDevice
    bus: int
    address: int

    def unplug(self) -> None:
        emulated_bus().remove(self.address)

    def usb_device(self, wait_s: float = 5.0) -> usb.core.Device:
        """The pyusb device for this printer; libusb learns of it from a (mocked) uevent, so wait."""
        deadline = time.monotonic() + wait_s
        while True:
            device = usb.core.find(bus=self.bus, address=self.address, backend=libusb.backend())
            if device is not None:
                return device
            if time.monotonic() > deadline:
                raise DeviceUnavailable(
                    f"the emulated printer on bus {self.bus} address {self.address} did not appear to libusb"
                )
            time.sleep(0.01)


def publish(model: PrinterModel) -> EmulatedPrinter:
    """Expose `model` on the emulated USB bus; libusb enumerates it from then on."""
    options = usb_emulation(model)
    device = EmulatedPrinterDevice(model, emulated_identity(model, options), options)
    return EmulatedPrinter(device, 1, emulated_bus().add(device))


__all__ = ["EmulatedPrinter", "UsbEmulation", "emulated_bus", "publish", "usb_emulation"]
