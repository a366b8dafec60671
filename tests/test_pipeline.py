"""The job pipeline: return codes → spooler actions, bounded waits and cancellation, in virtual time."""

from __future__ import annotations

from pathlib import Path

import pytest

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.model import DeviceGone, DeviceInfo
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

JOB = bytes(range(256)) * 40  # 10 KiB, every byte value


class Printer:
    """Records what arrives; can refuse writes for a while or vanish."""

    def __init__(self, refuse_writes: int = 0, refuse_forever: bool = False, gone_after: int | None = None):
        self.received = bytearray()
        self.writes_at: list[tuple[float, int]] = []
        self.refuse_writes = refuse_writes
        self.refuse_forever = refuse_forever
        self.gone_after = gone_after
        self.resets = 0
        self.clock: VirtualClock | None = None

    def write(self, data: bytes) -> int:
        if self.refuse_forever or self.refuse_writes > 0:
            self.refuse_writes -= 1
            return 0
        if self.gone_after is not None:
            room = self.gone_after - len(self.received)
            if room <= 0:
                raise DeviceGone("unplugged")
            data = data[:room]
        self.received += data
        if self.clock is not None:
            self.writes_at.append((self.clock.now(), len(data)))
        return len(data)

    def read(self, size: int) -> bytes:
        return b""

    def soft_reset(self) -> None:
        self.resets += 1


def run_job(
    source: str,
    job: bytes = JOB,
    printer: Printer | None = None,
    clock: VirtualClock | None = None,
    cancel_at: float | None = None,
    **settings: object,
) -> tuple[JobReport, Printer, VirtualClock]:
    printer = printer or Printer()
    clock = clock or VirtualClock()
    printer.clock = clock
    script = DriverScript.from_bytes(Path("driver.js"), source.encode())
    limits = SandboxLimits(call_timeout_s=2.0)
    info = DeviceInfo(spec="test", transport="sim", device_id="MFG:Test;MDL:T;")
    with PortMonitor(
        script, printer, info, settings=PipelineSettings(limits=limits, **settings), clock=clock
    ) as port:
        handle = port.submit_job(JobData.from_bytes(job))
        if cancel_at is not None:
            clock.call_at(cancel_at, handle.cancel)
        report = handle.wait(timeout=60)
    return report, printer, clock


PASSTHROUGH = """
function writePrintData(ctx, data, stream, progress, responses) {
  progress.ProcessedByteCount = stream.Write(data);
  return 0;
}
"""


def test_passthrough_delivers_every_byte_in_order_across_buffers() -> None:
    report, printer, _ = run_job(PASSTHROUGH, buffer_size=1000)
    assert report.outcome == "completed"
    assert bytes(printer.received) == JOB
    assert report.bytes_to_device == report.bytes_consumed == report.bytes_submitted == len(JOB)
    assert report.calls == {"writePrintData": 11}  # 10 full buffers and a 240-byte tail


def test_partial_processed_byte_count_re_presents_the_unconsumed_rest() -> None:
    source = """
    var firstBytes = [];
    function writePrintData(ctx, data, stream, progress) {
      firstBytes.push(data[0]);
      var n = stream.Write(data.slice(0, 300));
      progress.ProcessedByteCount = n;
      ctx.JobPropertyBag.SetString("first", firstBytes.join(","));
      return 0;
    }
    """
    report, printer, _ = run_job(source, buffer_size=1000)
    assert report.outcome == "completed"
    assert bytes(printer.received) == JOB
    # each call starts at the first byte not yet consumed: 0, 300, 600, 900, 1000 (next buffer) ...
    assert report.calls["writePrintData"] == 4 * 10 + 1


def test_processed_byte_count_is_clamped_and_reset_to_zero_each_call() -> None:
    source = """
    var calls = 0;
    function writePrintData(ctx, data, stream, progress) {
      calls++;
      if (progress.ProcessedByteCount !== 0) throw new Error("not reset: " + progress.ProcessedByteCount);
      if (calls === 1) { progress.ProcessedByteCount = -5; return 0; }
      stream.Write(data);
      progress.ProcessedByteCount = data.length + 1000;
      return 0;
    }
    """
    report, printer, _ = run_job(source, job=b"abc")
    assert report.outcome == "completed"
    assert bytes(printer.received) == b"abc"
    assert report.bytes_consumed == 3
    assert any("clamped" in w for w in report.warnings)


