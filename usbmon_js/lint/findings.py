"""What a lint run reports: rules, findings and the report, as pydantic models for `--json`.

Lines and columns are 1-based, like compilers and esprima's own error messages, so
`file:line:col` opens at the right character in an editor. `end_column` is exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Severity(StrEnum):
    """`error`: Windows' engine rejects it, or it can never work under USBMon; `warning`: likely bug."""

    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    """One problem at one place in the script."""

    rule: str
    severity: Severity
    message: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None
    rationale: str

    def location(self, script: str) -> str:
        return f"{script}:{self.line}:{self.column}"


class RuleInfo(BaseModel):
    """A rule as `--rules` lists it."""

    id: str
    severity: Severity
    rationale: str


class LintReport(BaseModel):
    """Everything one lint run found in one script, errors first only by severity count."""

    script: str
    findings: list[Finding] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    entry_points: list[str] = Field(default_factory=list)
    write_signature: str | None = None

    @property
    def has_errors(self) -> bool:
        return self.counts.get(Severity.ERROR.value, 0) > 0

    def rule_ids(self) -> list[str]:
        return [f.rule for f in self.findings]


@dataclass(frozen=True)
class Rule:
    """A lint rule: a stable id, a fixed severity and a one-line rationale tied to the spec."""

    id: str
    severity: Severity
    rationale: str

    def at(self, node: Any, message: str) -> Finding:
        """A finding located at an esprima node (0-based columns there, 1-based here)."""
        start, end = node.loc.start, node.loc.end
        return Finding(
            rule=self.id,
            severity=self.severity,
            message=message,
            line=start.line,
            column=start.column + 1,
            end_line=end.line,
            end_column=end.column + 1,
            rationale=self.rationale,
        )

    def at_position(self, line: int, column: int, message: str) -> Finding:
        """A finding at a 1-based line and column (parse errors, whole-script findings)."""
        return Finding(
            rule=self.id,
            severity=self.severity,
            message=message,
            line=line,
            column=column,
            rationale=self.rationale,
        )

    def info(self) -> RuleInfo:
        return RuleInfo(id=self.id, severity=self.severity, rationale=self.rationale)


def error(rule_id: str, rationale: str) -> Rule:
    return Rule(rule_id, Severity.ERROR, rationale)


def warning(rule_id: str, rationale: str) -> Rule:
    return Rule(rule_id, Severity.WARNING, rationale)
