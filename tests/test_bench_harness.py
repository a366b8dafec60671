"""`make bench`'s harness runs on tiny sizes and reports every figure (no timing assertions here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    "whole-buffer passthrough",
    "chunked 4 KiB passthrough",
    "Bidi getSchemas round trips",
    "cold start",
    "resident memory per open port",
    "resident memory added by a running",
    "RSS growth while",
    "emu:sim whole-buffer passthrough",
)


def test_bench_harness_runs_on_tiny_sizes(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())["rows"]
    names = [row["benchmark"] for row in rows]
    assert names[:2] == ["whole-buffer passthrough", "chunked 4 KiB passthrough"]
    for figure in FIGURES:
        assert any(name.startswith(figure) for name in names), (figure, names)
    assert all(math.isfinite(row["value"]) for row in rows)
    for row in rows:
        if row["unit"] == "MB/s":
            assert row["value"] > 0 and row["vs_usb2_hs"] > 0 and row["baseline"]["value"] > 0
    assert all(row["vs_baseline"] is not None for row in rows if row["baseline"] is not None)
    assert "× baseline" in proc.stdout
