"""The few libusb calls pyusb does not expose faithfully.

pyusb drops the transferred count when a bulk transfer fails with anything but a timeout, yet
after a stall or an unplug the host must still know exactly how many bytes reached the
device. `bulk_transfer` calls libusb_bulk_transfer itself and always returns that count.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any

import usb.backend.libusb1 as libusb1
import usb.core

from usbmon_js.errors import BadInput

SUCCESS = 0
ERROR_IO = -1
ERROR_ACCESS = -3
ERROR_NO_DEVICE = -4
ERROR_BUSY = -6
ERROR_TIMEOUT = -7
ERROR_OVERFLOW = -8
ERROR_PIPE = -9

_NAMES = {
    ERROR_IO: "I/O error",
    -2: "invalid parameter",
    ERROR_ACCESS: "access denied",
    ERROR_NO_DEVICE: "no such device (disconnected)",
    -5: "entity not found",
    ERROR_BUSY: "resource busy",
    ERROR_TIMEOUT: "timed out",
    ERROR_OVERFLOW: "overflow (the device sent more than asked)",
    ERROR_PIPE: "pipe error (endpoint stalled)",
}


def error_name(code: int) -> str:
    return _NAMES.get(code, f"libusb error {code}")


def backend() -> Any:
    from usbmon_js.devices.emu.testbed import in_mock_environment

    if in_mock_environment():
        # Under umockdev, libusb only ever sees the testbed that exists when it starts.
        from usbmon_js.devices.emu import emulated_bus

        emulated_bus()
    found = libusb1.get_backend()
    if found is None:
        raise BadInput(
            "libusb-1.0 was not found: install it (Debian: apt-get install libusb-1.0-0) to use USB printers"
        )
    return found


@dataclass(frozen=True)
class TransferResult:
    transferred: int
    code: int

    @property
    def ok(self) -> bool:
        return self.code == SUCCESS


def bulk_transfer(device: usb.core.Device, endpoint: int, buffer: Any, timeout_ms: int) -> TransferResult:
    """One libusb_bulk_transfer on `buffer` (a ctypes byte array), keeping the count on every error."""
    handle = device._ctx.managed_open()  # pyusb's handle (opened once, closed by dispose_resources)
    transferred = ctypes.c_int(0)
    code = device._ctx.backend.lib.libusb_bulk_transfer(
        handle.handle,
        endpoint,
        ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ubyte)),
        len(buffer),
        ctypes.byref(transferred),
        timeout_ms,
    )
    return TransferResult(transferred.value, code)
