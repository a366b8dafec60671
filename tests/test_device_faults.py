"""Device faults: every job outcome is defined, bounded in time, and counted to the byte.

The fault fixtures in fixtures/devices/faults/ (and the contract-breaking Python models beside
them) run through `sim:` on a VirtualClock, so "bounded in time" is asserted on the simulated
`duration_s` against bounds derived from the settings, never on the wall clock. A representative
subset runs again through `emu:`: the real pyusb/libusb path against an emulated printer, in
real time with short timeouts. Every run checks that `bytes_to_device` is what the device itself
counted and what `--device-out` captured.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from usbmon_js.cli.main import main
from usbmon_js.clock import Clock, RealClock, VirtualClock
from usbmon_js.devices.spec import OpenedDevice, open_device
from usbmon_js.devices.usb.quirks import QuirkTable
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

ROOT = Path(__file__).resolve().parent.parent
FAULTS = ROOT / "fixtures" / "devices" / "faults"
PJL_PASSTHROUGH = ROOT / "scripts" / "pjl_passthrough.js"
PJL_STATUS_QUERY = b"\x1b%-12345X@PJL\r\n@PJL INFO STATUS\r\n\x1b%-12345X"
JOB = bytes(range(256)) * 48  # 12 KiB, every byte value
# No writePrintData: USBMon itself hands the job to the device.
HOST_PASSTHROUGH = "function startPrintJob(ctx, stream) { return 0; }\n"
DEFAULTS = PipelineSettings()
# What one stalled writePrintData call can cost on top of a limit: its Write waits up to the
# write timeout, then the host backs off at most busy_backoff_max_s; endPrintJob and
# pjl_passthrough.js's status read-back (5 empty Reads) add well under a second.
SLACK_S = 1.0


@dataclass
class Run:
    report: JobReport
    device: Any  # the device model itself: its own count of what it received
    captured: bytes  # what the host wrote to --device-out
    observations: list[tuple[int, int]] = field(default_factory=list)

    @property
    def received(self) -> int:
        return self.device.received

    def assert_exact(self, expected: bytes) -> None:
        """The report, the device's own count and the capture agree, and hold a prefix of `expected`."""
        assert self.report.bytes_to_device == self.received == len(self.captured)
        assert self.captured == expected[: len(self.captured)]


def pjl_expected(job: bytes = JOB) -> bytes:
    return PJL_STATUS_QUERY + job


def driver(source: str | Path) -> DriverScript:
    if isinstance(source, Path):
        return DriverScript.from_file(source)
    return DriverScript.from_bytes(Path("driver.js"), source.encode())


def run_job(
    opened: OpenedDevice,
    clock: Clock,
    script: str | Path = PJL_PASSTHROUGH,
    job: bytes = JOB,
    *,
    cancel_at: float | None = None,
    observe_at: tuple[float, ...] = (),
    **settings: Any,
) -> Run:
    sink = io.BytesIO()
    model = opened.emulated.device.model if opened.emulated is not None else opened.model
    observations: list[tuple[int, int]] = []
    with PortMonitor(
        driver(script),
        opened.model,
        opened.info,
        clock=clock,
        settings=PipelineSettings(**settings),
        device_out=sink,
    ) as port:
        handle = port.submit_job(JobData.from_bytes(job))
        if isinstance(clock, VirtualClock):
            for when in observe_at:
                # GET_PORT_STATUS as the host would read it mid-job, with the device's byte count.
                clock.call_at(when, lambda: observations.append((model.received, port.channel.port_status())))
            if cancel_at is not None:
                clock.call_at(cancel_at, handle.cancel)
        report = handle.wait(timeout=120)
    return Run(report, model, sink.getvalue(), observations)


def run_sim(name: str, script: str | Path = PJL_PASSTHROUGH, **kwargs: Any) -> Run:
    clock = VirtualClock()
    return run_job(open_device(f"sim:{FAULTS / name}", clock), clock, script, **kwargs)


OpenEmu = Callable[[str], OpenedDevice]


