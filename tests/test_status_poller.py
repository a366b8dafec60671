"""Status while printing: getStatus/requestStatus polled in their own engine during a job."""

from __future__ import annotations

import itertools
from pathlib import Path

from usbmon_js.clock import Clock, RealClock, VirtualClock
from usbmon_js.com.bidi import BidiResponse
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import parse_bidi_xml
from usbmon_js.portmon.calls import CallLog
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

PASSTHROUGH = r"""
var sent = 0;
function writePrintData(ctx, data, stream, progress) {
  var n = stream.Write(data);
  sent += n;
  progress.ProcessedByteCount = n;
  return n ? 0 : 3;
}
"""

POLL_FIVE_TIMES = r"""
var polls = 0;
function getStatus(ctx, stream, responses) {
  polls++;
  responses.AddInt32("\\Printer.Extension:Poll", polls);
  return polls >= 5 ? 2 : 0;
}
"""


class SlowPrinter:
    """Takes 4 KiB per 100 ms of clock time, so a job lasts long enough to be polled."""

    def __init__(self, clock: Clock, status_model: object | None = None) -> None:
        self.clock = clock
        self.ready_at = 0.0
        self.received = bytearray()
        self.status_model = status_model
        self.pending = b"@STATUS OK"

    def write(self, data: bytes) -> int:
        if self.clock.now() < self.ready_at:
            return 0
        self.ready_at = self.clock.now() + 0.1
        chunk = data[:4096]
        self.received += chunk
        return len(chunk)

    def read(self, size: int) -> bytes:
        data, self.pending = self.pending[:size], self.pending[size:]
        return data

    def status_interface(self) -> object | None:
        return self.status_model


class StatusInterface:
    def __init__(self) -> None:
        self.received = bytearray()

    def write(self, data: bytes) -> int:
        self.received += data
        return len(data)

    def read(self, size: int) -> bytes:
        return b"\x01\x05"[:size]


