"""The device-model interface every printer (simulated, emulated, real) presents to the host.

It is the contract's Python device model (`sim:FILE.py:Class`): bulk OUT `write`, bulk IN
`read`, and the printer-class control requests as optional methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

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
