"""Running a driver script the way the checks need: observed, in virtual time, optionally reloaded.

What the normal `PortMonitor` API does not hand out is observed here without touching the port
monitor:

- the exact bytes a printer accepted, and when: `RecordingModel` wraps the device model;
- TemporaryStreams left over and every PrintedPageCount come from the job report itself, and a
  spooler that reloads the script between calls is `PipelineSettings.fresh_engine_per_call`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from usbmon_js.clock import Clock, VirtualClock
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.conformance.facts import CancelInfo, JobRun
from usbmon_js.conformance.scenarios import Expectation
from usbmon_js.devices.model import DeviceInfo, PrinterModel, model_device_id
from usbmon_js.devices.sim.fixture import DeviceFixture, FixturePrinter
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import BidiSchema
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.portmon.job import JobData
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

    def open_port(
        self, model: PrinterModel, spec: str, clock: Clock, trace_out: io.StringIO | None = None
    ) -> PortMonitor:
        """A port on `model` with fresh property bags."""
        driver_bag, queue_bag = self.bags()
        return PortMonitor(
            self.script,
            model,
            DeviceInfo(spec=spec, transport="sim", device_id=model_device_id(model)),
            settings=self.settings,
            clock=clock,
            driver_properties=driver_bag,
            queue_properties=queue_bag,
            trace_out=trace_out,
            bidi_schema=self.bidi,
            driver_events=self.events,
            status_interface=self.status_interface,
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
    trace_out = io.StringIO()
    runs: list[JobRun] = []
    try:
        port = driver.open_port(printer, device.spec, clock, trace_out)
    except BadInput as exc:  # it loaded before: a top level that fails only sometimes
        return [
            JobRun(spec.label, spec.title, spec.expect, len(spec.data), crash=f"the port did not open: {exc}")
            for spec in jobs
        ]
    hung = False
    try:
        for spec in jobs:
            run = _run_one(port, clock, printer, trace_out, spec, driver.watchdog_s)
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
    if run.report is not None:
        run.temp_pending, run.page_history = run.report.temporary_bytes_left, run.report.page_counts
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


# -- Bidi on a normal port ----------------------------------------------------------------------


class BidiPort:
    """A port on a fresh printer for Bidi requests (virtual time), closed on exit."""

    def __init__(self, driver: DriverSetup, device: DeviceSource) -> None:
        self.clock = VirtualClock()
        self.port = driver.open_port(device.make(self.clock), device.spec, self.clock)

    def __enter__(self) -> PortMonitor:
        return self.port

    def __exit__(self, *exc: object) -> None:
        self.port.close()
