"""The port's Bidi value cache and the `refreshInterval` polling schedule.

decisions.md: a value with a `refreshInterval` r is fresh for r seconds after it was fetched;
after a client asks for it, it is polled at r·3·n seconds for n = 1, 2, … (each poll pushes the
next one further out) until a client asks again, which starts over at n = 1. Values without a
`refreshInterval` are never fresh (every client Get asks the script) and never polled.
"""

from __future__ import annotations

from dataclasses import dataclass

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.formats.bidi_xml import DeclaredValue


@dataclass
class ValueChange:
    path: str
    old: BidiResponse | None
    new: BidiResponse


@dataclass
class _Schedule:
    interval: float
    polls: int
    due: float


class BidiCache:
    def __init__(self) -> None:
        self.values: dict[str, BidiResponse] = {}
        self._fetched: dict[str, float] = {}  # clock time each value was reported at
        self._schedule: dict[str, _Schedule] = {}  # by request key

    def get(self, path: str) -> BidiResponse | None:
        return self.values.get(path)

    def fresh(self, value: DeclaredValue, now: float) -> BidiResponse | None:
        cached = self.values.get(value.path)
        if cached is None or value.refresh_interval_s is None:
            return None
        return cached if now - self._fetched[value.path] < value.refresh_interval_s else None

    def forget(self, path: str) -> None:
        """The device has a new value: the next Get asks the script again."""
        self.values.pop(path, None)
        self._fetched.pop(path, None)

    def store(self, responses: list[BidiResponse], origin: float) -> list[ValueChange]:
        """Merge responses whose times count from `origin` (their job's or request's start).

        The changes are what drvPrinterEvent notifications and `watch` report.
        """
        changes: list[ValueChange] = []
        for response in responses:
            old = self.values.get(response.path)
            self.values[response.path] = response
            self._fetched[response.path] = origin + response.t
            if old is None or (old.type, old.value) != (response.type, response.value):
                changes.append(ValueChange(response.path, old, response))
        return changes

    # -- refreshInterval polling -----------------------------------------------------------
    def client_asked(self, values: list[DeclaredValue], now: float) -> None:
        for value in values:
            if value.refresh_interval_s:
                interval = float(value.refresh_interval_s)
                entry = self._schedule.get(value.request_key)
                if entry is None:
                    self._schedule[value.request_key] = _Schedule(interval, 1, now + interval * 3)
                else:  # starts over at n = 1
                    entry.interval, entry.polls, entry.due = interval, 1, now + interval * 3

    def polled(self, keys: list[str], now: float) -> None:
        for key in keys:
            entry = self._schedule.get(key)
            if entry is not None:
                entry.polls += 1
                entry.due = now + entry.interval * 3 * entry.polls

    def due_keys(self, now: float) -> list[str]:
        return [key for key, entry in self._schedule.items() if entry.due <= now]

    def next_due(self) -> float | None:
        return min((entry.due for entry in self._schedule.values()), default=None)
