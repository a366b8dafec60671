"""The one clock every host wait goes through.

Back-offs, Retry delays, device write/read timeouts and host-side deadlines all ask a `Clock`,
so a simulated printer can run in virtual time (a 15 s busy period costs no real time) and a
cancel can interrupt any wait at once.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic scale."""

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        """Wait `seconds`; return True early as soon as `wake` is set."""


class RealClock:
    """Wall-clock time; waits wake immediately when their event is set."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        if wake is None:
            time.sleep(max(seconds, 0.0))
            return False
        return wake.wait(max(seconds, 0.0))


class VirtualClock:
    """Time that only moves when someone waits: tests and simulations run instantly.

    `call_at` schedules an action (e.g. a spooler-side cancel) at a virtual instant; a wait that
    spans that instant runs the action there and, if the action sets the wait's event, returns
    at that very instant.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self._pending: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, action: Callable[[], None]) -> None:
        with self._lock:
            heapq.heappush(self._pending, (when, next(self._order), action))

    def advance(self, seconds: float) -> None:
        self.sleep(seconds)

    def sleep(self, seconds: float, wake: threading.Event | None = None) -> bool:
        target = self._now + max(seconds, 0.0)
        while True:
            if wake is not None and wake.is_set():
                return True
            with self._lock:
                due = self._pending and self._pending[0][0] <= target
                when, _, action = heapq.heappop(self._pending) if due else (target, 0, None)
            self._now = max(self._now, when)
            if action is None:
                return wake is not None and wake.is_set()
            action()
