"""The host side of one device pipe: bounded waits, exact byte accounting, and the cancel gate.

`printerStream.Write`/`Read` go through a `DeviceChannel`, never to the model directly, so every
byte that reaches the device is counted (and optionally captured for `--device-out`) in one
place, no wait outlives its timeout, and nothing is sent once a cancel is acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from usbmon_js.clock import Clock
from usbmon_js.devices.model import DeviceGone, PrinterModel, model_device_id, model_port_status
from usbmon_js.errors import DeviceError


@dataclass
class ChannelTimeouts:
    """Defaults from decisions.md: Write waits up to 10 s, Read up to 50 ms."""

    write: float = 10.0
    read: float = 0.05
    poll: float = 0.01  # how often a refusing device is asked again


def _bounded(timeout: float, budget: float | None) -> float:
    return timeout if budget is None or budget > timeout else budget


@dataclass
class DeviceChannel:
    model: PrinterModel
    clock: Clock
    timeouts: ChannelTimeouts = field(default_factory=ChannelTimeouts)
    sink: BinaryIO | None = None
    bytes_to_device: int = 0
    bytes_from_device: int = 0
    closed_gate: threading.Event = field(default_factory=threading.Event)
    on_sent: Callable[[int], None] | None = None  # told the new bytes_to_device after every accepted chunk
    _pushback: bytes = b""
    # The job and the status poller share the device: model calls and the IN pushback are serialized.
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def write(self, data: bytes, budget: float | None = None) -> int:
        """Send `data`, waiting up to the write timeout (or `budget`) for a refusing device."""
        if self.closed_gate.is_set():
            return 0
        sent = 0
        deadline = self.clock.now() + _bounded(self.timeouts.write, budget)
        view = memoryview(data)
        waited = False
        while sent < len(data):
            if sent and self.closed_gate.is_set():
                break  # cancelled mid-Write: what got through is counted, nothing more is sent
            with self._lock:
                accepted = self._guard(self.model.write, bytes(view[sent:]) if sent else data)
            if not isinstance(accepted, int) or isinstance(accepted, bool) or accepted < 0:
                raise DeviceError(f"device model write() returned {accepted!r}; it must return a count >= 0")
            if accepted > len(data) - sent:
                raise DeviceError(
                    f"device model write() claimed {accepted} bytes of {len(data) - sent} offered"
                )
            if accepted:
                self._account(view[sent : sent + accepted])
                sent += accepted
                continue
            if self.clock.now() >= deadline and waited:
                break
            # Even with no time left, a refused Write costs one poll interval, so a script that
            # spins on Write moves the clock (virtual time too) towards its call deadline.
            waited = True
            if self.clock.sleep(self.timeouts.poll, self.closed_gate):
                break
        return sent

    def read(self, size: int, budget: float | None = None) -> bytes:
        """Up to `size` bytes already sent by the device, waiting at most the read timeout (or `budget`)."""
        if size <= 0:
            return b""
        deadline = self.clock.now() + _bounded(self.timeouts.read, budget)
        while True:
            with self._lock:
                data = self._pushback or self._guard(self.model.read, size)
                self._pushback = b""
                if not isinstance(data, bytes | bytearray):
                    raise DeviceError(
                        f"device model read() returned {type(data).__name__}; it must return bytes"
                    )
                if data:
                    if len(data) > size:
                        data, self._pushback = data[:size], bytes(data[size:])
                    if type(data) is not bytes:
                        data = bytes(data)
                    self.bytes_from_device += len(data)
                    return data
            if self.clock.now() >= deadline or self.clock.sleep(self.timeouts.poll, self.closed_gate):
                return b""

    def device_id(self) -> str:
        with self._lock:
            return self._guard(model_device_id, self.model)

    def port_status(self) -> int:
        with self._lock:
            return self._guard(model_port_status, self.model)

    def soft_reset(self) -> None:
        self._optional_call("soft_reset")

    def end_job(self) -> None:
        self._optional_call("end_job")

    def _optional_call(self, name: str) -> None:
        method = getattr(self.model, name, None)
        if callable(method):
            with self._lock:
                self._guard(method)

    def _account(self, chunk: memoryview) -> None:
        self.bytes_to_device += len(chunk)
        if self.sink is not None:
            self.sink.write(chunk)
        if self.on_sent is not None:
            self.on_sent(self.bytes_to_device)

    @staticmethod
    def _guard(fn, *args):
        try:
            return fn(*args)
        except (DeviceGone, DeviceError):
            raise
        except Exception as exc:  # a vendor's device model is untrusted code too
            raise DeviceError(f"device model failed in {getattr(fn, '__name__', fn)}: {exc!r}") from exc
