"""`make bench`: host throughput and start-up, each figure as a ratio to a baseline from the same run.

The machine is noisy, so absolute numbers mean little; the ratios (to a raw Python chunk copy
measured moments before, and to the USB 2.0 High-Speed bulk line rate) are what to compare.
`--quick` runs tiny sizes (used by the test suite to check the harness itself).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

USB2_HS_BYTES_PER_S = 13 * 512 * 8000  # 53,248,000 B/s
WHOLE_BUFFER = """
function writePrintData(ctx, data, stream, progress) {
  progress.ProcessedByteCount = stream.Write(data);
  return 0;
}
"""
CHUNKED_4K = """
function writePrintData(ctx, data, stream, progress) {
  progress.ProcessedByteCount = stream.Write(data.slice(0, 4096));
  return 0;
}
"""


class CountingPrinter:
    def __init__(self) -> None:
        self.received = 0

    def write(self, data: bytes) -> int:
        self.received += len(data)
        return len(data)

    def read(self, size: int) -> bytes:
        return b""


def raw_copy_rate(job: bytes, chunk: int) -> float:
    start = time.perf_counter()
    sink = bytearray()
    view = memoryview(job)
    for offset in range(0, len(job), chunk):
        sink += view[offset : offset + chunk]
    return len(job) / (time.perf_counter() - start)


def pipeline_rate(source: str, job: bytes) -> float:
    printer = CountingPrinter()
    script = DriverScript.from_bytes(Path("bench.js"), source.encode())
    info = DeviceInfo(spec="bench", transport="sim", device_id="")
    with PortMonitor(script, printer, info, clock=VirtualClock(), settings=PipelineSettings()) as port:
        start = time.perf_counter()
        report = port.print_job(JobData.from_bytes(job))
        elapsed = time.perf_counter() - start
    assert report.outcome == "completed" and printer.received == len(job), report.errors
    return len(job) / elapsed


def cold_start_ms(script_size: int) -> float:
    filler = "".join(
        f"var table{i} = [{','.join(str(j) for j in range(40))}];\n" for i in range(script_size // 130)
    )
    source = filler + "function startPrintJob() { return 0; }\n"
    script = DriverScript.from_bytes(Path("cold.js"), source.encode())
    info = DeviceInfo(spec="bench", transport="sim", device_id="")
    start = time.perf_counter()
    with PortMonitor(script, CountingPrinter(), info, clock=VirtualClock()) as port:
        port.print_job(JobData.from_bytes(b""))
        elapsed = time.perf_counter() - start
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness runs")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to save results")
    args = parser.parse_args()
    size = (256 << 10) if args.quick else (16 << 20)
    job = os.urandom(size)

    baseline = raw_copy_rate(job, 64 << 10)
    rows = []
    for name, source in (
        ("whole-buffer passthrough", WHOLE_BUFFER),
        ("chunked 4 KiB passthrough", CHUNKED_4K),
    ):
        rate = pipeline_rate(source, job)
        rows.append(
            {
                "benchmark": name,
                "value": rate / 1e6,
                "unit": "MB/s",
                "vs_baseline": rate / baseline,
                "vs_usb2_hs": rate / USB2_HS_BYTES_PER_S,
            }
        )
    cold = cold_start_ms(35 * 1024)
    rows.append(
        {
            "benchmark": "cold start (engine + 35 KB script + startPrintJob)",
            "value": cold,
            "unit": "ms",
            "vs_baseline": None,
            "vs_usb2_hs": None,
        }
    )

    table = Table(
        title=f"usbmon-js benchmarks ({size >> 10} KiB job; baseline: raw Python 64 KiB chunk copy "
        f"{baseline / 1e6:,.0f} MB/s)"
    )
    for column in ("benchmark", "value", "× baseline", "× USB 2.0 HS"):
        table.add_column(column, justify="left" if column == "benchmark" else "right")
    for row in rows:
        ratio = f"{row['vs_baseline']:.4f}" if row["vs_baseline"] is not None else "—"
        usb = f"{row['vs_usb2_hs']:.3f}" if row["vs_usb2_hs"] is not None else "—"
        table.add_row(row["benchmark"], f"{row['value']:,.2f} {row['unit']}", ratio, usb)
    Console().print(table)
    args.json.write_text(
        json.dumps({"job_bytes": size, "baseline_mb_s": baseline / 1e6, "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
