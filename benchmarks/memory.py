"""Resident memory, each measurement in a fresh process (`python memory.py MODE N` prints JSON).

ports N  RSS added per open port (engine, shim, a 35 KB script, the port's worker thread)
bare N   RSS added per bare jsbox runtime running the same script: the baseline
job MIB  peak RSS added while one MIB job runs through an open port
flat MIB RSS growth while a MIB job is stashed in TemporaryStreams (they spill to disk)
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1 << 20
COLD_SCRIPT_BYTES = 35 * 1024


def rss() -> int:
    """This process's resident set size in bytes, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class PeakSampler:
    """Samples RSS every few milliseconds on a thread; `samples` keeps (bytes done, RSS) pairs."""

    def __init__(self, progress: Callable[[], int] = lambda: 0) -> None:
        self.peak = rss()
        self.samples: list[tuple[int, int]] = []
        self._progress = progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            now = rss()
            self.peak = max(self.peak, now)
            self.samples.append((self._progress(), now))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def per_port(count: int) -> dict[str, float]:
    from jobs import SINK_INFO, CountingPrinter, cold_start_source, script

    from usbmon_js.clock import VirtualClock
    from usbmon_js.portmon.port import PortMonitor

    driver = script(cold_start_source(COLD_SCRIPT_BYTES), "cold.js")
    PortMonitor(driver, CountingPrinter(), SINK_INFO, clock=VirtualClock()).close()  # warm imports
    before = rss()
    ports = [PortMonitor(driver, CountingPrinter(), SINK_INFO, clock=VirtualClock()) for _ in range(count)]
    added = rss() - before
    for port in ports:
        port.close()
    return {"bytes_per_port": added / count}


def per_bare_runtime(count: int) -> dict[str, float]:
    import jsbox
    from jobs import cold_start_source

    source = cold_start_source(COLD_SCRIPT_BYTES)
    jsbox.Runtime().eval(source)
    before = rss()
    runtimes = []
    for _ in range(count):
        runtime = jsbox.Runtime()
        runtime.eval(source)
        runtimes.append(runtime)
    return {"bytes_per_runtime": (rss() - before) / count}


def _run_job(source: str, size: int) -> tuple[PeakSampler, int, object]:
    from jobs import BUFFER_SIZE, SINK_INFO, CountingPrinter, GeneratedJob, script

    from usbmon_js.clock import VirtualClock
    from usbmon_js.portmon.port import PortMonitor
    from usbmon_js.portmon.settings import PipelineSettings

    job = GeneratedJob("generated", size)
    settings = PipelineSettings(buffer_size=BUFFER_SIZE)
    with PortMonitor(
        script(source), CountingPrinter(), SINK_INFO, clock=VirtualClock(), settings=settings
    ) as port:
        idle = rss()
        handle = port.submit_job(job)
        with PeakSampler(lambda: handle.status.bytes_consumed) as sampler:
            report = handle.wait()
    assert report.outcome == "completed", report.errors
    return sampler, idle, report


def job_peak(size: int) -> dict[str, float]:
    from jobs import WHOLE_BUFFER

    sampler, idle, _ = _run_job(WHOLE_BUFFER, size)
    return {"peak_bytes_added": sampler.peak - idle}


def stash_growth(size: int) -> dict[str, float]:
    """RSS at the end of the job minus RSS once 1/16 of it was stashed: ~0 when memory is flat."""
    from jobs import STASH

    sampler, idle, report = _run_job(STASH, size)
    early = [r for done, r in sampler.samples if done >= size // 16] or [idle]
    return {
        "growth_bytes": sampler.samples[-1][1] - early[0] if sampler.samples else 0,
        "peak_bytes_added": sampler.peak - idle,
        "stashed_bytes": sum(report.temporary_bytes_left),  # type: ignore[attr-defined]
    }


MODES = {"ports": per_port, "bare": per_bare_runtime, "job": job_peak, "flat": stash_growth}


def measure(mode: str, amount: int) -> dict[str, float]:
    """Run one mode in a fresh Python process and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, mode, str(amount)], capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        raise RuntimeError(f"memory.py {mode} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


if __name__ == "__main__":
    mode, amount = sys.argv[1], int(sys.argv[2])
    started = time.perf_counter()
    result = MODES[mode](amount if mode in ("ports", "bare") else amount * MIB)
    print(json.dumps({**result, "seconds": time.perf_counter() - started}))