@pytest.fixture
def emu() -> Iterator[OpenEmu]:
    """Open `emu:` fault devices; each is unplugged from the emulated bus after the test."""
    opened: list[OpenedDevice] = []

    def open_emu(name: str) -> OpenedDevice:
        device = open_device(f"emu:{FAULTS / name}", RealClock(), QuirkTable.load())
        opened.append(device)
        return device

    yield open_emu
    for device in opened:
        device.close()


def kinds(report: JobReport) -> list[str]:
    return [error.kind for error in report.errors]


# --- NAK forever: failed, after the configured limits, not later -------------------------------------


@pytest.mark.parametrize("script", [PJL_PASSTHROUGH, HOST_PASSTHROUGH], ids=["pjl_passthrough", "host"])
@pytest.mark.parametrize(("no_progress", "write_timeout"), [(60.0, 10.0), (20.0, 3.0)])
def test_a_printer_that_naks_forever_fails_with_no_progress_within_the_configured_bound(
    script: str | Path, no_progress: float, write_timeout: float
) -> None:
    run = run_sim(
        "nak_forever.yaml", script, no_progress_timeout_s=no_progress, write_timeout_s=write_timeout
    )
    report = run.report
    assert report.outcome == "failed"
    assert "no_progress" in kinds(report)
    assert run.received == 2048
    expected = pjl_expected() if script == PJL_PASSTHROUGH else JOB
    run.assert_exact(expected)
    assert report.calls.get("endPrintJob", 0) <= 1
    # The last byte went through within the first Write; the job then fails at the first check
    # after `no_progress` s without progress, and one more stalled call may still be running.
    budget = no_progress + 2 * write_timeout + DEFAULTS.busy_backoff_max_s + SLACK_S
    assert no_progress <= report.duration_s <= budget


def test_a_spooler_cancel_ends_a_naking_job_at_once() -> None:
    run = run_sim("nak_forever.yaml", cancel_at=30.0)
    assert run.report.outcome == "cancelled"
    assert run.received == 2048
    run.assert_exact(pjl_expected())
    # Cancel interrupts the Write waiting on the device at that instant; cleanup sends nothing.
    assert 30.0 <= run.report.duration_s <= 30.0 + SLACK_S
    assert run.report.calls["endPrintJob"] == 1


# --- stalls and short writes: completed, every byte once ----------------------------------------------


def test_a_stall_longer_than_the_write_timeout_delays_the_job_but_it_completes() -> None:
    run = run_sim("stall_past_write_timeout.yaml")
    report = run.report
    assert report.outcome == "completed", report.errors
    assert run.captured == pjl_expected()
    run.assert_exact(pjl_expected())
    assert report.bytes_consumed == len(JOB)
    # Write came back with nothing during the stall, so the driver answered DeviceBusy.
    assert report.return_codes["writePrintData"].get("3", 0) >= 1
    stall = 25.0
    assert (
        stall <= report.duration_s <= stall + DEFAULTS.write_timeout_s + DEFAULTS.busy_backoff_max_s + SLACK_S
    )


@pytest.mark.parametrize("script", [PJL_PASSTHROUGH, HOST_PASSTHROUGH], ids=["pjl_passthrough", "host"])
def test_short_writes_deliver_every_byte_exactly_once(script: str | Path) -> None:
    run = run_sim("short_writes.yaml", script)
    assert run.report.outcome == "completed", run.report.errors
    expected = pjl_expected() if script == PJL_PASSTHROUGH else JOB
    assert run.captured == expected
    run.assert_exact(expected)
    assert run.report.duration_s <= SLACK_S  # partial acceptance is not a refusal: no waiting


# --- disconnects: failed with a device error and exact counts -----------------------------------------


def test_an_unplug_inside_a_write_fails_the_job_with_exactly_what_got_through() -> None:
    run = run_sim("disconnect_mid_transfer.yaml")
    report = run.report
    assert report.outcome == "failed"
    assert report.bytes_to_device == 5000
    run.assert_exact(pjl_expected())
    device_error = next(error for error in report.errors if error.kind == "device")
    assert "gone" in device_error.message and device_error.entry == "writePrintData"
    assert report.calls["endPrintJob"] == 1  # EndDocPort still runs
    assert report.duration_s <= SLACK_S


