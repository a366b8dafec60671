"""`make soak`: many jobs and Bidi queries through one PortMonitor, watching for leaks.

A port monitor lives as long as the spooler: weeks of jobs and status queries through the same
engine, device channel and poller. This drives one PortMonitor (the PJL Bidi sample driver on
its simulated printer, in virtual time) through --jobs jobs and then --queries Bidi requests,
samples resident memory, open file descriptors and threads at intervals, and fails (exit 1)
when any of them grew by more than its bound after the warm-up, or when a job or query went
wrong (a job not completed, a byte miscounted, a Bidi error).

The bounds are about growth, not speed: nothing here is timed except for the table.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from usbmon_js.clock import VirtualClock
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pjl_info_bidi.js"
BIDI_XML = ROOT / "scripts" / "pjl_info_bidi.xml"
PRINTER = ROOT / "fixtures" / "devices" / "pjl_info_bidi_printer.yaml"
JOB = ROOT / "fixtures" / "jobs" / "small_job.prn"
# Every value has a refreshInterval of at most 600 s: moving the clock past it between queries
# makes each Get ask the script (and the printer) again instead of the cache.
STALE_S = 601.0
GETS = [
    ["\\Printer.Status.Summary"],
    ["\\Printer.Configuration"],
    ["\\Printer.Extension:PageCount", "\\Printer.Extension:EconoMode"],
    ["\\Printer.DeviceInfo:Category", "\\Printer.DeviceInfo:Manufacturer"],
]
SETS = [("\\Printer.Extension:EconoMode", "ON"), ("\\Printer.Maintenance:CleanHead", "true")]


@dataclass(frozen=True)
class Sample:
    phase: str
    done: int
    rss_kib: int
    fds: int
    threads: int
    wall_s: float


@dataclass(frozen=True)
class Limits:
    rss_kib: int
    fds: int
    threads: int


def resident_kib() -> int:
    """Current resident set size (VmRSS); the peak from getrusage where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def sample(phase: str, done: int, started: float) -> Sample:
    gc.collect()
    return Sample(
        phase, done, resident_kib(), open_fds(), threading.active_count(), time.monotonic() - started
    )


def growth_problems(samples: list[Sample], warmup: int, limits: Limits) -> list[str]:
    """What grew past its bound, measured from the last sample of the warm-up (index `warmup`)."""
    if len(samples) <= warmup + 1:
        return []
    base, later = samples[warmup], samples[warmup + 1 :]
    problems = []
    for label, field, limit, unit in (
        ("resident memory", "rss_kib", limits.rss_kib, "KiB"),
        ("open file descriptors", "fds", limits.fds, ""),
        ("threads", "threads", limits.threads, ""),
    ):
        worst = max(later, key=lambda s, field=field: getattr(s, field))
        grown = getattr(worst, field) - getattr(base, field)
        if grown > limit:
            problems.append(
                f"{label} grew by {grown}{' ' + unit if unit else ''} after the warm-up "
                f"(bound {limit}; {getattr(base, field)} at {base.phase} {base.done}, "
                f"{getattr(worst, field)} at {worst.phase} {worst.done})"
            )
    return problems


def checkpoints(total: int, count: int) -> set[int]:
    """`count` evenly spaced progress marks in 1..total (always including the last)."""
    return {-(-total * n // count) for n in range(1, count + 1)} if total else set()


def run_phase(
    phase: str, total: int, step: Callable[[int], str | None], marks: int, started: float
) -> Iterator[Sample | str]:
    """Run `step(i)` `total` times, yielding a Sample at each mark and any problem a step reports."""
    due = checkpoints(total, marks)
    for index in range(total):
        problem = step(index)
        if problem is not None:
            yield f"{phase} {index + 1}: {problem}"
        if index + 1 in due:
            yield sample(phase, index + 1, started)


def soak(jobs: int, queries: int, marks: int) -> tuple[list[Sample], list[str]]:
    clock = VirtualClock()
    device = open_device(f"sim:{PRINTER}", clock)
    printer = device.model
    job = JobData.from_file(JOB)
    started = time.monotonic()
    samples = [sample("start", 0, started)]
    problems: list[str] = []
    with PortMonitor(
        DriverScript.from_file(SCRIPT), printer, device.info, clock=clock, bidi_schema=load_bidi_xml(BIDI_XML)
    ) as port:

        def print_one(_: int) -> str | None:
            before = printer.received
            report = port.print_job(job)
            if report.outcome != "completed":
                return f"outcome {report.outcome}: {[e.message for e in report.errors]}"
            if report.bytes_to_device != printer.received - before:
                return f"bytes_to_device {report.bytes_to_device}, printer got {printer.received - before}"
            return None

        def query_one(index: int) -> str | None:
            clock.advance(STALE_S)
            if index % 10 == 9:
                path, value = SETS[(index // 10) % len(SETS)]
                report = port.bidi_set(path, value)
            else:
                report = port.bidi_get(GETS[index % len(GETS)])
            failed = [f"{r.path}: {r.error_name or r.error}" for r in report.results if r.error is not None]
            return f"Bidi errors {failed}" if failed else None

        for phase, total, step in (("jobs", jobs, print_one), ("queries", queries, query_one)):
            for item in run_phase(phase, total, step, marks, started):
                if isinstance(item, Sample):
                    samples.append(item)
                else:
                    problems.append(item)
    device.close()
    return samples, problems


def render(samples: list[Sample], warmup: int, console: Console) -> None:
    table = Table(title="usbmon-js soak: one PortMonitor, virtual time")
    for column in ("phase", "done", "RSS MiB", "Δ RSS KiB", "open fds", "threads", "wall s"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    base = samples[min(warmup, len(samples) - 1)]
    for index, item in enumerate(samples):
        delta = (
            "warm-up"
            if index < warmup
            else ("base" if index == warmup else f"{item.rss_kib - base.rss_kib:+d}")
        )
        table.add_row(
            item.phase,
            str(item.done),
            f"{item.rss_kib / 1024:.1f}",
            delta,
            str(item.fds),
            str(item.threads),
            f"{item.wall_s:.1f}",
        )
    console.print(table)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs to print (default 1000)")
    parser.add_argument("--queries", type=int, default=10000, help="Bidi requests to make (default 10000)")
    parser.add_argument("--samples", type=int, default=10, help="measurements per phase (default 10)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="samples before the baseline: first allocations settle (default 2)",
    )
    parser.add_argument("--max-rss-growth-mib", type=float, default=8.0, help="default 8 MiB")
    parser.add_argument("--max-fd-growth", type=int, default=0, help="default 0")
    parser.add_argument("--max-thread-growth", type=int, default=0, help="default 0")
    parser.add_argument("--json", type=Path, help="also write the samples and the verdict as JSON")
    args = parser.parse_args(argv)
    if min(args.jobs, args.queries, args.warmup) < 0 or args.samples < 1:
        parser.error("--jobs, --queries and --warmup must be 0 or more, --samples at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    samples, problems = soak(args.jobs, args.queries, args.samples)
    limits = Limits(round(args.max_rss_growth_mib * 1024), args.max_fd_growth, args.max_thread_growth)
    problems += growth_problems(samples, args.warmup, limits)
    render(samples, args.warmup, console)
    if args.json is not None:
        verdict = {"samples": [asdict(s) for s in samples], "problems": problems, "limits": asdict(limits)}
        args.json.write_text(json.dumps(verdict, indent=2) + "\n")
    for problem in problems:
        console.print(f"[red]FAIL[/red] {problem}")
    if not problems:
        console.print(f"OK: {args.jobs} jobs and {args.queries} Bidi queries, no growth past the bounds")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
