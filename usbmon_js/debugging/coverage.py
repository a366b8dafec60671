"""Line, branch and function coverage of a driver script, from the probe's counters.

A line is executable when a statement or a branch test starts on it; its hit count is the most
any statement starting there ran (or, for a test alone on its line, how often it was evaluated).
A branch point (if, ?:, &&, ||, switch) has one counter per arm. The script's top level is not
a function here, as in other JavaScript coverage tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.probe_map import PROGRAM, BranchPoint, FunctionInfo


@dataclass(frozen=True)
class BranchCoverage:
    point: BranchPoint
    taken: tuple[int, ...]  # per arm

    @property
    def line(self) -> int:
        return self.point.line


@dataclass(frozen=True)
class ScriptCoverage:
    path: Path
    source_lines: list[str]
    line_hits: dict[int, int]  # executable line → hits
    branches: list[BranchCoverage]
    functions: list[tuple[FunctionInfo, int]]  # function → calls

    @classmethod
    def from_probe(cls, probe: Probe) -> ScriptCoverage:
        probe_map = probe.map
        counts = probe.snapshot()
        line_hits: dict[int, int] = {}
        for statement in probe_map.statements:
            hits = counts.statements[statement.id]
            line_hits[statement.line] = max(line_hits.get(statement.line, 0), hits)
        branches = [
            BranchCoverage(point, tuple(counts.arms[point.slot : point.slot + len(point.arms)]))
            for point in probe_map.branches
        ]
        for branch in branches:  # a test on a line of its own (`&& x` continued) is executable too
            line_hits[branch.line] = max(line_hits.get(branch.line, 0), sum(branch.taken))
        functions = [(f, counts.functions[f.id]) for f in probe_map.functions if f.id != PROGRAM]
        return cls(probe.script.path, probe_map.lines, dict(sorted(line_hits.items())), branches, functions)

    # -- totals ----------------------------------------------------------------------------
    @property
    def lines_found(self) -> int:
        return len(self.line_hits)

    @property
    def lines_hit(self) -> int:
        return sum(1 for hits in self.line_hits.values() if hits)

    @property
    def branches_found(self) -> int:
        return sum(len(b.taken) for b in self.branches)

    @property
    def branches_hit(self) -> int:
        return sum(1 for b in self.branches for taken in b.taken if taken)

    @property
    def functions_found(self) -> int:
        return len(self.functions)

    @property
    def functions_hit(self) -> int:
        return sum(1 for _, calls in self.functions if calls)

    @property
    def line_rate(self) -> float:
        return self.lines_hit / self.lines_found if self.lines_found else 1.0

    @property
    def branch_rate(self) -> float:
        return self.branches_hit / self.branches_found if self.branches_found else 1.0

    def branches_on(self, line: int) -> list[BranchCoverage]:
        return [b for b in self.branches if b.line == line]

    def summary(self) -> str:
        return (
            f"lines {self.line_rate:.1%} ({self.lines_hit}/{self.lines_found}), "
            f"branches {self.branch_rate:.1%} ({self.branches_hit}/{self.branches_found}), "
            f"functions {self.functions_hit}/{self.functions_found}"
        )
