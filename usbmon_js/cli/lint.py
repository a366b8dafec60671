"""`usbmon-js lint SCRIPT.js`: static ES5/Windows-compatibility and host-API findings, no device needed.

Exit status: 0 no error finding (warnings allowed) · 3 at least one error finding (a syntax error
included: the file was read, it just does not parse) · 2 bad input (missing or undecodable file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from usbmon_js.errors import BadInput
from usbmon_js.lint import LintReport, all_rules, lint_script
from usbmon_js.lint.findings import Finding, Severity

EXIT_CLEAN = 0
EXIT_BAD_INPUT = 2
EXIT_FINDINGS = 3  # like a failed job: something in the script cannot work on Windows
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow"}


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "lint",
        help="static ES5/Windows-compatibility and host-API findings",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("script", nargs="?", type=Path, help="the driver script (.js)")
    p.add_argument("--json", action="store_true", help="print the report (with --rules: the rules) as JSON")
    p.add_argument("--rules", action="store_true", help="list every rule with its severity and rationale")


def main(args: argparse.Namespace) -> int:
    if args.rules:
        return _list_rules(args.json)
    if args.script is None:
        return _bad_input("lint: give the driver script to check (or --rules)")
    try:
        report = lint_script(args.script)
    except BadInput as exc:
        return _bad_input(str(exc))
    if args.json:
        print(json.dumps(report.model_dump(mode="json")))
    else:
        _render(report)
    return EXIT_FINDINGS if report.has_errors else EXIT_CLEAN


def _bad_input(message: str) -> int:
    print(f"usbmon-js: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def format_finding(script: str, finding: Finding) -> str:
    """`file:line:col: severity RULE-ID message`, the way compilers print diagnostics."""
    return f"{finding.location(script)}: {finding.severity.value} {finding.rule} {finding.message}"


def summary(report: LintReport) -> str:
    errors = report.counts.get(Severity.ERROR.value, 0)
    warnings = report.counts.get(Severity.WARNING.value, 0)
    if not errors and not warnings:
        return f"{report.script}: no findings"
    return (
        f"{report.script}: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )


def _render(report: LintReport) -> None:
    if not sys.stdout.isatty():
        for finding in report.findings:
            print(format_finding(report.script, finding))
        print(summary(report))
        return
    console = Console(highlight=False, soft_wrap=True)
    for finding in report.findings:
        console.print(
            f"[bold]{escape(finding.location(report.script))}:[/] "
            f"[{_STYLE[finding.severity]}]{finding.severity.value}[/] "
            f"[dim]{finding.rule}[/] {escape(finding.message)}"
        )
    style = "bold red" if report.has_errors else ("yellow" if report.findings else "green")
    console.print(f"[{style}]{escape(summary(report))}[/]")


def _list_rules(as_json: bool) -> int:
    rules = [rule.info() for rule in all_rules()]
    if as_json:
        print(json.dumps([rule.model_dump(mode="json") for rule in rules]))
        return EXIT_CLEAN
    width = max(len(rule.id) for rule in rules)
    for rule in rules:
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.rationale}")
    return EXIT_CLEAN
