"""Byte accounting, as properties over random jobs, drivers and device faults (hypothesis).

Whatever a driver script does and however the printer misbehaves, the job report must say
exactly what happened at the device: `bytes_to_device` is the device's own count, the bytes
captured for `--device-out` are the bytes the device took, and a driver that passes the job
through in order delivers the job itself when it completes, and a prefix of it when it does not.

Drivers are generated from a small grammar of behaviours (`Step`s: write all, write part, Retry,
DeviceBusy, park in a TemporaryStream, ...), not from random text, so every example is a
plausible vendor script. Everything runs on a VirtualClock, so a 20 s stall costs no real time.
`make soak` runs many more examples: it sets USBMON_JS_HYPOTHESIS_EXAMPLES.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.devices.sim import DeviceFixture, FixturePrinter
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings


def examples(default: int) -> int:
    """`default` examples in `make test`; USBMON_JS_HYPOTHESIS_EXAMPLES (set by `make soak`) overrides."""
    return int(os.environ.get("USBMON_JS_HYPOTHESIS_EXAMPLES", "0")) or default


PROPERTY = settings(
    deadline=None,  # timing goals belong to benchmarks, not to tests
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CARRY_PATH = "\\Printer.Extension:Carry"


# --- the driver grammar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One writePrintData behaviour: a JS function body over (ctx, data, stream, progress)."""

    name: str
    body: str
    passthrough: bool = True  # keeps the job's bytes in order, never drops or repeats one


def _write_part(k: int) -> str:
    return f"progress.ProcessedByteCount = stream.Write(data.slice(0, {k}));"


PASSTHROUGH_STEPS: Any = st.one_of(
    st.just(Step("all", "progress.ProcessedByteCount = stream.Write(data); return 0;")),
    st.just(
        Step(
            "all-or-busy",
            "var n = stream.Write(data); progress.ProcessedByteCount = n;"
            " return n ? 0 : ctx.ReturnCodes.DeviceBusy;",
        )
    ),
    st.integers(1, 600).map(lambda k: Step(f"part({k})", _write_part(k) + " return 0;")),
    st.integers(1, 600).map(lambda k: Step(f"part-then-busy({k})", _write_part(k) + " return 3;")),
    st.integers(1, 600).map(
        lambda k: Step(
            f"typed({k})",
            f"progress.ProcessedByteCount = stream.Write(new Uint8Array(data.slice(0, {k}))); return 0;",
        )
    ),
    st.integers(1, 300).map(
        lambda k: Step(
            f"pieces({k})",
            "var done = 0; while (done < data.length) {"
            f" var piece = data.slice(done, done + {k}); var n = stream.Write(piece); done += n;"
            " if (n < piece.length) break; }"
            " progress.ProcessedByteCount = done; return 0;",
        )
    ),
    st.integers(1, 600).map(
        lambda k: Step(
            f"stash({k})",
            f"var part = data.slice(0, {k}); ctx.TemporaryStreams[0].Write(part);"
            " progress.ProcessedByteCount = part.length; return 0;",
        )
    ),
    st.just(Step("retry", "return ctx.ReturnCodes.Retry;")),
    st.just(Step("busy", "return 3;")),
)

# Drivers that lose, repeat or invent bytes, or end the job: only the report-vs-device figures hold.
HOSTILE_STEPS: Any = st.one_of(
    st.integers(1, 600).map(
        lambda k: Step(
            f"overclaim({k})",
            f"stream.Write(data.slice(0, {k})); progress.ProcessedByteCount = data.length; return 0;",
            passthrough=False,
        )
    ),
    st.integers(1, 300).map(
        lambda k: Step(
            f"twice({k})",
            f"var part = data.slice(0, {k}); stream.Write(part); stream.Write(part);"
            " progress.ProcessedByteCount = part.length; return 0;",
            passthrough=False,
        )
    ),
    st.just(
        Step(
            "junk-header",
            "stream.Write([27, 69]); progress.ProcessedByteCount = stream.Write(data); return 0;",
            passthrough=False,
        )
    ),
    st.just(Step("throw", 'throw new Error("driver bug");', passthrough=False)),
    st.sampled_from([1, 4, 7]).map(
        lambda code: Step(f"return({code})", f"return {code};", passthrough=False)
    ),
)

