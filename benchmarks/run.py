"""`make bench`: host throughput and start-up, each figure as a ratio to a baseline from the same run.

The machine is noisy, so absolute numbers mean little; the ratios (to a raw Python chunk copy
measured moments before, and to the USB 2.0 High-Speed bulk line rate) are what to compare.
`--quick` runs tiny sizes (used by the test suite to check the harness itself).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from usbmon_js.clock import VirtualClock
from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.session import DebugSession
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

USB2_HS_BYTES_PER_S = 13 * 512 * 8000  # 53,248,000 B/s
ROOT = Path(__file__).resolve().parent.parent
BIDI_SCRIPT = ROOT / "scripts" / "binary_bidi.js"
BIDI_PRINTER = f"sim:{ROOT / 'fixtures' / 'devices' / 'binary_bidi_printer.yaml'}"
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


def bidi_query_seconds(queries: int, probe: Probe | None) -> float:
    """Seconds per `\\Printer` Get (every value, one getSchemas round trip each), best of three."""
    script = DriverScript.from_file(BIDI_SCRIPT)
    schema = load_bidi_xml(BIDI_SCRIPT.with_suffix(".xml"))
    clock = VirtualClock()
    device = open_device(BIDI_PRINTER, clock)
    watching = probe.watching() if probe is not None else contextlib.nullcontext()
    best = float("inf")
    with watching, PortMonitor(script, device.model, device.info, clock=clock, bidi_schema=schema) as port:
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(queries):
                report = port.bidi_get(["\\Printer"])
                clock.advance(3600)  # past every refreshInterval: the next Get asks the script again
            best = min(best, (time.perf_counter() - start) / queries)
            assert report.ok and report.calls.get("getSchemas"), report.errors
    return best


def instrumented_bidi_rows(queries: int) -> list[dict[str, object]]:
    """The debugger's and coverage's cost on a Bidi query, as a multiple of the plain run."""
    plain = bidi_query_seconds(queries, None)
    script = DriverScript.from_file(BIDI_SCRIPT)
    debug = Probe(script, "debug")
    debug.listener = DebugSession(debug.map)  # attached, no breakpoints: what `debug` costs to run
    rows: list[dict[str, object]] = [
        {"benchmark": "Bidi getSchemas query, plain", "value": plain * 1000, "unit": "ms"},
    ]
    for name, probe in (("under the debugger", debug), ("with coverage", Probe(script, "coverage"))):
        rows.append(
            {
                "benchmark": f"Bidi getSchemas query {name} (× plain; must stay under 5)",
                "value": bidi_query_seconds(queries, probe) / plain,
                "unit": "×",
            }
        )
    return [{**row, "vs_baseline": None, "vs_usb2_hs": None} for row in rows]


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
    rows += instrumented_bidi_rows(5 if args.quick else 200)
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
