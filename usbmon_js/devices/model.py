"""The device-model interface every printer (simulated, emulated, real) presents to the host.

It is the contract's Python device model (`sim:FILE.py:Class`): bulk OUT `write`, bulk IN
`read`, and the printer-class control requests as optional methods:

- `device_id() -> str`: the IEEE 1284 ID without its length prefix;
- `port_status() -> int`: the GET_PORT_STATUS byte (default 0x18);
- `soft_reset() -> None`: IOCTL_USBPRINT_SOFT_RESET;
- `end_job() -> None`: called once after every job, whatever its outcome (after endPrintJob):
  transports apply end-of-job quirks there, a replayed transcript checks nothing is left
  unsent. Raising DeviceError fails a job that had completed;
- `status_interface() -> model | None`: the device's secondary USB interface, the one a v4
  manifest names in `BidiUSBStatusInterface`. While a job prints, USBMon calls `requestStatus`
  with a printer stream on that interface (instead of `getStatus` on the print interface), so
  the script can write a status request and read the answer although the print pipe is busy.
  The returned object is a model of its own with `write(data) -> int` and
  `read(size) -> bytes` (bulk OUT/IN of that interface); return the same object every time if
  it keeps state, and None when the device has no such interface.

The host reads `device_id`, `port_status` and `status_interface` through the `model_*` helpers below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, cast, runtime_checkable

from usbmon_js.errors import DeviceError

DEFAULT_PORT_STATUS = 0x18  # GET_PORT_STATUS: selected, not in error, paper present

Transport = Literal["sim", "pyusb", "replay"]


@runtime_checkable
class PrinterModel(Protocol):
    def write(self, data: bytes) -> int:
        """Bytes arriving on bulk OUT; returns how many were accepted (0: not accepting now)."""

    def read(self, size: int) -> bytes:
        """Up to `size` pending bytes from bulk IN, b"" when none."""


class DeviceGone(Exception):
    """The device disappeared (unplugged, powered off): nothing more can reach it."""


@dataclass(frozen=True)
class DeviceInfo:
    """What the report says about the device a job ran against."""

    spec: str
    transport: Transport
    device_id: str


def model_device_id(model: object) -> str:
    """The IEEE 1284 ID of a model, or "" when it declares none."""
    getter = getattr(model, "device_id", None)
    return str(getter()) if callable(getter) else ""


def model_port_status(model: object) -> int:
    getter = getattr(model, "port_status", None)
    return int(getter()) & 0xFF if callable(getter) else DEFAULT_PORT_STATUS


def model_status_interface(model: object) -> PrinterModel | None:
    """The model of the device's secondary (status) USB interface, or None when it has none.

    A model that defines no `status_interface()`, or whose `status_interface()` returns None,
    has no such interface. DeviceGone passes through; any other failure of the vendor's code,
    or an object without write()/read(), is a DeviceError.
    """
    getter = getattr(model, "status_interface", None)
    if not callable(getter):
        return None
    try:
        interface = getter()
    except (DeviceGone, DeviceError):
        raise
    except Exception as exc:  # a vendor's device model is untrusted code
        raise DeviceError(f"device model failed in status_interface: {exc!r}") from exc
    if interface is None:
        return None
    missing = [name for name in ("write", "read") if not callable(getattr(interface, name, None))]
    if missing:
        raise DeviceError(
            f"device model status_interface() returned {type(interface).__name__!r}, which has no "
            f"{' or '.join(name + '()' for name in missing)}; the status interface must be a model "
            "with write(data) -> int and read(size) -> bytes"
        )
    return cast(PrinterModel, interface)
