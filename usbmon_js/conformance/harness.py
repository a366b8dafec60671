"""Running a driver script the way the checks need: observed, in virtual time, optionally reloaded.

Three things the normal `PortMonitor` API does not hand out are observed here without touching
the port monitor:

- the exact bytes a printer accepted, and when: `RecordingModel` wraps the device model;
- TemporaryStreams left over and every PrintedPageCount the script set: `_JobWatch` listens on
  the engine's public host-call hook (`HostBridge.on_host_call`), next to the trace writer;
- a spooler that reloads the script between calls: `FreshEngine` stands in for the engine and
  loads the script into a new realm before every call, and the job pipeline and Bidi service
  are driven with it directly.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from usbmon_js.clock import Clock, VirtualClock
from usbmon_js.com.coerce import to_uint32
from usbmon_js.com.contexts import ScriptContext
from usbmon_js.com.members import HostError, HostObject
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.com.streams import TemporaryStream
from usbmon_js.conformance.facts import CancelInfo, JobRun
from usbmon_js.conformance.scenarios import Expectation
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.devices.model import DeviceInfo, PrinterModel, model_device_id
from usbmon_js.devices.sim.fixture import DeviceFixture, FixturePrinter
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import BidiSchema
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.portmon.bidi.events import EventEvaluator
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.bidi.service import BidiService
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.job import JobData, JobHandle
from usbmon_js.portmon.pipeline import JobPipeline
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

CANCEL_GRACE_S = 10.0  # real seconds a watchdog-cancelled job gets to wind down


@dataclass(frozen=True)
class DriverSetup:
    """Everything about the driver that stays the same from one run to the next."""

    script: DriverScript
    settings: PipelineSettings
    bidi: BidiSchema | None = None
    events: DriverEvents | None = None
    status_interface: bool = False
    driver_props: dict[str, Property] = field(default_factory=dict)
    queue_props: dict[str, Property] = field(default_factory=dict)

    def bags(self) -> tuple[PropertyBag, PropertyBag]:
        """Fresh property bags: a script writing QueueProperties must not leak into the next run."""
        return (
            PropertyBag("DriverProperties", self.driver_props, writable=False),
            PropertyBag("QueueProperties", self.queue_props, writable=True),
        )

    def with_settings(self, **changes: Any) -> DriverSetup:
        return DriverSetup(
            self.script,
            self.settings.model_copy(update=changes),
            self.bidi,
            self.events,
            self.status_interface,
            self.driver_props,
            self.queue_props,
        )

    @property
    def watchdog_s(self) -> float:
        """Real time a job may take before it counts as hung: generous, jobs end in ms in virtual time.

        A job can legitimately spend a few call deadlines in real time (a script spinning in
        JavaScript is bounded by the wall-clock deadline, not the virtual clock).
        """
        return 60.0 + 8 * self.settings.limits.call_timeout_s


@dataclass(frozen=True)
class DeviceSource:
    """A printer that can be made anew (fresh state) for every run, on that run's clock."""

    spec: str
    make: Callable[[Clock], PrinterModel]

    @classmethod
    def from_fixture(cls, label: str, fixture: DeviceFixture) -> DeviceSource:
        return cls(label, lambda clock: FixturePrinter(fixture, clock))

    @classmethod
    def from_spec(cls, spec: str) -> DeviceSource:
        return cls(spec, lambda clock: open_device(spec, clock).model)


class RecordingModel:
    """A device model wrapper keeping every byte the printer accepted, with the clock time."""

    def __init__(self, model: PrinterModel, clock: Clock) -> None:
        self.model = model
        self.clock = clock
        self.received = bytearray()
        self.writes: list[tuple[float, int]] = []

    def write(self, data: bytes) -> int:
        accepted = self.model.write(data)
        if isinstance(accepted, int) and not isinstance(accepted, bool) and 0 < accepted <= len(data):
            self.received += data[:accepted]
            self.writes.append((self.clock.now(), accepted))
        return accepted

    def read(self, size: int) -> bytes:
        return self.model.read(size)

    def __getattr__(self, name: str) -> Any:
        # device_id, port_status, soft_reset, status_interface: whatever the model has (or not).
        return getattr(self.model, name)