def test_retry_with_nothing_consumed_is_called_again_at_once() -> None:
    source = """
    var n = 0;
    function writePrintData(ctx, data, stream, progress) {
      n++;
      if (n % 2) return ctx.ReturnCodes.Retry;
      progress.ProcessedByteCount = stream.Write(data);
      return ctx.ReturnCodes.Success;
    }
    """
    report, printer, clock = run_job(source, buffer_size=4096)
    assert report.outcome == "completed"
    assert bytes(printer.received) == JOB
    assert report.return_codes["writePrintData"] == {"0": 3, "2": 3}
    assert clock.now() == 0.0  # no host wait at all


def test_device_busy_backs_off_50ms_doubling_to_one_second() -> None:
    source = """
    var busy = 7;
    function writePrintData(ctx, data, stream, progress) {
      if (busy-- > 0) return 3;
      progress.ProcessedByteCount = stream.Write(data);
      return 0;
    }
    """
    report, printer, clock = run_job(source, job=b"x" * 10)
    assert report.outcome == "completed"
    assert report.return_codes["writePrintData"] == {"0": 1, "3": 7}
    assert clock.now() == pytest.approx(0.05 + 0.1 + 0.2 + 0.4 + 0.8 + 1.0 + 1.0)
    assert printer.writes_at[0][0] == pytest.approx(clock.now())


def test_a_job_that_never_progresses_fails_after_the_no_progress_limit() -> None:
    source = "function writePrintData() { return 2; }\nfunction endPrintJob() { return 0; }"
    report, printer, clock = run_job(source, no_progress_timeout_s=20)
    assert report.outcome == "failed"
    assert [e.kind for e in report.errors] == ["no_progress"]
    assert 20 <= clock.now() < 22
    assert report.calls["endPrintJob"] == 1  # EndDocPort still runs
    assert printer.received == b""


def test_start_print_job_failure_sends_nothing_and_skips_the_other_calls() -> None:
    source = PASSTHROUGH + "function startPrintJob() { return 1; }\nfunction endPrintJob() { return 0; }"
    report, printer, _ = run_job(source)
    assert report.outcome == "failed"
    assert report.calls == {"startPrintJob": 1}
    assert printer.received == b""
    assert report.errors == []


@pytest.mark.parametrize(("code", "outcome"), [(1, "failed"), (4, "aborted")])
def test_failure_and_abort_stop_the_data_but_end_print_job_still_runs(code: int, outcome: str) -> None:
    source = f"""
    var calls = 0;
    function writePrintData(ctx, data, stream, progress) {{
      if (++calls === 2) return {code};
      progress.ProcessedByteCount = stream.Write(data.slice(0, 100));
      return 0;
    }}
    function endPrintJob(ctx, stream, responses) {{
      responses.AddInt32("\\\\Printer.Extension:Cleanup", 1);
      return 0;
    }}
    """
    report, printer, _ = run_job(source)
    assert report.outcome == outcome
    assert bytes(printer.received) == JOB[:100]
    assert report.calls == {"writePrintData": 2, "endPrintJob": 1}
    assert report.responses[0].path == "\\Printer.Extension:Cleanup"


def test_unknown_return_code_fails_the_job_with_the_reason() -> None:
    report, _, _ = run_job("function writePrintData() { return 9; }")
    assert report.outcome == "failed"
    assert report.errors[0].kind == "invalid_return"
    assert "returned 9" in report.errors[0].message


def test_end_print_job_retry_polls_every_100ms_until_success() -> None:
    source = (
        PASSTHROUGH
        + """
    var polls = 0;
    function endPrintJob(ctx, stream, responses) {
      if (polls === 0) responses.AddNull("\\\\Printer.Extension:ManualDuplexEvent");
      return ++polls < 5 ? ctx.ReturnCodes.Retry : ctx.ReturnCodes.Success;
    }
    """
    )
    report, _, clock = run_job(source)
    assert report.outcome == "completed"
    assert report.return_codes["endPrintJob"] == {"0": 1, "2": 4}
    assert clock.now() == pytest.approx(0.4)
    assert [e.path for e in report.events] == ["\\Printer.Extension:ManualDuplexEvent"]