# Before each step the driver first sends what it parked earlier, so bytes leave in job order.
# `carry` holds what was read back from the TemporaryStream but not yet taken by the printer;
# endPrintJob reports its size, which the test needs to account for every consumed byte.
DRIVER_TEMPLATE = """
var STEPS = [{steps}];
var calls = 0;
var carry = [];

function flushParked(ctx, stream) {{
  var parked = ctx.TemporaryStreams[0];
  while (true) {{
    if (carry.length === 0) {{
      carry = parked.Read(512);
      if (carry.length === 0) return true;
    }}
    var n = stream.Write(carry);
    carry = carry.slice(n);
    if (carry.length) return false;
  }}
}}

function writePrintData(ctx, {params}, responses) {{
  if (!flushParked(ctx, stream)) return {backlog_code};
  return STEPS[calls++ % STEPS.length](ctx, data, stream, progress);
}}

function endPrintJob(ctx, stream, responses) {{
  try {{
    return flushParked(ctx, stream) ? 0 : 2;
  }} finally {{
    responses.AddInt32("{carry_path}", carry.length);
  }}
}}
"""


@dataclass(frozen=True)
class Driver:
    steps: tuple[Step, ...]
    docs_order: bool  # writePrintData(jobContext, progress, printData, stream): the documented order
    backlog_code: int  # what writePrintData answers while the printer has not taken the parked bytes

    @property
    def passthrough(self) -> bool:
        return all(step.passthrough for step in self.steps)

    def source(self) -> str:
        functions = ", ".join(
            f"/* {step.name} */ function (ctx, data, stream, progress) {{ {step.body} }}"
            for step in self.steps
        )
        params = "progress, data, stream" if self.docs_order else "data, stream, progress"
        return DRIVER_TEMPLATE.format(
            steps=functions,
            params=params,
            backlog_code=self.backlog_code,
            carry_path=CARRY_PATH.replace("\\", "\\\\"),
        )


def drivers(step: Any) -> Any:
    return st.builds(
        Driver,
        steps=st.lists(step, min_size=1, max_size=6).map(tuple),
        docs_order=st.booleans(),
        backlog_code=st.sampled_from([2, 3]),
    ).filter(lambda driver: any(s.name not in ("retry", "busy") for s in driver.steps))


# --- random printers ----------------------------------------------------------------------------------


@st.composite
def faulty_printers(draw: Any, job_size: int) -> DeviceFixture:
    """A fixture with any mix of partial writes, busy periods, slow draining and an unplug."""
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["max_write"] = draw(st.integers(1, 512))
    if draw(st.booleans()):
        fields["bytes_per_second"] = float(draw(st.integers(200, 50000)))
        fields["buffer_bytes"] = draw(st.integers(16, 4096))
    # Three periods of at most 15 s may run back to back: still under the 60 s no-progress limit.
    length = st.one_of(
        st.builds(dict, writes=st.integers(1, 30)), st.builds(dict, seconds=st.floats(0.05, 15.0))
    )
    busy = st.builds(
        lambda after, period: {"after_bytes": after, **period}, st.integers(0, job_size + 10), length
    )
    fields["busy"] = draw(st.lists(busy, max_size=3))
    if draw(st.integers(0, 3)) == 0:
        fields["disconnect_after_bytes"] = draw(st.integers(0, job_size + 10))
    return DeviceFixture.model_validate(fields)


class Witness:
    """The device side of the cable: what the printer model really took, byte for byte."""

    def __init__(self, printer: FixturePrinter) -> None:
        self.printer = printer
        self.taken = bytearray()

    def write(self, data: bytes) -> int:
        accepted = self.printer.write(data)
        self.taken += data[:accepted]
        return accepted

    def read(self, size: int) -> bytes:
        return self.printer.read(size)

    def device_id(self) -> str:
        return self.printer.device_id()


@dataclass
class Outcome:
    report: JobReport
    witness: Witness
    captured: bytes

    def assert_device_figures_exact(self) -> None:
        report = self.report
        assert report.bytes_to_device == self.witness.printer.received == len(self.witness.taken)
        assert self.captured == bytes(self.witness.taken)
        assert 0 <= report.bytes_consumed <= report.bytes_submitted
        if report.outcome == "completed":
            assert report.bytes_consumed == report.bytes_submitted


