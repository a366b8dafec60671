"""Publishing emulated printers through umockdev, so libusb finds them as real USB devices.

umockdev's preload library (loaded by `umockdev-wrapper`) redirects /sys and /dev lookups and
ioctls into a testbed; an in-process `UMockdev.IoctlBase` then answers the usbdevfs ioctls of
each device from its `EmulatedPrinterDevice`. The preload must be in place before libusb
starts, hence `ensure_mock_environment()` re-executing the process under the wrapper.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from usbmon_js.devices.emu.descriptors import (
    EmulatedIdentity,
    configuration_descriptor,
    device_descriptor,
)
from usbmon_js.devices.emu.device import EmulatedPrinterDevice
from usbmon_js.errors import BadInput

WRAPPER = "umockdev-wrapper"
REEXEC_MARK = "USBMON_JS_UNDER_UMOCKDEV"
INSTALL_HINT = (
    "the emu: transport needs umockdev and its GObject bindings: run `make setup`, or install the "
    "Debian packages umockdev, libumockdev0 and gir1.2-umockdev-1.0 and `pip install 'usbmon-js[emu]'`"
)


def _umockdev() -> Any:
    try:
        import gi

        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev
    except (ImportError, ValueError) as exc:
        raise BadInput(f"{INSTALL_HINT} ({exc})") from None
    return UMockdev


def in_mock_environment() -> bool:
    return "libumockdev-preload" in os.environ.get("LD_PRELOAD", "")


def ensure_mock_environment(argv: list[str]) -> None:
    """Re-execute this process under umockdev-wrapper unless it already runs there.

    Returns only when the preload is active; otherwise replaces the process (exec), or raises
    BadInput when umockdev is missing or a re-exec already happened without effect.
    """
    if in_mock_environment():
        return
    if os.environ.get(REEXEC_MARK):
        raise BadInput(f"{WRAPPER} did not load the umockdev preload library; {INSTALL_HINT}")
    wrapper = shutil.which(WRAPPER)
    if wrapper is None:
        raise BadInput(f"{WRAPPER} not found; {INSTALL_HINT}")
    _umockdev()  # fail here, with the hint, rather than after the exec
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ, **{REEXEC_MARK: "1"})
    os.execve(wrapper, [wrapper, sys.executable, *argv], env)


class EmulatedUsbBus:
    """A umockdev testbed holding emulated printers on bus 1; keep it alive while they are used."""

    def __init__(self) -> None:
        if not in_mock_environment():
            raise BadInput(
                f"emulated USB devices need the umockdev preload; run under {WRAPPER} ({INSTALL_HINT})"
            )
        self._umockdev = _umockdev()
        self._testbed = self._umockdev.Testbed.new()
        self._published: dict[int, tuple[EmulatedPrinterDevice, Any, str]] = {}
        self._next_address = 2  # address 1 is the root hub on a real bus

    def add(self, device: EmulatedPrinterDevice) -> int:
        """Publish `device`; returns its address on bus 1 (node /dev/bus/usb/001/NNN)."""
        address = self._next_address
        self._next_address += 1
        node = f"/dev/bus/usb/001/{address:03d}"
        handler = self._umockdev.IoctlBase()
        handler.connect("handle-ioctl", device.handle_ioctl)
        self._testbed.attach_ioctl(node, handler)
        self._testbed.add_from_string(_sysfs_record(device.identity, address, node))
        self._published[address] = (device, handler, node)
        return address

    def remove(self, address: int) -> None:
        """Unplug the device at `address` (a remove uevent, as when a cable is pulled)."""
        published = self._published.pop(address, None)
        if published is None:
            return
        _, _, node = published
        syspath = "/sys" + _device_path(address)
        self._testbed.uevent(syspath, "remove")  # remove_device() alone sends no uevent to libusb
        self._testbed.remove_device(syspath)
        self._testbed.detach_ioctl(node)


def _device_path(address: int) -> str:
    return f"/devices/pci0000:00/0000:00:14.0/usb1/1-{address - 1}"


def _sysfs_record(identity: EmulatedIdentity, number: int, node: str) -> str:
    descriptors = (device_descriptor(identity) + configuration_descriptor(identity)).hex()
    attributes = {
        "busnum": "1",
        "devnum": str(number),
        "speed": "480",
        "bConfigurationValue": "1",
        "idVendor": f"{identity.vendor_id:04x}",
        "idProduct": f"{identity.product_id:04x}",
        "manufacturer": identity.manufacturer,
        "product": identity.product,
    }
    if identity.serial:
        attributes["serial"] = identity.serial
    lines = [
        f"P: {_device_path(number)}",
        f"N: {node.removeprefix('/dev/')}",
        "E: SUBSYSTEM=usb",
        "E: DEVTYPE=usb_device",
        "E: DRIVER=usb",
        "E: BUSNUM=001",
        f"E: DEVNUM={number:03d}",
        f"E: DEVNAME={node}",
    ]
    lines += [f"A: {key}={value}\\n" for key, value in attributes.items()]
    lines.append(f"H: descriptors={descriptors}")
    return "\n".join(lines) + "\n"
