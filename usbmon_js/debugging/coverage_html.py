"""The coverage HTML view: one self-contained page, the script with covered and missed lines."""

from __future__ import annotations

import html

from usbmon_js.debugging.coverage import BranchCoverage, ScriptCoverage

_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } .totals span { margin-right: 2em; }
table.src { border-collapse: collapse; font: 13px ui-monospace, monospace; width: 100%; }
table.src td { padding: 0 .6em; white-space: pre; vertical-align: top; }
td.n { color: #888; text-align: right; user-select: none; width: 1%; }
td.h { text-align: right; color: #555; width: 1%; } td.code { width: 100%; }
tr.hit td.code { background: #e6f6e6; } tr.miss td.code { background: #fbe3e3; }
tr.partial td.code { background: #fff4cc; } tr.miss td.h { color: #b00; font-weight: bold; }
.legend span { padding: 0 .5em; margin-right: 1em; }
"""


def to_html(coverage: ScriptCoverage) -> str:
    name = html.escape(coverage.path.name)
    rows = []
    for number, text in enumerate(coverage.source_lines, start=1):
        hits = coverage.line_hits.get(number)
        branches = coverage.branches_on(number)
        css, title = _line_class(hits, branches)
        shown_hits = "" if hits is None else f"{hits}×"
        rows.append(
            f'<tr class="{css}" id="L{number}" title="{html.escape(title)}"><td class="n">{number}</td>'
            f'<td class="h">{shown_hits}</td><td class="code">{html.escape(text)}</td></tr>'
        )
    functions = ", ".join(
        f'<a href="#L{f.line}">{html.escape(f.name)}</a>' for f, calls in coverage.functions if not calls
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Coverage of {name}</title><style>{_STYLE}</style></head>
<body>
<h1>Coverage of {name}</h1>
<p class="totals">
<span>lines <b>{coverage.line_rate:.1%}</b> ({coverage.lines_hit}/{coverage.lines_found})</span>
<span>branches <b>{coverage.branch_rate:.1%}</b> ({coverage.branches_hit}/{coverage.branches_found})</span>
<span>functions <b>{coverage.functions_hit}/{coverage.functions_found}</b></span></p>
<p>Functions never called: {functions or "none"}</p>
<p class="legend"><span style="background:#e6f6e6">ran</span><span style="background:#fbe3e3">never ran</span>
<span style="background:#fff4cc">ran, but a branch was never taken (hover for which)</span></p>
<table class="src">
{chr(10).join(rows)}
</table>
</body></html>
"""


def _line_class(hits: int | None, branches: list[BranchCoverage]) -> tuple[str, str]:
    if hits is None:
        return "", ""
    arms = "; ".join(
        f"{b.point.kind}: "
        + ", ".join(f"{label} {taken}×" for label, taken in zip(b.point.arms, b.taken, strict=True))
        for b in branches
    )
    if not hits:
        return "miss", arms or "never ran"
    if any(not taken for b in branches for taken in b.taken):
        return "partial", arms
    return "hit", arms
