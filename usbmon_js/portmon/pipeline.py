"""One job through the script: StartDocPort → WritePort buffers → EndDocPort.

Turns the script's return codes into spooler actions (decisions.md, "The job pipeline"):
Success re-presents the unconsumed rest, Retry calls again, DeviceBusy backs off, Failure and
AbortTheJob end the job (EndDocPort still runs), and a cancel interrupts whatever is waiting.
Every wait is bounded, so no script or device can hang the job.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from usbmon_js.clock import Clock
from usbmon_js.com.contexts import UsbJobContext, WritePrintDataProgress
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.devices.model import DeviceGone, DeviceInfo
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import PrintData, ScriptEngine
from usbmon_js.errors import DeviceError
from usbmon_js.portmon.bidi.events import EventEvaluator
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.calls import CallLog, EntryCaller
from usbmon_js.portmon.job import JobHandle
from usbmon_js.portmon.outcome import JobOutcome, ReturnCode
from usbmon_js.portmon.report import DeviceReportInfo, ErrorKind, JobReport, ScriptInfo
from usbmon_js.portmon.settings import PipelineSettings
from usbmon_js.portmon.status import StatusPoller
from usbmon_js.portmon.trace import TraceWriter

_buffer_keys = itertools.count()


class _JobEnded(Exception):
    def __init__(self, outcome: JobOutcome) -> None:
        self.outcome = outcome


@dataclass
class _Progress:
    """The no-progress guard: only consumed bytes count (decisions.md), so a script that keeps
    sending without ever consuming the job backs off and ends with `no_progress`."""

    clock: Clock
    last: float = 0.0
    idle_calls: int = 0
    busy_delay: float = 0.0
    marks: tuple[int, int] = (0, 0)

    def update(self, consumed: int, sent: int) -> bool:
        moved = consumed != self.marks[0]
        self.marks = (consumed, sent)
        if moved:
            self.last = self.clock.now()
            self.idle_calls = 0
            self.busy_delay = 0.0
        else:
            self.idle_calls += 1
        return moved


@dataclass
class JobPipeline:
    engine: ScriptEngine
    channel: DeviceChannel
    device: DeviceInfo
    settings: PipelineSettings
    clock: Clock
    handle: JobHandle
    trace: TraceWriter | None = None
    status_poller: StatusPoller | None = None
    events: EventEvaluator | None = None
    log: CallLog = field(default_factory=CallLog)
    device_gone: bool = False

    def __post_init__(self) -> None:
        self.caller = EntryCaller(
            self.engine, self.clock, self.log, self.trace, fresh_engine=self.settings.fresh_engine_per_call
        )
        self.context = UsbJobContext(self.settings.temp_spill_bytes)
        self.stream = PrinterStream(
            self.channel,
            on_device_fault=self._device_fault,
            is_cancelled=self.handle.cancel_event.is_set,
            wait_budget=self.engine.bridge.device_wait_budget,
        )
        self.status = self.handle.status
        self.status.bytes_submitted = self.handle.data.size
        self.start_device_bytes = self.channel.bytes_to_device
        self.cancel_acknowledged = False

    # -- the three port-monitor calls -------------------------------------------------------
    def run(self) -> JobReport:
        self.log.origin, wall = self.clock.now(), time.monotonic()  # the report counts from here
        self.channel.closed_gate = self.handle.cancel_event
        outcome: JobOutcome = "completed"
        try:
            self._start_doc()
            if self.status_poller is not None:
                self.status_poller.start()
            try:
                self._write_job()
            except _JobEnded as ended:
                outcome = ended.outcome
            outcome = self._end_doc(outcome)
        except _JobEnded as ended:
            outcome = ended.outcome
        finally:
            if self.status_poller is not None and self.status_poller.active:
                self.log.merge(self.status_poller.stop())
            outcome = self._end_job_on_device(outcome)
            self.temporary_left = [stream.pending for stream in self.context.temporary_streams]
            self.context.close()
            self.engine.release(
                [self.context, self.context.job_bag, *self.context.temporary_streams, self.stream]
            )
        return self._report(outcome, time.monotonic() - wall)

    def _start_doc(self) -> None:
        self.status.state = "starting"
        self._check_cancel()
        result = self._call("startPrintJob", [self.context, self.stream])
        if result.skipped:
            return
        if result.failure is None and result.return_code not in (ReturnCode.SUCCESS, ReturnCode.FAILURE):
            self._error(
                "startPrintJob",
                "invalid_return",
                f"startPrintJob returned {result.return_code}; valid codes are 0 and 1",
            )
        if result.failure is not None or result.return_code != ReturnCode.SUCCESS:
            raise _JobEnded("cancelled" if self._cancelled(result) else "failed")

    def _write_job(self) -> None:
        self.status.state = "printing"
        size = self.settings.buffer_size
        with self.handle.data.open() as spool:
            while buffer := spool.read(size):
                self._write_port(buffer)
        self._check_cancel()

    def _write_port(self, buffer: bytes) -> None:
        """WritePort: call writePrintData until the script has consumed the whole buffer."""
        offset = 0
        key = str(next(_buffer_keys))  # names this buffer for the shim (see PrintData)
        guard = _Progress(self.clock, last=self.clock.now(), marks=(self.status.bytes_consumed, self._sent()))
        while offset < len(buffer):
            self._check_cancel()
            self._pump_status()
            if not self.engine.has("writePrintData"):
                offset += self._passthrough(buffer[offset:])
            else:
                offset += self._write_print_data(PrintData.rest_of(key, buffer, offset), guard)
            moved = guard.update(self.status.bytes_consumed, self._sent())
            if self.device_gone:
                self._error("writePrintData", "device", "the device disappeared; the job cannot continue")
                raise _JobEnded("failed")
            if not moved:
                self._wait_for_progress(guard)

    def _write_print_data(self, data: PrintData, guard: _Progress) -> int:
        progress = WritePrintDataProgress()
        if self.write_signature == "docs":
            args = [self.context, progress, data, self.stream]
        else:
            args = [self.context, data, self.stream, progress]
        result = self._call("writePrintData", args, extra=[progress])
        consumed = min(max(progress.processed, 0), len(data))
        if consumed != progress.processed:
            self._warn(f"writePrintData set ProcessedByteCount={progress.processed}; clamped to {consumed}")
        self.status.bytes_consumed += consumed
        if self._cancelled(result):
            raise _JobEnded("cancelled")
        if result.failure is not None:
            raise _JobEnded("failed")
        code = result.return_code
        if code == ReturnCode.FAILURE:
            raise _JobEnded("failed")
        if code == ReturnCode.ABORT_THE_JOB:
            raise _JobEnded("aborted")
        if code == ReturnCode.DEVICE_BUSY:
            self.status.state = "busy"
            guard.busy_delay = min(
                max(guard.busy_delay * 2, self.settings.busy_backoff_s), self.settings.busy_backoff_max_s
            )
            self._sleep(guard.busy_delay)
            self.status.state = "printing"
        elif code not in (ReturnCode.SUCCESS, ReturnCode.RETRY):
            self._error(
                "writePrintData", "invalid_return", f"writePrintData returned {code}; valid codes are 0-4"
            )
            raise _JobEnded("failed")
        return consumed

    def _passthrough(self, remaining: bytes) -> int:
        """No writePrintData: USBMon hands WritePort data straight to the device."""
        try:
            sent = self.channel.write(remaining)
        except Exception as exc:
            self._device_fault(f"Write: {exc}", gone=True)
            return 0
        self.status.bytes_consumed += sent
        return sent

    def _wait_for_progress(self, guard: _Progress) -> None:
        """Nothing consumed or sent: re-call at once once, then back off, and give up after the limit."""
        if self.clock.now() - guard.last >= self.settings.no_progress_timeout_s:
            self._error(
                "writePrintData",
                "no_progress",
                f"no byte was consumed or sent for {self.settings.no_progress_timeout_s:g} s",
            )
            raise _JobEnded("failed")
        if guard.idle_calls > 1 and guard.busy_delay == 0:
            delay = min(
                self.settings.busy_backoff_s * 2 ** (guard.idle_calls - 2), self.settings.busy_backoff_max_s
            )
            self._sleep(delay)

    def _end_doc(self, outcome: JobOutcome) -> JobOutcome:
        """EndDocPort always runs; after a cancel it runs once, for cleanup only."""
        self.status.state = "ending" if outcome != "cancelled" else "cancelling"
        if outcome == "cancelled":
            return self._cleanup_after_cancel()
        deadline = self.clock.now() + self.settings.end_retry_limit_s
        while True:
            try:
                self._check_cancel()
            except _JobEnded:
                return self._cleanup_after_cancel()
            self._pump_status()
            result = self._call("endPrintJob", [self.context, self.stream])
            if result.skipped:
                return outcome
            if self._cancelled(result):
                return self._cleanup_after_cancel()
            if result.failure is not None:
                return "failed" if outcome == "completed" else outcome
            code = result.return_code
            if code == ReturnCode.SUCCESS:
                return outcome
            if code == ReturnCode.RETRY:
                if self.clock.now() >= deadline:
                    self._error(
                        "endPrintJob",
                        "no_progress",
                        f"endPrintJob kept returning Retry for {self.settings.end_retry_limit_s:g} s",
                    )
                    return "failed" if outcome == "completed" else outcome
                if self._sleep(self.settings.end_retry_delay_s, raise_on_cancel=False):
                    return self._cleanup_after_cancel()
                continue
            if code != ReturnCode.FAILURE:
                self._error(
                    "endPrintJob", "invalid_return", f"endPrintJob returned {code}; valid codes are 0-2"
                )
            return "failed" if outcome == "completed" else outcome

    def _end_job_on_device(self, outcome: JobOutcome) -> JobOutcome:
        """Let the device model finish the job (quirks, replay checks); its failure fails the job."""
        if self.device_gone:
            return outcome
        try:
            self.channel.end_job()
        except (DeviceError, DeviceGone) as exc:
            self._error("endPrintJob", "device", str(exc))
            return "failed" if outcome == "completed" else outcome
        return outcome

    def _cleanup_after_cancel(self) -> JobOutcome:
        self.cancel_acknowledged = True
        self.status.state = "cancelling"
        self._call("endPrintJob", [self.context, self.stream], interruptible=False)
        if self.settings.soft_reset_on_cancel:
            try:
                self.channel.soft_reset()
                self._note("soft reset sent to the device after cancel")
            except Exception as exc:
                self._error("endPrintJob", "device", f"soft reset after cancel failed: {exc}")
        return "cancelled"

    # -- helpers ----------------------------------------------------------------------------
    @property
    def write_signature(self) -> str:
        chosen = self.settings.write_signature
        if chosen != "auto":
            return chosen
        params = self.engine.entry_points.get("writePrintData", [])
        return "docs" if len(params) > 1 and "progress" in params[1].lower() else "sample"

    def _call(
        self, entry: str, args: list[Any], extra: list[Any] | None = None, interruptible: bool = True
    ) -> CallResult:
        interrupt = self.handle.cancel_event if interruptible else None
        result, _ = self.caller.call(entry, args, extra=extra or (), interrupt=interrupt)
        self.status.pages_printed = self.context.printed_pages
        self.status.bytes_to_device = self._sent()
        return result

    def _pump_status(self) -> None:
        if self.status_poller is not None:
            self.status_poller.pump()

    def _cancelled(self, result: CallResult) -> bool:
        return result.failure is not None and result.failure.kind == "cancelled"

    def _check_cancel(self) -> None:
        if self.handle.cancel_event.is_set():
            raise _JobEnded("cancelled")

    def _sleep(self, seconds: float, raise_on_cancel: bool = True) -> bool:
        woke = self.clock.sleep(seconds, self.handle.cancel_event)
        if woke and raise_on_cancel:
            raise _JobEnded("cancelled")
        return woke

    def _sent(self) -> int:
        return self.channel.bytes_to_device - self.start_device_bytes

    def _device_fault(self, reason: str, gone: bool) -> None:
        self._error(self.caller.current_entry or "writePrintData", "device", reason)
        self.device_gone = self.device_gone or gone

    def _error(self, entry: str, kind: ErrorKind, message: str) -> None:
        self.log.error(entry, kind, message, self.clock.now())

    def _warn(self, message: str) -> None:
        self.log.warn(message)

    def _note(self, message: str) -> None:
        if self.trace:
            self.trace.note(message)

    def _report(self, outcome: JobOutcome, wall: float) -> JobReport:
        """The report; every timestamp in it counts from the job's start."""
        script = self.engine.script
        responses = self.log.responses
        evaluator = self.events or EventEvaluator(SupportedSchema(None, self.device.device_id), None)
        events = evaluator.evaluate(responses)
        for message in evaluator.warnings:
            self._warn(message)
        return JobReport(
            outcome=outcome,
            script=ScriptInfo(
                path=str(script.path),
                sha256=script.sha256,
                write_signature="docs" if self.write_signature == "docs" else "sample",
                encoding=script.encoding,
            ),
            device=DeviceReportInfo(
                spec=self.device.spec, transport=self.device.transport, device_id=self.device.device_id
            ),
            job={
                "source": self.handle.data.label,
                "size": self.handle.data.size,
                "buffer_size": self.settings.buffer_size,
            },
            bytes_submitted=self.handle.data.size,
            bytes_consumed=self.status.bytes_consumed,
            bytes_to_device=self._sent(),
            pages_printed=self.context.printed_pages,
            page_counts=list(self.context.page_history),
            temporary_bytes_left=self.temporary_left,
            calls=self.log.tally.calls_json(),
            return_codes=self.log.tally.codes_json(),
            responses=responses,
            events=events,
            port_status=evaluator.port_status(responses),
            errors=self.log.errors,
            warnings=self.log.warnings,
            duration_s=self.log.since(self.clock.now()),
            wall_s=round(wall, 6),
        )
