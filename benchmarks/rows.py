"""One benchmark figure, its baseline from the same run, its goal, and how the table shows them.

The machine is noisy (2 shared cores), so a figure on its own means little; each row carries
the baseline it was measured against moments before, and the ratio is what to compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from rich.console import Console
from rich.table import Table

USB2_HS_BYTES_PER_S = 13 * 512 * 8000  # 13 bulk packets of 512 bytes per 125 µs microframe


@dataclass(frozen=True)
class Baseline:
    name: str
    value: float
    unit: str


@dataclass
class Row:
    benchmark: str
    value: float
    unit: str
    baseline: Baseline | None = None
    vs_baseline: float | None = None  # value / baseline value
    vs_usb2_hs: float | None = None  # byte rates only
    vs_node: float | None = None  # the node mock's figure for the same work, in the same run
    goal: str | None = None
    met: bool | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def rate_row(name: str, bytes_per_s: float, baseline: Baseline, **extra: object) -> Row:
    """A byte rate in MB/s with its ratios to `baseline` (also MB/s) and to the USB 2.0 HS line rate."""
    mb_s = bytes_per_s / 1e6
    return Row(
        name,
        mb_s,
        "MB/s",
        baseline,
        vs_baseline=mb_s / baseline.value,
        vs_usb2_hs=bytes_per_s / USB2_HS_BYTES_PER_S,
        **extra,  # type: ignore[arg-type]
    )


def ratio_row(name: str, value: float, unit: str, baseline: Baseline, **extra: object) -> Row:
    return Row(name, value, unit, baseline, vs_baseline=value / baseline.value, **extra)  # type: ignore[arg-type]


def _number(value: float, unit: str) -> str:
    digits = 0 if abs(value) >= 1000 else 2 if abs(value) >= 1 else 3
    return f"{value:,.{digits}f} {unit}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}" if value >= 100 else f"{value:.3g}"


def print_table(title: str, rows: Iterable[Row]) -> None:
    table = Table(title=title)
    for column in ("benchmark", "value", "baseline (same run)", "× baseline", "× USB 2.0 HS", "× node"):
        table.add_column(column, justify="left" if column.startswith(("benchmark", "baseline")) else "right")
    table.add_column("goal")
    table.add_column("met", justify="center")
    for row in rows:
        baseline = (
            f"{row.baseline.name}: {_number(row.baseline.value, row.baseline.unit)}" if row.baseline else "—"
        )
        met = "—" if row.met is None else "yes" if row.met else "NO"
        table.add_row(
            row.benchmark,
            _number(row.value, row.unit),
            baseline,
            _ratio(row.vs_baseline),
            _ratio(row.vs_usb2_hs),
            _ratio(row.vs_node),
            row.goal or "—",
            met,
        )
    Console(width=200).print(table)