def test_end_print_job_retrying_forever_fails_after_the_limit() -> None:
    report, _, clock = run_job(PASSTHROUGH + "function endPrintJob() { return 2; }", end_retry_limit_s=30)
    assert report.outcome == "failed"
    assert report.errors[-1].kind == "no_progress"
    assert 30 <= clock.now() <= 30.2


def test_cancel_during_busy_back_off_ends_within_100ms_and_sends_nothing_more() -> None:
    source = """
    function writePrintData(ctx, data, stream, progress) {
      progress.ProcessedByteCount = stream.Write(data.slice(0, 10));
      return progress.ProcessedByteCount ? 0 : 3;
    }
    function endPrintJob(ctx, stream) {
      stream.Write([1, 2, 3]);
      return 0;
    }
    """
    printer = Printer()
    # the device accepts the first 30 bytes, then refuses everything
    original_write = printer.write

    def write(data: bytes) -> int:
        return 0 if len(printer.received) >= 30 else original_write(data)

    printer.write = write  # type: ignore[method-assign]
    report, _, clock = run_job(source, printer=printer, cancel_at=25.0, write_timeout_s=1.0)
    assert report.outcome == "cancelled"
    assert bytes(printer.received) == JOB[:30]
    assert report.bytes_to_device == 30
    assert 25.0 <= clock.now() <= 25.1
    assert report.calls["endPrintJob"] == 1  # once, for cleanup
    assert report.errors[-1].entry == "endPrintJob"  # its Write threw: nothing is sent after a cancel
    assert "cancelled" in report.errors[-1].message


def test_cancel_during_end_print_job_retry_loop() -> None:
    source = (
        PASSTHROUGH
        + """
    function endPrintJob(ctx, stream) { stream.Write([0x1b, 0x45]); return 2; }
    """
    )
    report, printer, clock = run_job(source, cancel_at=3.05)
    assert report.outcome == "cancelled"
    assert 3.05 <= clock.now() <= 3.15
    sent_after_cancel = [n for t, n in printer.writes_at if t > 3.05]
    assert sent_after_cancel == []
    assert bytes(printer.received[: len(JOB)]) == JOB
    assert report.bytes_to_device == len(printer.received)


def test_cancel_interrupts_a_script_at_its_next_host_call_and_soft_resets() -> None:
    source = """
    function writePrintData(ctx, data, stream, progress) {
      while (true) { stream.Read(1); }
    }
    """
    report, printer, clock = run_job(source, cancel_at=0.5, soft_reset_on_cancel=True)
    assert report.outcome == "cancelled"
    assert clock.now() == pytest.approx(0.5, abs=0.06)  # one 50 ms read wait at most
    assert printer.resets == 1
    assert report.errors == []


def test_device_vanishing_mid_job_fails_it_with_the_exact_byte_count() -> None:
    report, printer, _ = run_job(PASSTHROUGH, printer=Printer(gone_after=3000), buffer_size=1024)
    assert report.outcome == "failed"
    assert report.bytes_to_device == len(printer.received) == 3000
    assert any(e.kind == "device" for e in report.errors)


def test_pages_printed_is_null_unless_the_script_sets_it() -> None:
    counted = PASSTHROUGH.replace("return 0;", "ctx.PrintedPageCount++; return 0;")
    assert run_job(PASSTHROUGH)[0].pages_printed is None
    assert run_job(counted, buffer_size=4096)[0].pages_printed == 3


def test_documented_parameter_order_is_detected_from_parameter_names() -> None:
    source = """
    function writePrintData(jobContext, writePrintDataProgress, printData, printerStream, responses) {
      writePrintDataProgress.ProcessedByteCount = printerStream.Write(printData);
      return 0;
    }
    """
    report, printer, _ = run_job(source)
    assert report.script.write_signature == "docs"
    assert bytes(printer.received) == JOB
    forced, _, _ = run_job(source, write_signature="sample")
    assert forced.outcome == "failed"  # printData is then the progress object


def test_without_write_print_data_the_data_goes_straight_to_the_device() -> None:
    report, printer, _ = run_job("function startPrintJob() { return 0; }")
    assert report.outcome == "completed"
    assert bytes(printer.received) == JOB