def test_a_printer_gone_before_the_first_byte_fails_in_start_print_job() -> None:
    run = run_sim("dead_on_arrival.yaml")
    assert run.report.outcome == "failed"
    assert run.report.calls == {"startPrintJob": 1}
    assert run.captured == b"" and run.report.bytes_to_device == run.received == 0
    assert "device" in kinds(run.report)


# --- garbage and oversized replies -----------------------------------------------------------------


@pytest.mark.parametrize("device", ["garbage_replies.yaml", "hostile_models.py:FloodingPrinter"])
def test_garbage_or_oversized_replies_change_nothing_that_is_sent(device: str) -> None:
    run = run_sim(device)
    assert run.report.outcome == "completed", run.report.errors
    assert run.captured == pjl_expected()
    run.assert_exact(pjl_expected())
    # The reply did not parse as PJL status, so the script reported no printer state.
    assert not [r for r in run.report.responses if r.path == "\\Printer.Status.Summary:State"]


READ_SIZES = """
function startPrintJob(ctx, stream, responses) {
  var sizes = [];
  for (var i = 0; i < 4; i++) sizes.push(stream.Read(16).length);
  responses.AddString("\\\\Printer.Extension:ReadSizes", sizes.join(","));
  return 0;
}
"""


def test_an_oversized_reply_is_handed_to_the_script_in_pieces_of_the_size_it_asked_for() -> None:
    run = run_sim("hostile_models.py:FloodingPrinter", READ_SIZES)
    assert run.report.outcome == "completed"
    assert [r.value for r in run.report.responses] == ["16,16,16,16"]
    run.assert_exact(JOB)


# --- port status changing mid-job -----------------------------------------------------------------------

FLAPPING = [(0, 0x18), (3000, 0x30), (6000, 0x18), (9000, 0x38)]  # as port_status_flapping.yaml says


def expected_status(received: int) -> int:
    return [value for after, value in FLAPPING if after <= received][-1]


def test_port_status_changes_mid_job_are_what_the_host_reads_and_leave_the_job_alone() -> None:
    # 4000 bytes/s and a 2 KiB buffer: the 12 KiB job takes about 3 s of simulated time.
    run = run_sim("port_status_flapping.yaml", observe_at=tuple(0.1 * n for n in range(1, 40)))
    assert run.report.outcome == "completed", run.report.errors
    run.assert_exact(pjl_expected())
    assert run.observations, "the job never waited on the device"
    for received, status in run.observations:
        assert status == expected_status(received), (received, hex(status))
    seen = [status for _, status in run.observations]
    assert {0x18, 0x30, 0x38} <= set(seen)
    assert 2.0 <= run.report.duration_s <= 4.0  # 12372 bytes at 4000 bytes/s, minus the 2 KiB buffer


# --- device models that break the contract ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "received", "reason"),
    [
        ("OverclaimingPrinter", 1000, "claimed"),
        ("CrashingPrinter", 1500, "firmware assertion failed"),
        ("NonsensePrinter", 0, "must return a count"),
    ],
)
def test_a_device_model_that_breaks_the_contract_fails_the_job_with_a_device_error(
    model: str, received: int, reason: str
) -> None:
    run = run_sim(f"hostile_models.py:{model}")
    assert run.report.outcome == "failed"
    assert run.received == received
    run.assert_exact(pjl_expected())
    assert any(error.kind == "device" and reason in error.message for error in run.report.errors)


def test_usb_only_faults_do_not_apply_to_the_simulated_printer() -> None:
    run = run_sim("double_stall.yaml")
    assert run.report.outcome == "completed"
    assert run.captured == pjl_expected()


# --- the command line -----------------------------------------------------------------------------------


