"""`make bench`: one table of host throughput, Bidi, start-up and memory, each against a baseline.

The machine is noisy, so absolute numbers mean little; every figure carries a baseline measured
in the same run (a raw Python copy of the same data, the USB 2.0 High-Speed line rate, the node
mock, jsbox alone, Python alone on the same printer) and the ratio is what to compare across
commits. Results are also written as JSON. `--quick` runs tiny sizes: it only checks the harness.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bidi_rate
import emu_rate
import memory
import startup
from instructions import MeasurementError, instructions_per
from jobs import CHUNKED_4K, WHOLE_BUFFER
from rows import USB2_HS_BYTES_PER_S, Baseline, Row, print_table, rate_row, ratio_row
from throughput import node_rate, pipeline_rate, raw_copy_rate

MIB = 1 << 20
CONCURRENT_CLIENTS = 4


def throughput_rows(size: int) -> tuple[list[Row], Baseline]:
    job = os.urandom(size)
    baseline = Baseline("raw Python 64 KiB chunk copy", raw_copy_rate(job) / 1e6, "MB/s")
    rows = []
    goals = {"whole-buffer passthrough": 53.2, "chunked 4 KiB passthrough": 25.0}
    node = {
        name: node_rate(source, size) for name, source in (("whole", WHOLE_BUFFER), ("chunked", CHUNKED_4K))
    }
    for (name, source), key in zip(
        (("whole-buffer passthrough", WHOLE_BUFFER), ("chunked 4 KiB passthrough", CHUNKED_4K)),
        ("whole", "chunked"),
        strict=True,
    ):
        rate = pipeline_rate(source, job)
        node_bps = node[key]
        goal = goals[name]
        met = rate / 1e6 >= goal and (key != "whole" or node_bps is None or rate > node_bps)
        rows.append(
            rate_row(
                name,
                rate,
                baseline,
                vs_node=rate / node_bps if node_bps else None,
                goal=f"≥ {goal} MB/s" + (", > node" if key == "whole" else ""),
                met=met,
            )
        )
    for key, label in (("whole", "whole-buffer"), ("chunked", "chunked 4 KiB")):
        if node[key] is not None:
            rows.append(rate_row(f"node mock, {label} passthrough (reference)", node[key], baseline))
    return rows, baseline


def bidi_rows(queries: int) -> list[Row]:
    exchange = bidi_rate.device_exchange_seconds(queries)
    baseline = Baseline("same query/reply by Python alone", 1 / exchange, "/s")
    rows = []
    for name, per_get in (
        ("on the port's thread", bidi_rate.service_get_seconds(bidi_rate.ONE_VALUE, queries)),
        (
            f"from {CONCURRENT_CLIENTS} client threads at once",
            bidi_rate.concurrent_get_seconds(bidi_rate.ONE_VALUE, CONCURRENT_CLIENTS, queries),
        ),
        ("from a client thread", bidi_rate.bidi_get_seconds(bidi_rate.ONE_VALUE, queries)),
    ):
        rows.append(
            ratio_row(
                f"Bidi getSchemas round trips {name} (1 value, 1 device query)",
                1 / per_get,
                "/s",
                baseline,
                goal="≥ 5,000 /s",
                met=1 / per_get >= 5000,
            )
        )
    hop = bidi_rate.thread_hop_seconds(queries)
    rows.append(
        Row(
            "thread hand-off client → port worker → client (no work)",
            hop * 1e6,
            "µs",
            Baseline("Bidi Get from a client thread", 1e6 / rows[-1].value, "µs"),
            vs_baseline=hop * rows[-1].value,
        )
    )
    plain, ratios = bidi_rate.instrumented_ratios(max(queries // 4, 5))
    rows.append(Row("Bidi getSchemas query, plain", plain * 1000, "ms"))
    for name, ratio in ratios.items():
        rows.append(
            Row(
                f"Bidi getSchemas query {name} (× plain; must stay under 5)",
                ratio,
                "×",
                goal="< 5 ×",
                met=ratio < 5,
            )
        )
    return rows


def instruction_rows(gets: int) -> list[Row]:
    """Instructions per Get under callgrind: the figure that does not move with the host's load."""
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:  # one valgrind per core
            get, exchange = pool.map(lambda workload: instructions_per(workload, gets), ("get", "exchange"))
    except MeasurementError as exc:
        print(f"instructions: row skipped: {exc}")
        return []
    baseline = Baseline("same query/reply by Python alone", exchange, "instr")
    return [
        ratio_row(
            "Bidi getSchemas round trip on the port's thread, instructions per Get (callgrind; "
            "±0.2 % between runs, the figure to compare across commits)",
            get,
            "instr",
            baseline,
        )
    ]


