"""The conformance checks: a registry of stable ids, what each guards against, and its verdicts.

Vendors wire `usbmon-js conform` into CI and track checks by id across releases, so an id is
never reused or renumbered; a retired check keeps its number free. Each check says why it exists
in terms of the spec (`usbmon-js-api.md`, `decisions.md`), and whether failing it would break
printing under USBMon (mandatory, gates the exit status) or is a style/portability finding
(advisory, reported only).

The runner gathers facts by running the script (runner.py); a check only looks at those facts,
so checks are cheap, independent and deterministic.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from usbmon_js.conformance.facts import Facts

Severity = Literal["mandatory", "advisory"]
Status = Literal["passed", "failed", "skipped"]
Category = Literal["loading", "return_codes", "job", "status", "bidi", "robustness", "scenario"]

MAX_EVIDENCE = 12  # per check, after merging: enough to see the pattern, short enough to read
CATEGORIES: tuple[Category, ...] = (
    "loading",
    "return_codes",
    "job",
    "status",
    "bidi",
    "robustness",
    "scenario",
)


class Evidence(BaseModel):
    """One observation behind a verdict: where it happened and what was seen."""

    model_config = ConfigDict(extra="forbid")

    message: str
    scenario: str | None = Field(None, description="the run (device scenario) it was seen in")
    call: str | None = Field(None, description="entry point or host member")
    arguments: str | None = Field(None, description="the call's arguments, bytes summarised")
    return_code: int | None = None
    location: str | None = Field(None, description="script.js:line:col")
    bytes: str | None = Field(None, description="byte counts or an excerpt of the bytes concerned")
    t: float | None = Field(None, description="seconds from the start of the run (host clock)")

    def line(self) -> str:
        """The evidence as one line, for tables and JUnit messages."""
        parts = [f"[{self.scenario}]"] if self.scenario else []
        if self.call and not self.message.startswith(self.call):
            parts.append(self.call + (f" → {self.return_code}" if self.return_code is not None else ""))
        parts.append(self.message)
        if self.location:
            parts.append(f"at {self.location}")
        return " ".join(parts)

    def text(self) -> str:
        """The evidence with every field, for the body of a JUnit failure."""
        lines = [self.line()]
        for label, value in (
            ("arguments", self.arguments),
            ("bytes", self.bytes),
            ("t", f"{self.t:.3f} s" if self.t is not None else None),
        ):
            if value:
                lines.append(f"    {label}: {value}")
        return "\n".join(lines)


class CheckResult(BaseModel):
    id: str
    title: str
    category: Category
    severity: Severity
    status: Status
    reason: str | None = Field(None, description="why the check was skipped")
    rationale: str
    evidence: list[Evidence] = Field(default_factory=list)
    time_s: float = 0.0

    @property
    def summary(self) -> str:
        """One line: the reason of a skip, else the first evidence."""
        if self.status == "skipped":
            return self.reason or ""
        if not self.evidence:
            return ""
        more = f" (+{len(self.evidence) - 1} more)" if len(self.evidence) > 1 else ""
        return self.evidence[0].line() + more


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: tuple[Evidence, ...] = ()
    reason: str | None = None


def passed(*evidence: Evidence | str) -> Verdict:
    return Verdict("passed", _evidence(evidence))


def failed(*evidence: Evidence | str) -> Verdict:
    """Failed, with one evidence item per distinct finding (at most MAX_EVIDENCE, then a count)."""
    merged = merge_runs(_evidence(evidence))
    if len(merged) > MAX_EVIDENCE:
        left = len(merged) - (MAX_EVIDENCE - 1)
        merged = (*merged[: MAX_EVIDENCE - 1], Evidence(message=f"… and {left} more finding(s) like these"))
    return Verdict("failed", merged)


def skipped(reason: str) -> Verdict:
    return Verdict("skipped", reason=reason)


def judge(problems: list[Evidence], ok: Evidence | str) -> Verdict:
    """Failed with every problem found, or passed with what was looked at."""
    return failed(*problems) if problems else passed(ok)


def merge_runs(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """One item per distinct finding: the same error in ten scenarios is listed once, naming them."""
    merged: dict[tuple[object, ...], tuple[Evidence, list[str]]] = {}
    for item in evidence:
        key = (item.message, item.call, item.location, item.return_code, item.bytes)
        if key in merged:
            if item.scenario and item.scenario not in merged[key][1]:
                merged[key][1].append(item.scenario)
        else:
            merged[key] = (item, [item.scenario] if item.scenario else [])
    result = []
    for item, scenarios in merged.values():
        if len(scenarios) > 1:
            shown = ", ".join(scenarios[:4]) + (f" +{len(scenarios) - 4}" if len(scenarios) > 4 else "")
            item = item.model_copy(update={"scenario": shown})
        result.append(item)
    return tuple(result)


def _evidence(items: tuple[Evidence | str, ...]) -> tuple[Evidence, ...]:
    return tuple(item if isinstance(item, Evidence) else Evidence(message=item) for item in items)


Evaluator = Callable[["Facts"], Verdict]
Needed = TypeVar("Needed")


@dataclass(frozen=True)
class Check:
    id: str
    category: Category
    severity: Severity
    title: str
    rationale: str
    evaluate: Evaluator

    def run(self, facts: Facts) -> CheckResult:
        started = time.perf_counter()
        verdict = self.evaluate(facts)
        return self.result(verdict, time.perf_counter() - started)

    def result(self, verdict: Verdict, elapsed: float = 0.0) -> CheckResult:
        return CheckResult(
            id=self.id,
            title=self.title,
            category=self.category,
            severity=self.severity,
            status=verdict.status,
            reason=verdict.reason,
            rationale=self.rationale,
            evidence=list(verdict.evidence),
            time_s=round(elapsed, 6),
        )


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str, category: Category, severity: Severity, title: str, rationale: str
) -> Callable[[Evaluator], Evaluator]:
    """Register an evaluator under a stable id (ids are unique for ever)."""

    def register(evaluate: Evaluator) -> Evaluator:
        if check_id in REGISTRY:
            raise ValueError(f"conformance check {check_id} is registered twice")
        REGISTRY[check_id] = Check(check_id, category, severity, title, " ".join(rationale.split()), evaluate)
        return evaluate

    return register


def check_when(
    needs: Callable[[Facts], Needed | str],
    check_id: str,
    category: Category,
    severity: Severity,
    title: str,
    rationale: str,
) -> Callable[[Callable[[Facts, Needed], Verdict]], Callable[[Facts, Needed], Verdict]]:
    """Register a check that needs some facts: `needs` gives them, or a string saying why the check
    is skipped; the evaluator is called with the facts and what `needs` gave."""

    def register(evaluate: Callable[[Facts, Needed], Verdict]) -> Callable[[Facts, Needed], Verdict]:
        def guarded(facts: Facts) -> Verdict:
            found = needs(facts)
            return skipped(found) if isinstance(found, str) else evaluate(facts, found)

        check(check_id, category, severity, title, rationale)(guarded)
        return evaluate

    return register
