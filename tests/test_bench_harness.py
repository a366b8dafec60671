"""`make bench`'s harness runs on tiny sizes and reports every figure (no timing assertions here)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    "whole-buffer passthrough",
    "chunked 4 KiB passthrough",
    "Bidi getSchemas round trips",
    "Bidi getSchemas round trip on the port's thread, instructions per Get",
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


def test_instruction_counter_counts_a_get_of_this_tree(tmp_path: Path) -> None:
    out = tmp_path / "instructions.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "instructions.py"), "--gets", "5", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    counted = json.loads(out.read_text())["instructions_per_get"]["this tree"]
    # A Get runs the script, three host calls and the report: far more than an empty loop,
    # far less than the start-up and imports the count leaves out (billions of instructions).
    assert 100_000 < counted < 5_000_000
    assert "instructions per Bidi Get" in proc.stdout


def test_instruction_counter_refuses_a_tree_that_is_not_a_checkout(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "instructions.py"), "--compare", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "is not a usbmon-js checkout" in proc.stderr


def _instructions_module():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import instructions
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return instructions


def test_instruction_counter_reports_a_missing_count_instead_of_a_number() -> None:
    instructions = _instructions_module()
    assert instructions.parse_collected("==1== Events    : Ir\n==1== Collected : 123456\n") == 123456
    with pytest.raises(instructions.MeasurementError, match="no instruction count"):
        instructions.parse_collected("==1== valgrind: something went wrong\n")


def test_instruction_counter_without_valgrind_says_so(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    instructions = _instructions_module()
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    assert instructions.main(["--gets", "3"]) == 1
    assert "no valgrind" in capsys.readouterr().err
