"""PortMonitor: one USB printer port, as USBMon runs it.

It owns the port's script engine and device channel and runs jobs and Bidi requests one at a
time on its own worker thread (jsbox engines are thread-affine), so `submit_job` returns at once
with a `JobHandle` the caller can wait on, watch or cancel. The status poller has its own engine
and thread (decisions.md, "Engine instances and lifetime").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO, TextIO, TypeVar

from usbmon_js.clock import Clock, RealClock
from usbmon_js.com.contexts import ScriptContext
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.devices.model import DeviceInfo, PrinterModel, model_status_interface
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import BidiSchema
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.portmon.bidi.events import EventEvaluator
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.bidi.service import BidiService
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.job import JobData, JobHandle
from usbmon_js.portmon.pipeline import JobPipeline
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings
from usbmon_js.portmon.status import StatusPoller
from usbmon_js.portmon.trace import TraceWriter

_T = TypeVar("_T")


class PortMonitor:
    def __init__(
        self,
        script: DriverScript,
        model: PrinterModel,
        device: DeviceInfo,
        *,
        settings: PipelineSettings | None = None,
        clock: Clock | None = None,
        driver_properties: PropertyBag | None = None,
        queue_properties: PropertyBag | None = None,
        device_out: BinaryIO | None = None,
        trace_out: TextIO | None = None,
        bidi_schema: BidiSchema | None = None,
        driver_events: DriverEvents | None = None,
        status_interface: bool = False,
    ) -> None:
        self.script = script
        self.device = device
        self.settings = settings or PipelineSettings()
        self.clock = clock or RealClock()
        self.driver_properties = driver_properties or PropertyBag("DriverProperties", writable=False)
        self.queue_properties = queue_properties or PropertyBag("QueueProperties", writable=True)
        self.channel = DeviceChannel(
            model,
            self.clock,
            ChannelTimeouts(write=self.settings.write_timeout_s, read=self.settings.read_timeout_s),
            sink=device_out,
        )
        self.trace = TraceWriter(trace_out, self.clock) if trace_out is not None else None
        self.schema = SupportedSchema(bidi_schema, device.device_id)
        self.events = EventEvaluator(self.schema, driver_events)
        self.script_context = ScriptContext(self.driver_properties, self.queue_properties)
        self.warnings: list[str] = []
        self._model = model
        self._status_interface = status_interface
        self.bidi: BidiService | None = None
        self.status_poller: StatusPoller | None = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usbmon-port")
        self._engine: ScriptEngine | None = None
        self._lock = threading.Lock()
        try:
            self._worker.submit(self._load_engine).result()  # a script that cannot load fails here, up front
        except BaseException:
            self._worker.shutdown(wait=True)
            raise

    @property
    def engine(self) -> ScriptEngine:
        assert self._engine is not None
        return self._engine

    def _load_engine(self) -> None:
        self._engine = ScriptEngine(self.script, self.settings.limits, self.clock)
        if self.trace is not None:
            self._engine.bridge.on_host_call = self.trace.host_call
        self.bidi = BidiService(
            self._engine,
            self.channel,
            self.clock,
            self.schema,
            self.events,
            self.script_context,
            self.settings,
            self.trace,
        )
        self.status_poller = self._make_status_poller()

    def _make_status_poller(self) -> StatusPoller | None:
        """getStatus on the print channel, or requestStatus on the secondary status interface."""
        entry = "requestStatus" if self._status_interface else "getStatus"
        if not self.engine.has(entry):
            if self._status_interface and self.engine.has("getStatus"):
                self.warnings.append(
                    "the manifest names BidiUSBStatusInterface, so USBMon calls requestStatus, "
                    "which the script does not define; its getStatus is never called"
                )
            return None
        channel = self.channel
        if self._status_interface:
            status_model = model_status_interface(self._model)
            if status_model is None:
                self.warnings.append(
                    "the manifest names BidiUSBStatusInterface but the device has no secondary "
                    "status interface: requestStatus is not called"
                )
                return None
            channel = DeviceChannel(status_model, self.clock, self.channel.timeouts)
        return StatusPoller(
            self.script, entry, channel, self.script_context, self.settings, self.clock, self.trace
        )

    def submit_job(self, data: JobData) -> JobHandle:
        """Start a job asynchronously (StartDocPort…EndDocPort on the port's worker)."""
        handle = JobHandle(data)
        self._worker.submit(self._run_job, handle)
        return handle

    def print_job(self, data: JobData) -> JobReport:
        return self.submit_job(data).wait()

    def _run_job(self, handle: JobHandle) -> None:
        try:
            pipeline = JobPipeline(
                self.engine,
                self.channel,
                self.device,
                self.settings,
                self.clock,
                handle,
                self.trace,
                status_poller=self.status_poller,
                events=self.events,
            )
            report = pipeline.run()
            report.warnings.extend([*self.schema.check_responses(report.responses), *self.warnings])
            if self.bidi is not None:
                # Responses from any function update the cache (their times count from the job's start).
                self.bidi.cache.store(pipeline.log.responses, pipeline.log.origin)
            handle.finish(report)
        except BaseException as exc:  # surfaced to the waiter, never lost in the worker
            handle.finish(None, exc)

    # -- Bidi --------------------------------------------------------------------------------
    def bidi_get(self, paths: Sequence[str]) -> BidiReport:
        """A Bidi Get of values or whole properties, answered between jobs."""
        return self._bidi(lambda service: service.get(paths))

    def bidi_set(self, path: str, value: Any, type_name: str | None = None) -> BidiReport:
        return self._bidi(lambda service: service.set(path, value, type_name))

    def bidi_poll_due(self) -> BidiReport | None:
        """Run the refreshInterval polls due now."""
        return self._bidi(lambda service: service.poll_due())

    def bidi_next_poll_due(self) -> float | None:
        return self._bidi(lambda service: service.next_poll_due())

    def _bidi(self, action: Callable[[BidiService], _T]) -> _T:
        def run() -> _T:
            assert self.bidi is not None
            result = action(self.bidi)
            if isinstance(result, BidiReport):
                result.warnings.extend(self.warnings)
            return result

        return self._worker.submit(run).result()

    def close(self) -> None:
        """Stop the worker; the engine is dropped on the thread that made it, as jsbox requires."""
        if self.bidi is not None:
            self.bidi.cancel.set()
        if self.status_poller is not None:
            self.status_poller.close()
        self._worker.submit(self._drop_engine).result()
        self._worker.shutdown(wait=True)

    def _drop_engine(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = None

    def __enter__(self) -> PortMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
