"""The driver scripts and print jobs the benchmarks push through the host, and the sink printer."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.settings import PipelineSettings

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
# Stashes the whole job in TemporaryStreams[0], as a manual-duplex driver parks odd pages.
STASH = """
function writePrintData(ctx, data, stream, progress) {
  progress.ProcessedByteCount = ctx.TemporaryStreams[0].Write(data);
  return 0;
}
"""
BUFFER_SIZE = 64 << 10
SINK_INFO = DeviceInfo(spec="bench", transport="sim", device_id="")


class CountingPrinter:
    """A printer that takes every byte at once and only counts them: the device costs nothing."""

    def __init__(self) -> None:
        self.received = 0

    def write(self, data: bytes) -> int:
        self.received += len(data)
        return len(data)

    def read(self, size: int) -> bytes:
        return b""


def script(source: str, name: str = "bench.js") -> DriverScript:
    return DriverScript.from_bytes(Path(name), source.encode())


def cold_start_source(size: int) -> str:
    """A driver-sized script (`size` bytes) of data tables, as vendor scripts carry them."""
    filler = "".join(f"var table{i} = [{','.join(str(j) for j in range(40))}];\n" for i in range(size // 130))
    return filler + "function startPrintJob() { return 0; }\n"


class _RepeatingReader:
    def __init__(self, block: bytes, size: int) -> None:
        self._block, self._left, self._at = block, size, 0

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left)
        out = bytearray()
        while len(out) < n:
            piece = self._block[self._at : self._at + n - len(out)]
            out += piece
            self._at = (self._at + len(piece)) % len(self._block)
        self._left -= n
        return bytes(out)

    def __enter__(self) -> _RepeatingReader:
        return self

    def __exit__(self, *_: object) -> None:
        pass


@dataclass(frozen=True)
class GeneratedJob(JobData):
    """A job of `size` bytes made on the fly from a 1 MiB random block: never all in memory."""

    block: bytes = field(default_factory=lambda: os.urandom(1 << 20))

    def open(self) -> _RepeatingReader:  # type: ignore[override]
        return _RepeatingReader(self.block, self.size)


def print_job(source: str, job: JobData, printer: CountingPrinter | None = None) -> float:
    """Seconds to print `job` through `source` on a fresh port (engine start-up not counted)."""
    printer = printer or CountingPrinter()
    settings = PipelineSettings(buffer_size=BUFFER_SIZE)
    with PortMonitor(script(source), printer, SINK_INFO, clock=VirtualClock(), settings=settings) as port:
        handle = port.submit_job(job)
        report = handle.wait()
    assert report.outcome == "completed", report.errors
    return report.wall_s