class _JobWatch:
    """Listens to host calls: which TemporaryStreams the job used, and PrintedPageCount as set."""

    def __init__(self) -> None:
        self.streams: list[TemporaryStream] = []
        self.pages: list[int] = []

    def __call__(self, interface: str, member: str, args: Any, result: Any) -> None:
        name = member.lower()
        if name == "temporarystreams" and isinstance(result, list) and not self.streams:
            self.streams = [s for s in result if isinstance(s, TemporaryStream)]
        elif name == "printedpagecount" and interface == "IPrinterScriptUsbJobContext" and args:
            with contextlib.suppress(HostError):  # the assignment threw in the script: nothing was set
                self.pages.append(to_uint32("PrintedPageCount", args[0]))

    def take(self) -> tuple[list[int], list[int]]:
        """(bytes left in each TemporaryStream, pages as set) for the job just ended; then reset.

        A stream's positions outlive its storage, so what is pending can be read after the job.
        """
        pending = [stream.pending for stream in self.streams] or [0, 0]
        pages = self.pages
        self.streams, self.pages = [], []
        return pending, pages


def _chain(first: Callable[..., None], second: Callable[..., None] | None) -> Callable[..., None]:
    if second is None:
        return first

    def both(*args: Any) -> None:
        first(*args)
        second(*args)

    return both


@dataclass(frozen=True)
class JobSpec:
    """One job of a run: its bytes and what to call the run."""

    label: str
    title: str
    data: bytes
    expect: Expectation = "completed"
    cancel_after_s: float | None = None


def run_jobs(driver: DriverSetup, device: DeviceSource, jobs: Sequence[JobSpec]) -> list[JobRun]:
    """Print `jobs` one after the other on one port (one engine, one printer), in virtual time."""
    clock = VirtualClock()
    printer = RecordingModel(device.make(clock), clock)
    info = DeviceInfo(spec=device.spec, transport="sim", device_id=model_device_id(printer))
    trace_out = io.StringIO()
    driver_bag, queue_bag = driver.bags()
    runs: list[JobRun] = []
    try:
        port = PortMonitor(
            driver.script,
            printer,
            info,
            settings=driver.settings,
            clock=clock,
            driver_properties=driver_bag,
            queue_properties=queue_bag,
            trace_out=trace_out,
            bidi_schema=driver.bidi,
            driver_events=driver.events,
            status_interface=driver.status_interface,
        )
    except BadInput as exc:  # it loaded before: a top level that fails only sometimes
        return [
            JobRun(spec.label, spec.title, spec.expect, len(spec.data), crash=f"the port did not open: {exc}")
            for spec in jobs
        ]
    watch = _JobWatch()
    bridge = port.engine.bridge  # no call runs yet: safe to hook from this thread
    bridge.on_host_call = _chain(watch, bridge.on_host_call)
    hung = False
    try:
        for spec in jobs:
            run = _run_one(port, clock, printer, trace_out, watch, spec, driver.watchdog_s)
            runs.append(run)
            if run.hung:
                hung = True
                break
    finally:
        if not hung:  # a hung worker cannot be joined; leave it rather than hang the runner
            port.close()
    return runs


def _run_one(
    port: PortMonitor,
    clock: VirtualClock,
    printer: RecordingModel,
    trace_out: io.StringIO,
    watch: _JobWatch,
    spec: JobSpec,
    watchdog_s: float,
) -> JobRun:
    start, byte_mark, write_mark, trace_mark = (
        clock.now(),
        len(printer.received),
        len(printer.writes),
        trace_out.tell(),
    )
    run = JobRun(spec.label, spec.title, spec.expect, len(spec.data))
    handle = port.submit_job(JobData.from_bytes(spec.data, f"<conformance job: {spec.label}>"))
    if spec.cancel_after_s is not None:
        cancel = run.cancel = CancelInfo(spec.cancel_after_s)

        def fire() -> None:  # runs on the job's thread, inside the wait that spans the instant
            if handle.done:
                return
            cancel.fired, cancel.t = True, round(clock.now() - start, 6)
            cancel.device_bytes = len(printer.received) - byte_mark
            handle.cancel()

        clock.call_at(start + spec.cancel_after_s, fire)
    try:
        run.report = handle.wait(timeout=watchdog_s)
    except TimeoutError:
        handle.cancel()
        run.hung = not handle.wait_done(CANCEL_GRACE_S)
        if not run.hung:
            run.report = handle.wait()
    except Exception as exc:  # the host failed: an internal error, kept as evidence rather than lost
        run.crash = f"{type(exc).__name__}: {exc}"
    run.device_bytes = bytes(printer.received[byte_mark:])
    run.device_writes = [(round(t - start, 6), n) for t, n in printer.writes[write_mark:]]
    run.temp_pending, run.page_history = watch.take()
    run.trace = _trace_records(trace_out.getvalue()[trace_mark:], start)
    return run


def _trace_records(text: str, start: float) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        record["t"] = round(float(record.get("t", 0.0)) - start, 6)
        records.append(record)
    return records


# -- a fresh engine for every call ------------------------------------------------------------


