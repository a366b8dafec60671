"""`make bench`'s harness runs and writes its results (no timing assertions here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_harness_runs_on_tiny_sizes(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    names = [row["benchmark"] for row in results["rows"]]
    assert names[:2] == ["whole-buffer passthrough", "chunked 4 KiB passthrough"]
    assert all(row["value"] > 0 for row in results["rows"])
    assert "× baseline" in proc.stdout