def test_the_cli_reports_a_naking_printer_as_failed_with_exact_figures(tmp_path: Path, capsys) -> None:
    out = tmp_path / "device.bin"
    job = tmp_path / "job.prn"
    job.write_bytes(JOB)
    code = main(
        [
            "run",
            str(PJL_PASSTHROUGH),
            "--device",
            f"sim:{FAULTS / 'nak_forever.yaml'}",
            "--job",
            str(job),
            "--no-progress-timeout",
            "5",
            "--device-out",
            str(out),
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 3
    assert report["outcome"] == "failed"
    assert report["bytes_to_device"] == 2048 == len(out.read_bytes())
    assert out.read_bytes() == pjl_expected()[:2048]
    assert any(error["kind"] == "no_progress" for error in report["errors"])
    assert 5.0 <= report["duration_s"] <= 5.0 + 2 * DEFAULTS.write_timeout_s + SLACK_S + 1


# --- the same faults through pyusb/libusb (emu:), in real time -----------------------------------------

# Real time: small limits keep a NAK-forever job to a few seconds.
EMU_SETTINGS: dict[str, Any] = {"write_timeout_s": 0.3, "no_progress_timeout_s": 0.8}


def run_emu(open_emu: OpenEmu, name: str, script: str | Path = PJL_PASSTHROUGH) -> Run:
    return run_job(open_emu(name), RealClock(), script, **EMU_SETTINGS)


def test_emu_an_unplug_inside_a_transfer_counts_what_libusb_transferred(emu: OpenEmu) -> None:
    run = run_emu(emu, "disconnect_mid_transfer.yaml")
    assert run.report.outcome == "failed"
    assert run.report.bytes_to_device == 5000
    run.assert_exact(pjl_expected())
    assert any(e.kind == "device" and "disconnected" in e.message for e in run.report.errors)


def test_emu_a_second_stall_after_clear_halt_fails_counting_the_bytes_that_got_through(emu: OpenEmu) -> None:
    # Regression: the bytes sent before the second STALL used to be left out of bytes_to_device.
    run = run_emu(emu, "double_stall.yaml")
    assert run.report.outcome == "failed"
    assert run.received == 4000
    run.assert_exact(pjl_expected())
    assert any(e.kind == "device" and "stalled again" in e.message for e in run.report.errors)


def test_emu_a_printer_that_naks_forever_fails_with_no_progress(emu: OpenEmu) -> None:
    run = run_emu(emu, "nak_forever.yaml")
    assert run.report.outcome == "failed"
    assert "no_progress" in kinds(run.report)
    assert run.received == 2048
    run.assert_exact(pjl_expected())


def test_emu_short_writes_deliver_every_byte_exactly_once(emu: OpenEmu) -> None:
    run = run_emu(emu, "short_writes.yaml")
    assert run.report.outcome == "completed", run.report.errors
    assert run.captured == pjl_expected()
    run.assert_exact(pjl_expected())


def test_emu_an_oversized_reply_is_split_across_transfers_not_a_crash(emu: OpenEmu) -> None:
    # Regression: a model read() longer than the URB aborted the whole process inside umockdev.
    run = run_emu(emu, "hostile_models.py:FloodingPrinter", READ_SIZES)
    assert run.report.outcome == "completed"
    assert [r.value for r in run.report.responses] == ["16,16,16,16"]
    run.assert_exact(JOB)


@pytest.mark.parametrize(("model", "received"), [("OverclaimingPrinter", 1000), ("CrashingPrinter", 1500)])
def test_emu_a_model_failing_mid_transfer_is_a_transfer_error_with_exact_counts(
    emu: OpenEmu, model: str, received: int
) -> None:
    # Regression: the bytes a model took before failing inside a URB were lost to the host.
    run = run_emu(emu, f"hostile_models.py:{model}")
    assert run.report.outcome == "failed"
    assert run.received == received
    run.assert_exact(pjl_expected())
    assert "device" in kinds(run.report)


def test_emu_port_status_read_over_usb_follows_the_printer_during_the_job(emu: OpenEmu) -> None:
    device = emu("port_status_flapping.yaml")
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(device.model.port_status())  # GET_PORT_STATUS on the control pipe
            done.wait(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        run = run_job(device, RealClock(), job=JOB[:9400], **EMU_SETTINGS)  # past the last change at 9000
    finally:
        done.set()
        watcher.join()
    assert run.report.outcome == "completed", run.report.errors
    run.assert_exact(pjl_expected(JOB[:9400]))
    changes = [status for i, status in enumerate(seen) if i == 0 or seen[i - 1] != status]
    remaining = iter(value for _, value in FLAPPING)
    assert all(status in remaining for status in changes), [hex(status) for status in changes]
    assert device.model.port_status() == 0x38