def startup_rows(runs: int) -> list[Row]:
    times = startup.measure(memory.COLD_SCRIPT_BYTES, runs)
    baseline = Baseline("jsbox alone: runtime + script + call", times["bare_ms"], "ms")
    cold = times["cold_ms"]
    return [
        ratio_row(
            "cold start (engine + 35 KB script + startPrintJob)",
            cold,
            "ms",
            baseline,
            goal="≤ 5 ms",
            met=cold <= 5,
        )
    ]


def memory_rows(ports: int, job_mib: int, flat_mib: int) -> list[Row]:
    bare = memory.measure("bare", ports)["bytes_per_runtime"] / MIB
    baseline = Baseline("bare jsbox runtime + same script", bare, "MiB")
    per_port = memory.measure("ports", ports)["bytes_per_port"] / MIB
    job = memory.measure("job", job_mib)["peak_bytes_added"] / MIB
    flat = memory.measure("flat", flat_mib)
    growth = flat["growth_bytes"] / MIB
    return [
        ratio_row(
            "resident memory per open port", per_port, "MiB", baseline, goal="≤ 2 MiB", met=per_port <= 2
        ),
        ratio_row(f"resident memory added by a running {job_mib} MiB job", job, "MiB", baseline),
        Row(
            f"RSS growth while a {flat_mib} MiB job is stashed in TemporaryStreams",
            growth,
            "MiB",
            Baseline("bytes stashed", flat["stashed_bytes"] / MIB, "MiB"),
            vs_baseline=growth / max(flat["stashed_bytes"] / MIB, 1e-9),
            goal="flat (≤ 16 MiB)",
            met=growth <= 16,
        ),
    ]


def emu_rows(size_mib: int) -> list[Row]:
    try:
        rates = emu_rate.measure(size_mib)
    except RuntimeError as exc:
        print(f"emu: row skipped: {exc}")
        return []
    baseline = Baseline(
        "raw UsbPrinter.write, 64 KiB, same emu device", rates["raw_bytes_per_s"] / 1e6, "MB/s"
    )
    return [
        rate_row(
            f"emu:sim whole-buffer passthrough ({size_mib} MiB)", rates["pipeline_bytes_per_s"], baseline
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: check the harness runs")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"), help="where to save results")
    parser.add_argument("--job-mib", type=int, default=64, help="size of the throughput job")
    parser.add_argument(
        "--flat-mib", type=int, default=1024, help="size of the job stashed for the memory row"
    )
    parser.add_argument("--emu-mib", type=int, default=16, help="size of the job sent through emu:")
    args = parser.parse_args()
    if args.quick:
        args.job_mib, args.flat_mib, args.emu_mib = 0, 2, 1
    size = (256 << 10) if args.quick else args.job_mib * MIB
    started = time.perf_counter()

    rows, baseline = throughput_rows(size)
    rows += bidi_rows(20 if args.quick else 2000)
    rows += instruction_rows(5 if args.quick else 400)
    rows += startup_rows(3 if args.quick else 21)
    rows += memory_rows(4 if args.quick else 20, max(args.job_mib, 1), args.flat_mib)
    rows += emu_rows(args.emu_mib)

    print_table(
        f"usbmon-js benchmarks: {size / MIB:g} MiB job in 64 KiB buffers; USB 2.0 HS line rate "
        f"{USB2_HS_BYTES_PER_S / 1e6:.1f} MB/s; {time.perf_counter() - started:.0f} s",
        rows,
    )
    args.json.write_text(
        json.dumps(
            {
                "job_bytes": size,
                "baseline_mb_s": baseline.value,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "rows": [row.to_json() for row in rows],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
