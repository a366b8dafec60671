"""`--trace`: every entry-point call and host call as JSON Lines, bytes summarised.

`event` is `call`, `return`, `host`, `host-action`, or `console` (a line the script logged with
`--console`; the engine reports those as calls on the pseudo-object "console").
"""

from __future__ import annotations

import json
import threading
from typing import IO, Any

from usbmon_js.clock import Clock
from usbmon_js.com.members import HostError

_HEAD = 16
CONSOLE = "console"


def summarise(value: Any) -> Any:
    """Byte payloads become their length and first bytes, so a trace of a 1 GiB job stays small."""
    if isinstance(value, bytes | bytearray):
        return {"bytes": len(value), "head": bytes(value[:_HEAD]).hex(" ")}
    if isinstance(value, HostError):
        return {"error": str(value), "js_type": value.js_type}
    if isinstance(value, list):
        return [summarise(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return getattr(value, "com_interface", type(value).__name__)


class TraceWriter:
    def __init__(self, out: IO[str], clock: Clock) -> None:
        self.out = out
        self.clock = clock
        self.origin = clock.now()
        self._lock = threading.Lock()
        self._local = threading.local()  # the status poller calls from its own thread

    @property
    def entry(self) -> str:
        return getattr(self._local, "entry", "")

    @entry.setter
    def entry(self, value: str) -> None:
        self._local.entry = value

    def _emit(self, record: dict[str, Any]) -> None:
        record = {"t": round(self.clock.now() - self.origin, 6), "entry": self.entry, **record}
        line = json.dumps(record, separators=(",", ":"), default=str) + "\n"
        with self._lock:
            self.out.write(line)

    def call_started(self, entry: str, args: list[Any]) -> None:
        self.entry = entry
        self._emit({"event": "call", "args": summarise(args)})

    def call_ended(self, entry: str, return_code: int | None, failure: str | None) -> None:
        self.entry = entry
        self._emit({"event": "return", "result": return_code, "failure": failure})

    def host_call(self, interface: str, member: str, args: Any, result: Any) -> None:
        if interface == CONSOLE:
            self._emit({"event": "console", "level": member, "text": args[0] if args else ""})
            return
        self._emit(
            {
                "event": "host",
                "object": interface,
                "member": member,
                "args": summarise(args),
                "result": summarise(result),
            }
        )

    def note(self, message: str, **fields: Any) -> None:
        self._emit({"event": "host-action", "message": message, **fields})
