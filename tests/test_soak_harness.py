"""`make soak`'s harness: it runs end to end on tiny counts, and its growth verdict can fail.

No timing assertions: the soak's bounds are about growth after the warm-up, never speed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
SOAK = ROOT / "benchmarks" / "soak.py"


def soak_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", SOAK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_soak_runs_jobs_and_queries_through_one_port_and_reports_its_samples(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(SOAK), "--jobs", "5", "--queries", "20", "--samples", "2", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    verdict = json.loads(out.read_text())
    assert verdict["problems"] == []
    assert [(s["phase"], s["done"]) for s in verdict["samples"]] == [
        ("start", 0),
        ("jobs", 3),
        ("jobs", 5),
        ("queries", 10),
        ("queries", 20),
    ]
    assert all(s["rss_kib"] > 0 and s["fds"] > 0 and s["threads"] >= 1 for s in verdict["samples"])
    assert "RSS MiB" in proc.stdout and "OK: 5 jobs and 20 Bidi queries" in proc.stdout


def test_growth_after_the_warm_up_past_a_bound_is_reported_and_warm_up_growth_is_not() -> None:
    soak = soak_module()

    def at(done: int, rss_kib: int, fds: int = 6, threads: int = 3) -> object:
        return soak.Sample("queries", done, rss_kib, fds, threads, 0.0)

    limits = soak.Limits(rss_kib=1024, fds=0, threads=0)
    # Warm-up: two samples (a 40 MiB jump while the engine starts is fine), then the baseline.
    samples = [at(0, 10_000), at(1, 50_000), at(2, 50_000), at(3, 50_900), at(4, 50_500)]
    assert soak.growth_problems(samples, 2, limits) == []
    leaking = [*samples, at(5, 52_000, fds=8, threads=4)]
    problems = soak.growth_problems(leaking, 2, limits)
    assert len(problems) == 3
    assert problems[0].startswith("resident memory grew by 2000 KiB after the warm-up (bound 1024;")
    assert problems[1].startswith("open file descriptors grew by 2 after the warm-up (bound 0;")
    assert problems[2].startswith("threads grew by 1 after the warm-up (bound 0;")


def test_a_failed_job_or_bidi_error_fails_the_soak_whatever_the_memory() -> None:
    soak = soak_module()
    calls = iter([None, "outcome failed", None])
    items = list(soak.run_phase("jobs", 3, lambda index: next(calls), 1, 0.0))
    assert items[0] == "jobs 2: outcome failed"
    assert isinstance(items[1], soak.Sample) and items[1].done == 3