def run(
    driver: Driver, job: bytes, fixture: DeviceFixture, buffer_size: int, cancel_at: float | None
) -> Outcome:
    clock = VirtualClock()
    witness = Witness(FixturePrinter(fixture, clock))
    sink = io.BytesIO()
    info = DeviceInfo(spec="sim:property", transport="sim", device_id=witness.device_id())
    script = DriverScript.from_bytes(Path("generated.js"), driver.source().encode())
    with PortMonitor(
        script,
        witness,
        info,
        clock=clock,
        settings=PipelineSettings(buffer_size=buffer_size),
        device_out=sink,
    ) as port:
        handle = port.submit_job(JobData.from_bytes(job))
        if cancel_at is not None:
            clock.call_at(cancel_at, handle.cancel)
        report = handle.wait(timeout=120)
    return Outcome(report, witness, sink.getvalue())


jobs = st.binary(max_size=3000)
buffer_sizes = st.one_of(st.integers(1, 64), st.integers(65, 4096))
cancels = st.one_of(st.none(), st.floats(0.0, 40.0))


# --- the properties ---------------------------------------------------------------------------------------


@settings(PROPERTY, max_examples=examples(300))
@given(
    data=st.data(), job=jobs, driver=drivers(PASSTHROUGH_STEPS), buffer_size=buffer_sizes, cancel_at=cancels
)
def test_a_passthrough_driver_delivers_the_job_in_order_and_the_report_counts_every_byte(
    data: Any, job: bytes, driver: Driver, buffer_size: int, cancel_at: float | None
) -> None:
    fixture = data.draw(faulty_printers(len(job)), label="printer")
    outcome = run(driver, job, fixture, buffer_size, cancel_at)
    report = outcome.report
    outcome.assert_device_figures_exact()
    # In order, never lost or repeated: the device holds a prefix of the job, all of it on success.
    assert outcome.captured == job[: len(outcome.captured)]
    if report.outcome == "completed":
        assert outcome.captured == job
    # Every consumed byte is at the device, parked in TemporaryStreams[0], or in the driver's carry.
    carries = [response.value for response in report.responses if response.path == CARRY_PATH]
    assert carries, "endPrintJob always runs once startPrintJob succeeded"
    parked, untouched = report.temporary_bytes_left
    assert untouched == 0
    held = report.bytes_to_device + parked + carries[-1]
    if report.outcome == "cancelled" or "device" in {error.kind for error in report.errors}:
        # A Write that meets the unplug throws, and a cancel ends the call at its next host call
        # (setting ProcessedByteCount is one), so the driver never consumes what its last Write
        # got through; the device has those bytes all the same, and the report says so.
        assert 0 <= held - report.bytes_consumed <= max(buffer_size, 512)
    else:
        assert report.bytes_consumed == held
    # Liveness: nothing stops a job that the printer can take in full (busy periods are shorter
    # than the 60 s no-progress limit), so without a cancel it must complete.
    unplugged = fixture.disconnect_after_bytes is not None and fixture.disconnect_after_bytes < len(job)
    if cancel_at is None and not unplugged:
        assert report.outcome == "completed", (report.errors, driver)
    if unplugged:
        assert report.outcome in ("failed", "cancelled")
        assert report.bytes_to_device <= fixture.disconnect_after_bytes
    assert report.outcome in ("completed", "failed", "cancelled")


@settings(PROPERTY, max_examples=examples(200))
@given(
    data=st.data(),
    job=jobs,
    driver=drivers(st.one_of(PASSTHROUGH_STEPS, HOSTILE_STEPS)),
    buffer_size=buffer_sizes,
    cancel_at=cancels,
)
def test_whatever_the_driver_does_the_report_matches_what_the_device_received(
    data: Any, job: bytes, driver: Driver, buffer_size: int, cancel_at: float | None
) -> None:
    fixture = data.draw(faulty_printers(len(job)), label="printer")
    outcome = run(driver, job, fixture, buffer_size, cancel_at)
    outcome.assert_device_figures_exact()
    report = outcome.report
    assert report.outcome in ("completed", "failed", "aborted", "cancelled")
    if report.outcome == "failed":  # it says why: an error, or the driver's own Failure code
        assert report.errors or "1" in report.return_codes.get("writePrintData", {})
    allowed = {"exception", "timeout", "invalid_return", "device", "no_progress", "cancelled"}
    assert {error.kind for error in report.errors} <= allowed