def print_job(
    source: str,
    *,
    clock: Clock | None = None,
    size: int = 100_000,
    status_interface: bool = False,
    status_model: object | None = None,
    xml: bytes | None = None,
) -> tuple[JobReport, SlowPrinter]:
    clock = clock or VirtualClock()
    printer = SlowPrinter(clock, status_model)
    script = DriverScript.from_bytes(Path("vendor.js"), source.encode())
    with PortMonitor(
        script,
        printer,
        DeviceInfo("sim", "sim", "MFG:A;MDL:B;"),
        clock=clock,
        settings=PipelineSettings(status_interval_s=0.5),
        status_interface=status_interface,
        bidi_schema=parse_bidi_xml(xml, "x.xml") if xml else None,
    ) as port:
        report = port.print_job(JobData.from_bytes(bytes(range(256)) * (size // 256)))
    return report, printer


def polls(report: JobReport, entry: str = "getStatus") -> list[tuple[object, float]]:
    return [(r.value, r.t) for r in report.responses if r.entry == entry]


def test_getstatus_runs_while_write_print_data_runs_and_stops_on_2():
    report, printer = print_job(PASSTHROUGH + POLL_FIVE_TIMES)
    assert report.outcome == "completed" and bytes(printer.received) == bytes(range(256)) * 390
    assert report.bytes_to_device == len(printer.received)
    assert report.calls["getStatus"] == 5
    assert report.return_codes["getStatus"] == {"0": 4, "2": 1}
    assert polls(report) == [(1, 0.0), (2, 0.5), (3, 1.0), (4, 1.5), (5, 2.0)]
    assert report.duration_s > 2.0  # polling stopped on 2, long before the job ended


def test_polling_continues_for_the_whole_job_while_getstatus_returns_0():
    report, _ = print_job(PASSTHROUGH + POLL_FIVE_TIMES.replace("polls >= 5", "polls >= 1000"))
    times = [t for _, t in polls(report)]
    assert len(times) >= 5
    assert max(times) <= report.duration_s
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times))


def test_getstatus_stream_is_read_only_and_reads_the_print_channel():
    source = (
        PASSTHROUGH
        + r"""
function getStatus(ctx, stream, responses) {
  var got = stream.Read(64);
  responses.AddString("\\Printer.Status.Summary:State", String.fromCharCode.apply(null, got));
  stream.Write([1, 2, 3]);
  return 0;
}
"""
    )
    report, printer = print_job(source)
    assert (report.responses[0].path, report.responses[0].value) == (
        "\\Printer.Status.Summary:State",
        "@STATUS OK",
    )
    assert report.calls["getStatus"] == 1  # the failed Write ended the polling
    [error] = [e for e in report.errors if e.entry == "getStatus"]
    assert error.kind == "exception" and "read-only" in error.message
    assert report.outcome == "completed"  # a status failure never fails the job
    assert bytes(printer.received[:3]) != b"\x01\x02\x03"


def test_an_exception_in_getstatus_stops_polling_and_is_recorded():
    source = PASSTHROUGH + "function getStatus(c, s, r) { throw new Error('status parse'); }"
    report, _ = print_job(source)
    assert report.calls["getStatus"] == 1
    assert "status parse" in report.errors[0].message
    assert report.outcome == "completed"


def test_request_status_talks_to_the_secondary_interface_when_the_manifest_names_one():
    source = (
        PASSTHROUGH
        + r"""
var n = 0;
function requestStatus(ctx, stream, responses) {
  stream.Write([0x1b, 0x53]);
  var reply = stream.Read(2);
  responses.AddInt32("\\Printer.Extension:Level", reply[1]);
  return ++n >= 3 ? 2 : 0;
}
function getStatus(c, s, r) { throw new Error("never called with a status interface"); }
"""
    )
    status = StatusInterface()
    report, printer = print_job(source, status_interface=True, status_model=status)
    assert report.calls["requestStatus"] == 3 and "getStatus" not in report.calls
    assert [r.value for r in report.responses] == [5, 5, 5]
    assert bytes(status.received) == b"\x1bS" * 3
    assert b"\x1bS" not in bytes(printer.received)


def test_a_status_interface_the_device_lacks_is_reported_not_polled():
    source = PASSTHROUGH + "function requestStatus(c, s, r) { return 0; }"
    report, _ = print_job(source, status_interface=True)
    assert "requestStatus" not in report.calls
    assert any("no secondary status interface" in w for w in report.warnings)


def test_in_real_time_the_poller_runs_on_its_own_thread():
    report, _ = print_job(
        PASSTHROUGH + POLL_FIVE_TIMES.replace(">= 5", ">= 2"), clock=RealClock(), size=80_000
    )
    assert report.calls["getStatus"] == 2
    assert report.return_codes["getStatus"] == {"0": 1, "2": 1}
    assert 0.4 < polls(report)[1][1] < 2.0


def test_status_responses_are_checked_against_the_bidi_xml():
    xml = b"""<bidi:Schema xmlns:bidi="http://schemas.microsoft.com/windows/2010/09/printing/usbbidi">
      <Property name="Printer"><Property name="Extension">
        <Value name="Poll" type="BIDI_STRING" accessType="Get"/>
      </Property></Property></bidi:Schema>"""
    report, _ = print_job(PASSTHROUGH + POLL_FIVE_TIMES, xml=xml)
    assert any("Poll as BIDI_INT" in w for w in report.warnings)


def test_a_poller_log_that_started_later_merges_in_the_job_s_time():
    job = CallLog(origin=10.0)
    job.error("writePrintData", "device", "stalled", now=10.5)
    poller = CallLog(origin=10.25)  # the poller starts after startPrintJob
    poller.error("getStatus", "exception", "status parse", now=10.4)
    poller.responses.append(BidiResponse(entry="getStatus", path="\\Printer:A", type="BIDI_INT", value=1))
    job.merge(poller)
    assert [(e.entry, e.t) for e in job.errors] == [("getStatus", 0.4), ("writePrintData", 0.5)]
    assert [r.t for r in job.responses] == [0.25]
