"""Status while printing: `getStatus` (or `requestStatus`) polled in its own engine instance.

USBMon calls getStatus over and over on a separate thread while a job prints, with a read-only
printer stream; with `BidiUSBStatusInterface` it calls requestStatus on the secondary interface
instead. Return 2 (or a failure) stops the polling for the rest of the job (decisions.md).

With a real clock the poller runs freely on its own thread. With the virtual clock of a
simulated device it must interleave deterministically with the job, so polls happen at their due
instants, driven by the job's waits (`call_at`) and by `pump()` between the job's calls.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from usbmon_js.clock import Clock, VirtualClock
from usbmon_js.com.contexts import ScriptContext
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.portmon.calls import CallLog, EntryCaller
from usbmon_js.portmon.settings import PipelineSettings
from usbmon_js.portmon.trace import TraceWriter

STOP_POLLING = 2


class StatusPoller:
    def __init__(
        self,
        script: DriverScript,
        entry: str,
        channel: DeviceChannel,
        context: ScriptContext,
        settings: PipelineSettings,
        clock: Clock,
        trace: TraceWriter | None = None,
    ) -> None:
        self.script = script
        self.entry = entry
        self.channel = channel
        self.context = context
        self.settings = settings
        self.clock = clock
        self.trace = trace
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usbmon-status")
        self._thread_id: int | None = None
        self._engine: ScriptEngine | None = None
        self._stop = threading.Event()
        self._loop: Future[None] | None = None
        self._busy = threading.Lock()
        self._next_due = 0.0
        self.log = CallLog()
        self.active = False

    @property
    def virtual(self) -> bool:
        return isinstance(self.clock, VirtualClock)

    # -- a job's polling --------------------------------------------------------------------
    def start(self) -> None:
        """Begin polling for a new job (first poll right away)."""
        self.log = CallLog(self.clock.now())
        self._stop.clear()
        self.active = True
        self._next_due = self.clock.now()
        if self.virtual:
            self.pump()
        else:
            self._loop = self._executor.submit(self._run_freely)

    def pump(self) -> None:
        """Virtual time: run the poll that is due now, if any (real time: nothing to do)."""
        if not self.virtual or not self.active or self._stop.is_set():
            return
        if threading.get_ident() == self._thread_id or not self._busy.acquire(blocking=False):
            return  # a poll is already running (its own waits move the clock)
        try:
            if self.clock.now() < self._next_due:
                return
            self._executor.submit(self._poll_once).result()
            self._next_due = self.clock.now() + self.settings.status_interval_s
            if not self._stop.is_set():
                self.clock.call_at(self._next_due, self.pump)  # type: ignore[attr-defined]
        finally:
            self._busy.release()

    def stop(self) -> CallLog:
        """End this job's polling; returns what the polls recorded."""
        self._stop.set()
        self.active = False
        if self._loop is not None:
            self._loop.result()
            self._loop = None
        return self.log

    def close(self) -> None:
        self._stop.set()
        self._executor.submit(self._drop_engine).result()
        self._executor.shutdown(wait=True)

    # -- on the poller's thread ------------------------------------------------------------
    def _run_freely(self) -> None:
        while not self._stop.is_set():
            self._poll_once()
            if self._stop.is_set() or self.clock.sleep(self.settings.status_interval_s, self._stop):
                return

    def _poll_once(self) -> None:
        self._thread_id = threading.get_ident()
        engine = self._ensure_engine()
        if engine is None or not engine.has(self.entry):
            self._stop.set()
            return
        caller = EntryCaller(engine, self.clock, self.log, self.trace)
        stream = PrinterStream(
            self.channel,
            read_only_for=self.entry if self.entry == "getStatus" else None,
            on_device_fault=lambda reason, gone: self.log.error(
                self.entry, "device", reason, self.clock.now()
            ),
            wait_budget=engine.bridge.device_wait_budget,
        )
        result, _ = caller.call(self.entry, [self.context, stream], extra=[stream], interrupt=self._stop)
        if result.failure is not None:
            self.log.warn(f"{self.entry} failed; USBMon stops calling it for the rest of the job")
            self._stop.set()
        elif result.return_code == STOP_POLLING:
            self._stop.set()
        elif result.return_code != 0:
            self.log.error(
                self.entry,
                "invalid_return",
                f"{self.entry} returned {result.return_code}; valid codes are 0 and 2 (polling stopped)",
                self.clock.now(),
            )
            self._stop.set()

    def _ensure_engine(self) -> ScriptEngine | None:
        if self._engine is None:
            try:
                self._engine = ScriptEngine(self.script, self.settings.limits, self.clock)
            except BadInput as exc:
                self.log.error(
                    self.entry, "exception", f"the status engine could not load: {exc}", self.clock.now()
                )
                return None
            if self.trace is not None:
                self._engine.bridge.on_host_call = self.trace.host_call
        return self._engine

    def _drop_engine(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = None
