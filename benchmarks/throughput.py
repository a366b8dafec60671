"""Print-data throughput: the pipeline, a raw Python copy of the same data, and the node mock."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from jobs import BUFFER_SIZE, CountingPrinter, print_job

from usbmon_js.portmon.job import JobData

NODE_MOCK = Path(__file__).resolve().parent / "node_mock.js"


def raw_copy_rate(job: bytes, chunk: int = BUFFER_SIZE) -> float:
    """Bytes/s of a plain Python chunk-by-chunk copy: the floor any host in Python starts from."""
    start = time.perf_counter()
    sink = bytearray()
    view = memoryview(job)
    for offset in range(0, len(job), chunk):
        sink += view[offset : offset + chunk]
    return len(job) / (time.perf_counter() - start)


def pipeline_rate(source: str, job: bytes) -> float:
    """Bytes/s of `job` through the whole pipeline (script, bridge, channel) to a counting printer."""
    printer = CountingPrinter()
    seconds = print_job(source, JobData.from_bytes(job), printer)
    assert printer.received == len(job), f"the printer got {printer.received} of {len(job)} bytes"
    return len(job) / seconds


def node_rate(source: str, size: int) -> float | None:
    """Bytes/s of the same script over the node mock, or None without node."""
    node = shutil.which("node")
    if node is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".js") as script:
        script.write(source)
        script.flush()
        out = subprocess.run(
            [node, str(NODE_MOCK), script.name, str(size), str(BUFFER_SIZE)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
    result = json.loads(out)
    return result["bytes"] / result["seconds"]
