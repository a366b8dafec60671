"""Cold start: a new port (engine, shim, script) up to the end of its first startPrintJob.

Measured in a fresh process (`python startup.py SIZE RUNS` prints JSON), alternating with
jsbox alone doing the same work, so both figures see the same machine load and neither
inherits garbage from the rows measured before it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import jsbox
from jobs import SINK_INFO, CountingPrinter, cold_start_source, script

from usbmon_js.clock import VirtualClock
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor


def _cold_start(source: str) -> float:
    """Seconds from nothing to the first job's startPrintJob returned (an empty job)."""
    driver = script(source, "cold.js")
    start = time.perf_counter()
    with PortMonitor(driver, CountingPrinter(), SINK_INFO, clock=VirtualClock()) as port:
        report = port.print_job(JobData.from_bytes(b""))
        elapsed = time.perf_counter() - start
    assert report.calls == {"startPrintJob": 1}, report.calls
    return elapsed


def _bare_engine(source: str) -> float:
    """Seconds for jsbox alone to make a runtime, run the same script and call startPrintJob."""
    start = time.perf_counter()
    runtime = jsbox.Runtime()
    runtime.eval(source)
    runtime.eval("startPrintJob()")
    elapsed = time.perf_counter() - start
    del runtime
    return elapsed


def _medians(size: int, runs: int) -> dict[str, float]:
    source = cold_start_source(size)
    _cold_start(source), _bare_engine(source)  # imports and first-use costs are not start-up
    cold, bare = [], []
    for _ in range(runs):
        cold.append(_cold_start(source))
        bare.append(_bare_engine(source))
    return {"cold_ms": statistics.median(cold) * 1000, "bare_ms": statistics.median(bare) * 1000}


def measure(size: int, runs: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, str(size), str(runs)], capture_output=True, text=True, timeout=600
    )
    if out.returncode != 0:
        raise RuntimeError(f"startup.py failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


if __name__ == "__main__":
    print(json.dumps(_medians(int(sys.argv[1]), int(sys.argv[2]))))