def test_temporary_streams_carry_a_job_through_a_spill_file() -> None:
    source = """
    function writePrintData(ctx, data, stream, progress) {
      progress.ProcessedByteCount = ctx.TemporaryStreams[0].Write(data);
      return 0;
    }
    function endPrintJob(ctx, stream) {
      var chunk = ctx.TemporaryStreams[0].Read(32768);
      if (chunk.length === 0) return 0;
      stream.Write(chunk);
      return 2;
    }
    """
    job = bytes(range(251)) * 2000  # ~500 KB, past a 64 KiB spill threshold
    report, printer, _ = run_job(source, job=job, temp_spill_bytes=64 * 1024)
    assert report.outcome == "completed"
    assert bytes(printer.received) == job


def test_job_handle_reports_live_status_and_the_final_report() -> None:
    clock = VirtualClock()
    script = DriverScript.from_bytes(Path("d.js"), PASSTHROUGH.encode())
    info = DeviceInfo(spec="test", transport="sim", device_id="")
    with PortMonitor(script, Printer(), info, clock=clock) as port:
        handle = port.submit_job(JobData.from_bytes(JOB))
        report = handle.wait(timeout=30)
        assert handle.done
        assert handle.status.state == "done"
        assert handle.status.bytes_to_device == len(JOB)
        second = port.print_job(JobData.from_bytes(b"second job"))
    assert report.bytes_to_device == len(JOB)
    assert second.bytes_to_device == 10  # per-job figures, not cumulative


def test_a_fresh_engine_per_call_exposes_scripts_that_rely_on_globals():
    source = r"""
var header = null;
function startPrintJob(c, s, r) { header = [1, 2, 3]; return 0; }
function writePrintData(c, data, s, p) {
  s.Write(header.concat(data));
  p.ProcessedByteCount = data.length;
  return 0;
}
"""
    kept, printer, _ = run_job(source)
    assert kept.outcome == "completed" and kept.errors == []
    assert bytes(printer.received[:3]) == b"\x01\x02\x03"
    fresh, _, _ = run_job(source, fresh_engine_per_call=True)
    assert fresh.outcome == "failed"
    assert fresh.errors[0].kind == "exception" and "null" in fresh.errors[0].message


def test_the_report_shows_bytes_left_in_temporary_streams_and_every_page_count():
    source = """
function writePrintData(ctx, data, stream, progress) {
  ctx.TemporaryStreams[1].Write(data.slice(0, 10));   // parked and never sent
  progress.ProcessedByteCount = stream.Write(data);
  ctx.PrintedPageCount = ctx.PrintedPageCount + 1;
  return 0;
}
"""
    report, _, _ = run_job(source, buffer_size=4096)
    assert report.temporary_bytes_left == [0, 30]
    assert report.page_counts == [1, 2, 3]


def test_a_script_spinning_on_a_refused_write_reaches_its_deadline_in_virtual_time():
    source = """
function writePrintData(ctx, data, stream, progress) {
  while (stream.Write(data) === 0) {}
  progress.ProcessedByteCount = data.length;
  return 0;
}
"""
    report, printer, clock = run_job(source, printer=Printer(refuse_forever=True))
    assert report.outcome == "failed"
    assert [e.kind for e in report.errors] == ["timeout"]
    assert "inside host calls" in report.errors[0].message  # the host-side deadline, on the virtual clock
    assert clock.now() >= 2.0 and printer.received == bytearray()


def test_sending_without_consuming_ends_in_no_progress() -> None:
    """decisions.md counts consumed bytes only: a script that writes a byte and retries forever ends."""
    script = """
    function writePrintData(ctx, data, stream, progress) {
      stream.Write([0]);
      progress.ProcessedByteCount = 0;
      return ctx.ReturnCodes.Retry;
    }
    """
    report, _, _ = run_job(script, no_progress_timeout_s=5)
    assert report.outcome == "failed"
    assert [e.kind for e in report.errors] == ["no_progress"]
    assert report.bytes_consumed == 0 and report.bytes_to_device > 0
    assert 5 <= report.duration_s < 10  # simulated time: the limit, not a wall-clock bound
