"""Figures the worker keeps in shared memory so the parent still has them after the worker dies.

`bytes_to_device` and `bytes_consumed` are updated as they change; `call_started` is the
CLOCK_MONOTONIC instant the oldest running entry-point call began (0 when none runs), which
the parent's watchdog compares with the call deadline.
"""

from __future__ import annotations

import ctypes
import threading
import time
from multiprocessing.context import SpawnContext
from typing import Any


class SharedFigures:
    def __init__(self, context: SpawnContext) -> None:
        self.bytes_to_device: Any = context.Value(ctypes.c_ulonglong, 0, lock=False)
        self.bytes_consumed: Any = context.Value(ctypes.c_ulonglong, 0, lock=False)
        self.call_started: Any = context.Value(ctypes.c_double, 0.0, lock=False)
        self.entry: Any = context.Array(ctypes.c_char, 32, lock=False)

    def reset(self) -> None:
        self.bytes_to_device.value = 0
        self.bytes_consumed.value = 0
        self.call_started.value = 0.0
        self.entry.value = b""


class CallWatch:
    """Worker side: publishes when the oldest running call (job thread or status poller) began."""

    def __init__(self, figures: SharedFigures) -> None:
        self.figures = figures
        self._running: dict[int, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def started(self, entry: str) -> None:
        with self._lock:
            self._running[threading.get_ident()] = (time.monotonic(), entry)
            self._publish()

    def ended(self) -> None:
        with self._lock:
            self._running.pop(threading.get_ident(), None)
            self._publish()

    def _publish(self) -> None:
        if not self._running:
            self.figures.call_started.value = 0.0
            return
        started, entry = min(self._running.values())
        self.figures.entry.value = entry.encode()[:31]
        self.figures.call_started.value = started