class _CurrentBridge:
    """The host bridge of whichever engine is current (the pipeline asks it for wait budgets)."""

    def __init__(self, owner: FreshEngine) -> None:
        self._owner = owner

    def device_wait_budget(self) -> float | None:
        return self._owner.current.bridge.device_wait_budget()


class FreshEngine:
    """Stands in for a ScriptEngine, but loads the script into a new realm before every call.

    Windows promises nothing about script globals surviving between calls (the spooler may
    reload the script), so a driver must keep its state in the JobPropertyBag. Running it this
    way shows whether it does (decisions.md, "Engine instances and lifetime").
    """

    def __init__(self, script: DriverScript, limits: SandboxLimits, clock: Clock) -> None:
        self.script = script
        self.limits = limits
        self.clock = clock
        self.current = ScriptEngine(script, limits, clock)
        self.entry_points = self.current.entry_points
        self.bridge = _CurrentBridge(self)
        self.loads = 1

    def has(self, entry: str) -> bool:
        return entry in self.entry_points

    def call(
        self,
        entry: str,
        args: Sequence[Any],
        *,
        interrupt: threading.Event | None = None,
        timeout: float | None = None,
    ) -> CallResult:
        if entry not in self.entry_points:
            return CallResult(entry, skipped=True)
        self.current.close()
        self.current = ScriptEngine(self.script, self.limits, self.clock)
        self.loads += 1
        return self.current.call(entry, args, interrupt=interrupt, timeout=timeout)

    def release(self, objects: Sequence[HostObject]) -> None:
        self.current.release(objects)

    def close(self) -> None:
        self.current.close()


def _fresh_channel(
    device: DeviceSource, settings: PipelineSettings
) -> tuple[VirtualClock, RecordingModel, DeviceChannel]:
    clock = VirtualClock()
    printer = RecordingModel(device.make(clock), clock)
    channel = DeviceChannel(
        printer, clock, ChannelTimeouts(write=settings.write_timeout_s, read=settings.read_timeout_s)
    )
    return clock, printer, channel


def run_job_fresh_engines(driver: DriverSetup, device: DeviceSource, spec: JobSpec) -> JobRun:
    """One job with the script reloaded before every call (no status polling: job calls only)."""
    clock, printer, channel = _fresh_channel(device, driver.settings)
    info = DeviceInfo(spec=device.spec, transport="sim", device_id=model_device_id(printer))
    engine = FreshEngine(driver.script, driver.settings.limits, clock)
    run = JobRun(spec.label, spec.title, spec.expect, len(spec.data), fresh_engines=True)
    try:
        handle = JobHandle(JobData.from_bytes(spec.data, f"<conformance job: {spec.label}>"))
        pipeline = JobPipeline(engine, channel, info, driver.settings, clock, handle)  # type: ignore[arg-type]
        run.report = pipeline.run()
    finally:
        engine.close()
    run.device_bytes = bytes(printer.received)
    run.device_writes = [(round(t, 6), n) for t, n in printer.writes]
    return run


def bidi_get_fresh_engines(driver: DriverSetup, device: DeviceSource, paths: Sequence[str]) -> BidiReport:
    """A Bidi Get with the script reloaded before every getSchemas call (requery rounds included)."""
    clock, printer, channel = _fresh_channel(device, driver.settings)
    schema = SupportedSchema(driver.bidi, model_device_id(printer))
    driver_bag, queue_bag = driver.bags()
    engine = FreshEngine(driver.script, driver.settings.limits, clock)
    try:
        service = BidiService(
            engine,  # type: ignore[arg-type]
            channel,
            clock,
            schema,
            EventEvaluator(schema, driver.events),
            ScriptContext(driver_bag, queue_bag),
            driver.settings,
        )
        return service.get(paths)
    finally:
        engine.close()


# -- Bidi on a normal port ----------------------------------------------------------------------


class BidiPort:
    """A port on a fresh printer for Bidi requests (virtual time), closed on exit."""

    def __init__(self, driver: DriverSetup, device: DeviceSource) -> None:
        self.clock = VirtualClock()
        model = device.make(self.clock)
        driver_bag, queue_bag = driver.bags()
        self.port = PortMonitor(
            driver.script,
            model,
            DeviceInfo(spec=device.spec, transport="sim", device_id=model_device_id(model)),
            settings=driver.settings,
            clock=self.clock,
            driver_properties=driver_bag,
            queue_properties=queue_bag,
            bidi_schema=driver.bidi,
            driver_events=driver.events,
            status_interface=driver.status_interface,
        )

    def __enter__(self) -> PortMonitor:
        return self.port

    def __exit__(self, *exc: object) -> None:
        self.port.close()
