"""`conform --html`: one self-contained page: the verdict, the failed checks, a timeline per
scenario, then every check.

A table says *that* a job failed on the stalling printer; the timeline shows *how*: which calls
ran when (host clock), what each returned, how the printer's received bytes grew, where the
errors and the cancel fell. Plain inline SVG and CSS, no script, so the file can be attached to
a CI run and opened anywhere. The timelines come before the full table so that a reader (and the
test that opens the page in Chromium) sees them without scrolling past every passed check; each
is an `<svg class="timeline" id="timeline-<scenario>">`.
"""

from __future__ import annotations

from html import escape

from usbmon_js.conformance.checks import CheckResult
from usbmon_js.conformance.report import ConformanceReport, ScenarioSummary

WIDTH, LEFT, RIGHT = 960, 120, 20
LANE, GAP = 18, 6
CURVE_HEIGHT = 70
COLOURS = {
    "startPrintJob": "#4e79a7",
    "writePrintData": "#59a14f",
    "endPrintJob": "#9c755f",
    "getStatus": "#b07aa1",
    "requestStatus": "#b07aa1",
}
CODE_COLOURS = {1: "#e15759", 2: "#f28e2b", 3: "#edc948", 4: "#e15759"}
ERROR_COLOUR, CANCEL_COLOUR = "#c0392b", "#8e44ad"
_STATUS_CLASS = {"passed": "ok", "failed": "bad", "skipped": "skip"}

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:24px}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.ok{color:#2a7d2a}.bad{color:#c0392b;font-weight:bold}.skip{color:#888}.adv.bad{color:#b7791f}
.ev{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;color:#444}
section{margin:18px 0 30px}svg{background:#fafafa;border:1px solid #e5e5e5}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
"""


def html_report(report: ConformanceReport) -> str:
    verdict = "CONFORMANT" if report.ok else "NOT CONFORMANT"
    summary = report.summary
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>usbmon-js conform {escape(report.script['path'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(report.script['path'])}: "
        f"<span class='{'ok' if report.ok else 'bad'}'>{verdict}</span></h1>",
        f"<p>{summary.total} checks: {summary.passed} passed, {summary.failed} failed "
        f"({summary.mandatory_failed} mandatory, {summary.advisory_failed} advisory), "
        f"{summary.skipped} skipped. "
        f"Device {escape(report.device)}; Bidi XML {escape(report.bidi_xml or 'none')}; "
        f"{escape(report.timestamp)}.</p>",
        *(["<h2>Failed checks</h2>", _checks_table(report.failed())] if report.failed() else []),
        "<h2 id='timelines'>Scenarios</h2>",
        _legend(),
        *(_scenario(scenario) for scenario in report.scenarios),
        "<h2 id='checks'>All checks</h2>",
        _checks_table(report.checks),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _checks_table(results: list[CheckResult]) -> str:
    rows = ["<table><tr><th>id</th><th>status</th><th>severity</th><th>check</th><th>evidence</th></tr>"]
    for result in results:
        css = _STATUS_CLASS[result.status] + (" adv" if result.severity == "advisory" else "")
        evidence = (
            escape(result.reason or "")
            if result.status == "skipped"
            else escape("\n".join(e.text() for e in result.evidence[:6]))
        )
        rows.append(
            f"<tr><td>{result.id}</td><td class='{css}'>{result.status}</td><td>{result.severity}</td>"
            f"<td title='{escape(result.rationale)}'>{escape(result.title)}</td>"
            f"<td class='ev'>{evidence}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _legend() -> str:
    items = [
        f"<span><i style='background:{c}'></i>{escape(e)}</span>"
        for e, c in COLOURS.items()
        if e != "requestStatus"
    ]
    items += [
        f"<span><i style='background:{c}'></i>returned {code}</span>"
        for code, c in CODE_COLOURS.items()
        if code != 4
    ]
    items.append(f"<span><i style='background:{ERROR_COLOUR}'></i>error</span>")
    items.append(f"<span><i style='background:{CANCEL_COLOUR}'></i>cancel</span>")
    return (
        f"<p class='legend'>{''.join(items)} "
        "<span>(bar outline: the return code when it is not 0, or an error)</span></p>"
    )


def _scenario(scenario: ScenarioSummary) -> str:
    end = max(
        [scenario.duration_s, *(s[2] for s in scenario.call_spans), *(t for t, _ in scenario.device_curve)],
        default=0.0,
    )
    unit = "s (host clock)"
    if end == 0:  # nothing waited: every call at t=0, so show them in order instead
        scenario = scenario.model_copy(
            update={
                "call_spans": [
                    (e, i, i + 0.8, code) for i, (e, _s, _t, code) in enumerate(scenario.call_spans)
                ],
                "device_curve": [],
                "error_marks": [],
            }
        )
        end, unit = float(max(len(scenario.call_spans), 1)), "calls (all at t=0 on the host clock)"
    entries = list(dict.fromkeys(span[0] for span in scenario.call_spans))
    height = len(entries) * (LANE + GAP) + CURVE_HEIGHT + 40

    def x(t: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * t / end

    svg = [
        f"<svg class='timeline' id='timeline-{escape(scenario.name)}' width='{WIDTH}' height='{height}' "
        f"xmlns='http://www.w3.org/2000/svg' font-size='11' role='img' "
        f"aria-label='timeline of the {escape(scenario.name)} scenario'>"
    ]
    for lane, entry in enumerate(entries):
        y = 10 + lane * (LANE + GAP)
        svg.append(f"<text x='4' y='{y + 13}'>{escape(entry)}</text>")
        for name, start, stop, code in scenario.call_spans:
            if name != entry:
                continue
            width = max(x(stop) - x(start), 1.5)
            stroke = ERROR_COLOUR if code is None else CODE_COLOURS.get(code, "none")
            returned = "failed" if code is None else code
            svg.append(
                f"<rect x='{x(start):.1f}' y='{y}' width='{width:.1f}' height='{LANE}' "
                f"fill='{COLOURS.get(entry, '#999')}' stroke='{stroke}' stroke-width='2'>"
                f"<title>{escape(entry)} {start:.3f}-{stop:.3f} s → {returned}</title></rect>"
            )
    top = 10 + len(entries) * (LANE + GAP) + 6
    total = max((count for _, count in scenario.device_curve), default=scenario.bytes_to_device)
    points = " ".join(
        f"{x(t):.1f},{top + CURVE_HEIGHT - CURVE_HEIGHT * count / max(total, 1):.1f}"
        for t, count in scenario.device_curve
    )
    svg.append(f"<text x='4' y='{top + 12}'>bytes to printer</text>")
    svg.append(f"<text x='4' y='{top + 26}' fill='#666'>{total} in all</text>")
    if points:
        svg.append(f"<polyline points='{points}' fill='none' stroke='#4e79a7' stroke-width='1.5'/>")
    for t, text in scenario.error_marks:
        svg.append(
            f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='4' y2='{top + CURVE_HEIGHT}' stroke='{ERROR_COLOUR}' "
            f"stroke-dasharray='3,2'><title>{escape(text)}</title></line>"
        )
    if scenario.cancel_t is not None:
        svg.append(
            f"<line x1='{x(scenario.cancel_t):.1f}' x2='{x(scenario.cancel_t):.1f}' y1='4' "
            f"y2='{top + CURVE_HEIGHT}' stroke='{CANCEL_COLOUR}' stroke-width='2'><title>cancel at "
            f"{scenario.cancel_t:.3f} s</title></line>"
        )
    axis = top + CURVE_HEIGHT + 14
    svg.append(f"<text x='{LEFT}' y='{axis}' fill='#666'>0</text>")
    svg.append(f"<text x='{WIDTH - RIGHT}' y='{axis}' fill='#666' text-anchor='end'>{end:g} {unit}</text>")
    svg.append("</svg>")
    css = "ok" if scenario.outcome == scenario.expect else "bad"
    calls = ", ".join(f"{e} {n}" for e, n in scenario.calls.items())
    return (
        f"<section id='scenario-{escape(scenario.name)}'>"
        f"<h3>{escape(scenario.name)} <small>{escape(scenario.title)}</small></h3>"
        f"<p>outcome <b class='{css}'>{escape(scenario.outcome)}</b> (expected {escape(scenario.expect)}); "
        f"{scenario.bytes_to_device} bytes to the printer of {scenario.bytes_submitted} submitted; "
        f"calls: {escape(calls) or 'none'}; {scenario.errors} error(s)</p>{''.join(svg)}</section>"
    )
