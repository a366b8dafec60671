"""Calling one entry point the way USBMon does, and keeping the record of it.

Jobs, Bidi requests and the status poller all call scripts the same way: a fresh responses
object per call, the call counted with its return code, a script failure kept as an error with
its JS location, the responses collected, every per-call host object released afterwards and
the call traced. `EntryCaller` is that one way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from usbmon_js.clock import Clock
from usbmon_js.com.bidi import BidiResponse, BidiSchemaResponses
from usbmon_js.com.members import HostObject
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.portmon.report import CallTally, ErrorKind, JobError
from usbmon_js.portmon.trace import TraceWriter

_Stamped = TypeVar("_Stamped", BidiResponse, JobError)

# Every entry point but setSchema gets a fresh IPrinterBidiSchemaResponses as its last argument.
TAKES_RESPONSES = frozenset(
    {"getSchemas", "getStatus", "requestStatus", "startPrintJob", "writePrintData", "endPrintJob"}
)


class CallObserver(Protocol):
    """Told when entry-point calls start and end (a worker process's watchdog feed)."""

    def started(self, entry: str) -> None: ...

    def ended(self) -> None: ...


_observer: CallObserver | None = None


def observe_calls(observer: CallObserver | None) -> None:
    """Install the process's call observer (one port per worker process, so one observer)."""
    global _observer
    _observer = observer


@dataclass
class CallLog:
    """Counts, return codes, errors and responses of a run of calls (a job, a Bidi request).

    Every time in it counts from `origin`, the run's start on its clock, as its report shows
    them: a report takes the lists as they are, and the Bidi cache adds `origin` back.
    """

    origin: float = 0.0
    tally: CallTally = field(default_factory=CallTally)
    errors: list[JobError] = field(default_factory=list)
    responses: list[BidiResponse] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def since(self, now: float) -> float:
        """A clock time as this log counts it, to the microsecond.

        round(x * 1e6) / 1e6 rather than round(x, 6), which costs twice as much, several times
        per Bidi Get (performance.md §2.10). The two differ only for a time that sits on a half
        microsecond (about one in a million), by that microsecond.
        """
        return round((now - self.origin) * 1e6) / 1e6

    def error(self, entry: str, kind: ErrorKind, message: str, now: float, **extra: Any) -> None:
        self.errors.append(JobError(entry=entry, kind=kind, message=message, t=self.since(now), **extra))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def merge(self, other: CallLog) -> None:
        """Fold in another log (the status poller's into its job's), keeping time order."""
        self.tally.merge(other.tally)
        self.errors = sorted([*self.errors, *self._recounted(other.errors, other)], key=lambda e: e.t)
        self.responses = sorted(
            [*self.responses, *self._recounted(other.responses, other)], key=lambda r: r.t
        )
        for message in other.warnings:
            self.warn(message)

    def _recounted(self, items: list[_Stamped], other: CallLog) -> list[_Stamped]:
        shift = other.origin - self.origin
        if not shift:
            return items
        return [item.model_copy(update={"t": self.since(other.origin + item.t)}) for item in items]


class EntryCaller:
    """Calls entry points on one engine and records each call in a `CallLog`."""

    def __init__(
        self,
        engine: ScriptEngine,
        clock: Clock,
        log: CallLog,
        trace: TraceWriter | None = None,
        *,
        fresh_engine: bool = False,
    ) -> None:
        self.engine = engine
        self.fresh_engine = fresh_engine
        self.clock = clock
        self.log = log
        self.trace = trace
        self.current_entry = ""

    def call(
        self,
        entry: str,
        args: Sequence[Any],
        *,
        extra: Sequence[HostObject] = (),
        interrupt: threading.Event | None = None,
    ) -> tuple[CallResult, BidiSchemaResponses | None]:
        responses = (
            BidiSchemaResponses(entry, self.log.since(self.clock.now())) if entry in TAKES_RESPONSES else None
        )
        full_args = [*args, responses] if responses is not None else list(args)
        self.current_entry = entry
        if self.trace:
            self.trace.call_started(entry, full_args)
        if self.fresh_engine and self.engine.has(entry):
            self.engine.reset()
        observer = _observer
        if observer is not None:
            observer.started(entry)
        try:
            result = self.engine.call(entry, full_args, interrupt=interrupt)
        finally:
            if observer is not None:
                observer.ended()
        self.engine.release([*([responses] if responses is not None else []), *extra])
        if not result.skipped:
            self.log.tally.record(entry, result.return_code)
        failure = result.failure
        if failure is not None and failure.kind != "cancelled":
            self.log.error(
                entry,
                failure.kind,
                failure.message,
                self.clock.now(),
                location=failure.location,
                stack=failure.stack,
            )
        if responses is not None:
            self.log.responses.extend(responses.responses)
        if self.trace:
            self.trace.call_ended(entry, result.return_code, failure.message if failure else None)
        return result, responses
