"""The conformance report: JSON for tools, JUnit XML for CI dashboards.

The JUnit file has the shape pytest writes (`<testsuites><testsuite><testcase classname=…
name=…>`), so any CI that shows pytest results shows these: one testcase per check, named by its
stable id, classed by category (`usbmon_js.conformance.<category>`). A failed check carries
`<failure type="mandatory|advisory">` with its evidence; a skipped check `<skipped>` with the
reason; a passed one its evidence in `<system-out>`. Advisory failures are failures in the file
too (so they are seen), but only mandatory ones set the exit status. Testcases carry no
`<properties>` (the xunit2 schema pytest follows does not allow them there); severity and title
are in the failure and in the JSON report.
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pydantic import BaseModel, Field

from usbmon_js.conformance.checks import CheckResult
from usbmon_js.conformance.facts import JobRun

SUITE_NAME = "usbmon-js conform"


class ScenarioSummary(BaseModel):
    """One job run: what the timeline in the HTML report shows."""

    name: str
    title: str
    expect: str
    outcome: str
    bytes_submitted: int = 0
    bytes_to_device: int = 0
    duration_s: float = 0.0
    calls: dict[str, int] = Field(default_factory=dict)
    return_codes: dict[str, dict[str, int]] = Field(default_factory=dict)
    errors: int = 0
    # For the HTML timeline only (left out of the JSON): (entry, start, end, return code),
    # (t, bytes the printer had received), (t, error text), the cancel instant.
    call_spans: list[tuple[str, float, float, int | None]] = Field(default_factory=list, exclude=True)
    device_curve: list[tuple[float, int]] = Field(default_factory=list, exclude=True)
    error_marks: list[tuple[float, str]] = Field(default_factory=list, exclude=True)
    cancel_t: float | None = Field(None, exclude=True)

    @classmethod
    def of(cls, run: JobRun) -> ScenarioSummary:
        report = run.report
        received, curve = 0, [(0.0, 0)]
        for t, count in run.device_writes:
            received += count
            curve.append((t, received))
        step = max(len(curve) // 400, 1)  # a few hundred points draw the same line
        return cls(
            name=run.label,
            title=run.title,
            expect=run.expect,
            outcome=run.outcome,
            bytes_submitted=run.job_size,
            bytes_to_device=len(run.device_bytes),
            duration_s=report.duration_s if report else 0.0,
            calls=report.calls if report else {},
            return_codes=report.return_codes if report else {},
            errors=len(report.errors) if report else 0,
            call_spans=_call_spans(run),
            device_curve=[*curve[:-1:step], curve[-1]],
            error_marks=[(e.t, f"{e.entry} {e.kind}: {e.message}") for e in run.errors],
            cancel_t=run.cancel.t if run.cancel is not None and run.cancel.fired else None,
        )


def _call_spans(run: JobRun) -> list[tuple[str, float, float, int | None]]:
    """Entry-point calls from the trace; status polls may run inside a job call's waits."""
    started: dict[str, float] = {}
    spans = []
    for record in run.trace:
        entry, event = record.get("entry", ""), record.get("event")
        if event == "call":
            started[entry] = record.get("t", 0.0)
        elif event == "return" and entry in started:
            spans.append((entry, started.pop(entry), record.get("t", 0.0), record.get("result")))
    return spans


class Summary(BaseModel):
    total: int
    passed: int
    failed: int
    skipped: int
    mandatory_failed: int
    advisory_failed: int


class ConformanceReport(BaseModel):
    script: dict[str, Any]
    device: str
    bidi_xml: str | None = None
    manifest: str | None = None
    checks: list[CheckResult]
    scenarios: list[ScenarioSummary] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    summary: Summary
    ok: bool = Field(description="no mandatory check failed")
    timestamp: str
    wall_s: float = 0.0

    @classmethod
    def build(cls, checks: list[CheckResult], wall_s: float, **fields: Any) -> ConformanceReport:
        counts = Counter(c.status for c in checks)
        failed_by = Counter(c.severity for c in checks if c.status == "failed")
        summary = Summary(
            total=len(checks),
            passed=counts["passed"],
            failed=counts["failed"],
            skipped=counts["skipped"],
            mandatory_failed=failed_by["mandatory"],
            advisory_failed=failed_by["advisory"],
        )
        return cls(
            checks=checks,
            summary=summary,
            ok=summary.mandatory_failed == 0,
            timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
            wall_s=round(wall_s, 3),
            **fields,
        )

    def failed(self, severity: str | None = None) -> list[CheckResult]:
        return [c for c in self.checks if c.status == "failed" and severity in (None, c.severity)]

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    def to_junit(self) -> str:
        return junit_xml(self)


def junit_xml(report: ConformanceReport) -> str:
    summary = report.summary
    total_time = f"{report.wall_s:.3f}"
    counts = {
        "tests": str(summary.total),
        "failures": str(summary.failed),
        "errors": "0",
        "skipped": str(summary.skipped),
        "time": total_time,
    }
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"{SUITE_NAME} {report.script.get('path', '')}",
            **counts,
            "timestamp": report.timestamp,
            "hostname": platform.node() or "localhost",
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("script", report.script.get("path")),
        ("sha256", report.script.get("sha256")),
        ("device", report.device),
        ("bidi_xml", report.bidi_xml),
        ("manifest", report.manifest),
        ("ok", str(report.ok).lower()),
    ):
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": str(value)})
    for result in report.checks:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"usbmon_js.conformance.{result.category}",
                "name": result.id,
                "time": f"{result.time_s:.6f}",
            },
        )
        if result.status == "failed":
            failure = ET.SubElement(
                case,
                "failure",
                {"message": f"[{result.severity}] {result.title}: {result.summary}", "type": result.severity},
            )
            failure.text = "\n".join([result.rationale, "", *(e.text() for e in result.evidence)])
        elif result.status == "skipped":  # pytest's own shape for a skip
            ET.SubElement(case, "skipped", {"message": result.reason or "skipped", "type": "pytest.skip"})
        elif result.evidence:
            ET.SubElement(case, "system-out").text = "\n".join(
                [f"[{result.severity}] {result.title}", *(e.text() for e in result.evidence)]
            )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_text(path: Path, text: str) -> None:
    """Write an output file; the caller turns OSError into bad input."""
    if str(path) == "-":
        print(text, end="")
        return
    path.write_text(text, encoding="utf-8")
