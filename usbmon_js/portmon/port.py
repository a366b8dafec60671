"""PortMonitor: one USB printer port, as USBMon runs it.

It owns the port's script engine and device channel and runs jobs one at a time on its own
worker thread (jsbox engines are thread-affine), so `submit_job` returns at once with a
`JobHandle` the caller can wait on, watch or cancel.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO, TextIO

from usbmon_js.clock import Clock, RealClock
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.devices.model import DeviceInfo, PrinterModel
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData, JobHandle
from usbmon_js.portmon.pipeline import JobPipeline
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings
from usbmon_js.portmon.trace import TraceWriter


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
                self.engine, self.channel, self.device, self.settings, self.clock, handle, self.trace
            )
            handle.finish(pipeline.run())
        except BaseException as exc:  # surfaced to the waiter, never lost in the worker
            handle.finish(None, exc)

    def close(self) -> None:
        """Stop the worker; the engine is dropped on the thread that made it, as jsbox requires."""
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
