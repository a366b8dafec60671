"""The emulated USB path (`emu:sim`): real libusb against an in-process umockdev printer.

`python emu_rate.py MIB` re-executes itself under umockdev-wrapper (libusb must start with the
preload in place) and prints JSON: the raw `UsbPrinter.write` rate in 64 KiB chunks (the
baseline) and the whole-buffer passthrough rate through the full pipeline, both in real time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

MIB = 1 << 20


def measure(size_mib: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, str(size_mib)], capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        raise RuntimeError(f"emu_rate.py failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rates(size: int) -> dict[str, float]:
    from jobs import BUFFER_SIZE, WHOLE_BUFFER, script

    from usbmon_js.clock import RealClock
    from usbmon_js.devices.spec import open_device
    from usbmon_js.portmon.job import JobData
    from usbmon_js.portmon.port import PortMonitor
    from usbmon_js.portmon.settings import PipelineSettings

    job = os.urandom(size)
    device = open_device("emu:sim", RealClock())
    try:
        view = memoryview(job)
        start = time.perf_counter()
        for offset in range(0, size, BUFFER_SIZE):
            chunk = bytes(view[offset : offset + BUFFER_SIZE])
            assert device.model.write(chunk) == len(chunk)
        raw = size / (time.perf_counter() - start)
        settings = PipelineSettings(buffer_size=BUFFER_SIZE)
        with PortMonitor(
            script(WHOLE_BUFFER), device.model, device.info, clock=RealClock(), settings=settings
        ) as port:
            report = port.print_job(JobData.from_bytes(job))
        assert report.outcome == "completed" and report.bytes_to_device == size, report.errors
    finally:
        device.close()
    return {"raw_bytes_per_s": raw, "pipeline_bytes_per_s": size / report.wall_s}


if __name__ == "__main__":
    from usbmon_js.devices.emu.testbed import ensure_mock_environment

    ensure_mock_environment(sys.orig_argv[1:])
    print(json.dumps(_rates(int(sys.argv[1]) * MIB)))
