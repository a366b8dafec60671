"""Instructions per Bidi Get, counted by valgrind's callgrind: a figure the host's noise cannot move.

Wall-clock figures on this VM move by ±15–30 % between runs, so a change worth 2 % cannot be
seen with a clock at all (performance.md). Callgrind counts the instructions the CPU executes
instead; two runs of the same tree agree to about 0.2 %. Instructions are not time (cache misses
and branch mispredictions do not show), so a change that wins here is still confirmed with the
clock before it is claimed.

    benchmarks/instructions.py                       # this tree
    benchmarks/instructions.py --compare /tmp/base   # this tree against another checkout

The measured process warms up first, then switches callgrind's instrumentation on for exactly
the Gets it counts and ends without switching it off (`os._exit`), so start-up, imports and
shutdown are not in the figure. `make bench` also counts the `exchange` workload, the same
status query done by Python alone on the same printer, as the row's baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARM_UP_STEPS = 200
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


class MeasurementError(RuntimeError):
    """valgrind is missing, or the measured process failed."""


def parse_collected(valgrind_stderr: str) -> int:
    """The instruction count callgrind reports when the measured process ends."""
    match = _COLLECTED.search(valgrind_stderr)
    if match is None:
        raise MeasurementError(f"callgrind reported no instruction count:\n{valgrind_stderr[-2000:]}")
    return int(match.group(1))


def instructions_per(workload: str, count: int, tree: Path = HERE.parent) -> float:
    """Instructions one step of `workload` costs with the `usbmon_js` in `tree`.

    `get`: one Bidi Get of one value on a port's service; `exchange`: the same status query and
    reply done by Python alone on the same printer (the Bidi rows' baseline).
    """
    if workload not in WORKLOADS:
        raise MeasurementError(f"unknown workload {workload!r}; choose from {', '.join(WORKLOADS)}")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise MeasurementError("no valgrind (Debian package valgrind; `make setup` installs it)")
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={Path(scratch) / 'callgrind.out'}",
                sys.executable,
                __file__,
                "--measured-process",
                str(tree),
                workload,
                str(count),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dict layouts in every run
            timeout=900,
            check=False,
        )
    if done.returncode != 0:
        raise MeasurementError(f"the measured process failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return parse_collected(done.stderr) / count


def _bidi_get() -> Callable[[], None]:
    import bidi_rate

    service, clock, _ = bidi_rate.service_on_this_thread()

    def step() -> None:
        report = service.get([bidi_rate.ONE_VALUE])
        clock.advance(3600)  # past every refreshInterval: each Get asks the script
        if not report.ok:
            raise SystemExit(f"the Get failed: {report.errors}")

    return step


def _device_exchange() -> Callable[[], None]:
    import bidi_rate

    channel, clock = bidi_rate.status_channel()

    def step() -> None:
        channel.write(bidi_rate.STATUS_QUERY)
        reply = channel.read(6) + channel.read(4096)
        clock.advance(3600)  # as the Gets do: the printer's input buffer has drained
        if reply[:2] != b"\x1b\x52":
            raise SystemExit(f"the printer answered {reply!r}")

    return step


WORKLOADS: dict[str, Callable[[], Callable[[], None]]] = {"get": _bidi_get, "exchange": _device_exchange}


def _measured_process(tree: Path, workload: str, count: int) -> None:
    """Runs under callgrind: counts `count` steps of `workload` on `tree`'s usbmon_js.

    The workload (bidi_rate.py) always comes from this checkout, so two trees run the same steps.
    """
    sys.path[:0] = [str(tree), str(HERE)]
    import usbmon_js

    if Path(usbmon_js.__file__).resolve().parent != (tree / "usbmon_js").resolve():
        raise SystemExit(f"imported {usbmon_js.__file__}, not the usbmon_js of {tree}")
    step = WORKLOADS[workload]()
    for _ in range(WARM_UP_STEPS):
        step()
    subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(count):
        step()
    sys.stdout.flush()
    os._exit(0)  # no instrumented shutdown; callgrind writes its totals as the process ends


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--measured-process"]:
        _measured_process(Path(args[1]), args[2], int(args[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gets", type=int, default=400, help=f"Gets counted after {WARM_UP_STEPS} warm-up")
    parser.add_argument("--compare", type=Path, metavar="TREE", help="another checkout to measure alongside")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args(args)
    if options.gets < 1:
        parser.error("--gets must be at least 1")
    trees = {"this tree": HERE.parent}
    if options.compare is not None:
        if not (options.compare / "usbmon_js").is_dir():
            print(f"error: {options.compare} is not a usbmon-js checkout", file=sys.stderr)
            return 2
        trees["compared"] = options.compare.resolve()
    try:
        with ThreadPoolExecutor(max_workers=len(trees)) as pool:  # one core each
            measured = pool.map(lambda tree: instructions_per("get", options.gets, tree), trees.values())
            counts = dict(zip(trees, measured, strict=True))
    except MeasurementError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, count in counts.items():
        print(f"{name:10s} {trees[name]}: {count:,.0f} instructions per Bidi Get")
    result: dict[str, object] = {"gets": options.gets, "instructions_per_get": counts}
    if options.compare is not None:
        ratio = counts["this tree"] / counts["compared"]
        result["ratio"] = ratio
        print(f"this tree / compared = {ratio:.4f}")
    if options.json is not None:
        options.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
