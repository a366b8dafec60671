"""Process isolation: a port's scripts run in a worker process that can die without taking the host.

These tests kill workers for real (SIGKILL from outside, or the watchdog's own kill of a wedged
call) and check that only that job fails, with exactly the bytes the device received.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.portmon.isolation import IsolatedPort, PortRecipe
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.settings import PipelineSettings

ROOT = Path(__file__).resolve().parent.parent
PASSTHROUGH = DriverScript.from_bytes(
    Path("passthrough.js"),
    b"function writePrintData(ctx, data, stream, progress) {\n"
    b"  progress.ProcessedByteCount = stream.Write(data);\n  return 0;\n}\n",
)
JOB = bytes(range(256)) * 1200  # 307200 bytes, 5 buffers of 64 KiB
WEDGING_MODEL = '''
import time

class Wedging:
    """Accepts 100000 bytes, then blocks inside write() forever: a native call that never returns."""

    def __init__(self):
        self.received = 0

    def write(self, data):
        if self.received >= 100000:
            time.sleep(3600)
        count = min(len(data), 100000 - self.received)
        self.received += count
        return count

    def read(self, size):
        return b""
'''


def slow_printer(tmp_path: Path) -> str:
    fixture = tmp_path / "slow.yaml"
    fixture.write_text("bytes_per_second: 200000\nbuffer_bytes: 8192\n")
    return f"sim:{fixture}"


def kill_when(port: IsolatedPort, received: int) -> threading.Thread:
    """SIGKILL the port's worker as soon as the device has `received` bytes."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while port.figures.bytes_to_device.value < received and time.monotonic() < deadline:
            time.sleep(0.002)
        os.kill(port.pid, signal.SIGKILL)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_job_in_a_worker_process_delivers_every_byte(tmp_path) -> None:
    out = tmp_path / "device.bin"
    with IsolatedPort(PortRecipe(PASSTHROUGH, device_out=out)) as port:
        first = port.print_job(JobData.from_bytes(JOB))
        second = port.print_job(JobData.from_bytes(JOB[:1000]))
        worker = port.pid
    assert (first.outcome, first.bytes_to_device) == ("completed", len(JOB))
    assert (second.outcome, second.bytes_to_device) == ("completed", 1000)
    assert out.read_bytes() == JOB + JOB[:1000]
    assert worker != os.getpid()


def test_a_killed_worker_fails_only_its_job_with_the_exact_byte_count(tmp_path) -> None:
    out, other_out = tmp_path / "device.bin", tmp_path / "other.bin"
    recipe = PortRecipe(PASSTHROUGH, device_spec=slow_printer(tmp_path), virtual_time=False, device_out=out)
    with (
        IsolatedPort(recipe) as port,
        IsolatedPort(
            PortRecipe(
                PASSTHROUGH, device_spec=slow_printer(tmp_path), virtual_time=False, device_out=other_out
            )
        ) as other,
    ):
        other_report: list = []
        other_thread = threading.Thread(
            target=lambda: other_report.append(other.print_job(JobData.from_bytes(JOB)))
        )
        other_thread.start()
        killer = kill_when(port, 50_000)
        report = port.print_job(JobData.from_bytes(JOB))
        killer.join()
        other_thread.join(60)

        assert report.outcome == "failed"
        assert [e.kind for e in report.errors] == ["crash"]
        assert "killed by signal 9" in report.errors[0].message
        received = out.read_bytes()
        assert report.bytes_to_device == len(received) >= 50_000
        assert received == JOB[: len(received)]
        # The other port, in its own worker, printed its whole job meanwhile.
        assert other_report[0].outcome == "completed"
        assert other_out.read_bytes() == JOB
        # The port starts a new worker and prints the next job normally.
        again = port.print_job(JobData.from_bytes(JOB[:5000]))
        assert (again.outcome, again.bytes_to_device, port.restarts) == ("completed", 5000, 1)
        assert out.read_bytes() == received + JOB[:5000]


def test_a_call_wedged_in_native_code_is_killed_after_its_deadline_and_grace(tmp_path) -> None:
    model = tmp_path / "wedging.py"
    model.write_text(WEDGING_MODEL)
    out = tmp_path / "device.bin"
    recipe = PortRecipe(
        PASSTHROUGH,
        device_spec=f"sim:{model}:Wedging",
        virtual_time=False,
        settings=PipelineSettings(limits=SandboxLimits(call_timeout_s=0.5)),
        grace_s=0.5,
        device_out=out,
    )
    with IsolatedPort(recipe) as port:
        report = port.print_job(JobData.from_bytes(JOB))
        assert report.outcome == "failed"
        assert [(e.kind, e.entry) for e in report.errors] == [("timeout", "writePrintData")]
        assert "did not return within its 0.5 s deadline plus 0.5 s grace" in report.errors[0].message
        assert report.bytes_to_device == 100_000 == len(out.read_bytes())
        # A fresh worker (and a fresh device model) takes the next job.
        assert port.print_job(JobData.from_bytes(JOB[:10])).outcome == "completed"
        assert port.restarts == 1


def test_a_port_that_cannot_open_reports_why() -> None:
    with pytest.raises(BadInput, match="does not exist"):
        IsolatedPort(PortRecipe(PASSTHROUGH, device_spec="sim:/nonexistent/printer.yaml"))


def test_bidi_requests_are_served_by_the_worker() -> None:
    script = DriverScript.from_file(ROOT / "scripts" / "pjl_info_bidi.js")
    recipe = PortRecipe(
        script,
        device_spec=f"sim:{ROOT / 'fixtures' / 'devices' / 'pjl_info_bidi_printer.yaml'}",
        bidi_schema=load_bidi_xml(ROOT / "scripts" / "pjl_info_bidi.xml"),
    )
    with IsolatedPort(recipe) as port:
        report = port.bidi_get(["\\Printer.Configuration"])
    assert report.results and all(result.error is None for result in report.results)


def test_a_cancel_reaches_the_job_in_the_worker(tmp_path) -> None:
    recipe = PortRecipe(PASSTHROUGH, device_spec=slow_printer(tmp_path), virtual_time=False)
    with IsolatedPort(recipe) as port:
        threading.Timer(0.3, port.cancel).start()
        report = port.print_job(JobData.from_bytes(JOB * 4))
    assert report.outcome == "cancelled"
    assert 0 < report.bytes_to_device < len(JOB) * 4


def test_run_isolate_prints_through_a_worker_and_reports_like_an_in_process_run(tmp_path, capsys) -> None:
    import json

    from usbmon_js.cli.main import main

    script = ROOT / "scripts" / "pjl_passthrough.js"
    isolated_out, plain_out = tmp_path / "isolated.bin", tmp_path / "plain.bin"
    assert main(["run", str(script), "--isolate", "--json", "--device-out", str(isolated_out)]) == 0
    isolated = json.loads(capsys.readouterr().out)
    assert main(["run", str(script), "--json", "--device-out", str(plain_out)]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert isolated_out.read_bytes() == plain_out.read_bytes()
    for key in ("outcome", "bytes_to_device", "bytes_consumed", "calls", "return_codes", "responses"):
        assert isolated[key] == plain[key], key


def test_run_isolate_refuses_options_that_need_the_engine_in_process(tmp_path, capsys) -> None:
    from usbmon_js.cli.main import main

    script = str(ROOT / "scripts" / "pjl_passthrough.js")
    assert main(["run", script, "--isolate", "--record", str(tmp_path / "t.json")]) == 2
    assert "--record needs the script engine in this process" in capsys.readouterr().err
