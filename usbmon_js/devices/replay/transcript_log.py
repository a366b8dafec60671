"""TranscriptLog: transfers appended as they happen, each with its interface's OUT offset.

Both the recorder and the `.ioctl` importer build transcripts through it, so the offsets a
replay keys on are counted in one place.
"""

from __future__ import annotations

import threading
from typing import Any

from usbmon_js.clock import Clock, VirtualClock
from usbmon_js.devices.model import DeviceGone
from usbmon_js.devices.replay.transcript import PRINT_INTERFACE, STATUS_INTERFACE, Op, Transfer


class TranscriptLog:
    """The transfers of both interfaces in the order they happened; thread-safe.

    Without a clock every transfer is at t=0 (for recordings that carry no timing).
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.started = self.clock.now()
        self.transfers: list[Transfer] = []
        self.sent = {PRINT_INTERFACE: 0, STATUS_INTERFACE: 0}
        self._lock = threading.Lock()

    def add(self, interface: int, op: Op, **fields: Any) -> None:
        with self._lock:
            out_offset = self.sent[interface]
            if op == "write":
                self.sent[interface] += len(fields.get("data", b""))
            t = round(max(self.clock.now() - self.started, 0.0), 6)
            self.transfers.append(Transfer(t=t, interface=interface, op=op, out_offset=out_offset, **fields))

    def failed(self, interface: int, op: Op, exc: Exception, **fields: Any) -> None:
        """A call the device answered with an exception: DeviceGone is `gone`, anything else `error`."""
        status = "gone" if isinstance(exc, DeviceGone) else "error"
        self.add(interface, op, status=status, message=str(exc) or repr(exc), **fields)

    def snapshot(self) -> list[Transfer]:
        with self._lock:
            return list(self.transfers)
