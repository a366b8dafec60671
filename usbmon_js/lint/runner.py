"""Linting one script: read it as USBMon would, parse it, run every rule family, sort the findings."""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import esprima

from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput
from usbmon_js.lint import rules
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, LintReport, Severity
from usbmon_js.lint.rules.es5 import MODULE
from usbmon_js.lint.rules.syntax import SYNTAX

_OPTIONS = {"loc": True, "range": True, "tokens": True, "tolerant": False}
_MODULE_KEYWORD = re.compile(r"(?:import|export)(?![\w$])")
_LINE_PREFIX = re.compile(r"^Line \d+: ")
_RECURSION_LIMIT = 20_000  # esprima and the scope walk recurse once per nesting level


def lint_script(path: Path) -> LintReport:
    """Lint a script file; a missing or undecodable file raises BadInput (exit status 2)."""
    script = DriverScript.from_file(path)
    return lint_source(script.source, str(path))


def lint_source(source: str, name: str = "script.js") -> LintReport:
    """Lint script text already decoded (newlines as LF, as DriverScript gives them)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _RECURSION_LIMIT))
    try:
        findings, ctx = _lint(source, name)
    except RecursionError:
        raise BadInput(f"{name}: the script nests too deeply to be linted") from None
    finally:
        sys.setrecursionlimit(limit)
    unique = {(f.line, f.column, f.rule, f.message): f for f in findings}
    ordered = [unique[key] for key in sorted(unique)]
    counts = Counter(f.severity.value for f in ordered)
    return LintReport(
        script=name,
        findings=ordered,
        counts={severity.value: counts.get(severity.value, 0) for severity in Severity},
        entry_points=[entry.name for entry in ctx.entries] if ctx else [],
        write_signature=_write_signature(ctx),
    )


def _write_signature(ctx: LintContext | None) -> str | None:
    if ctx is None:
        return None
    return next((entry.write_signature for entry in ctx.entries if entry.write_signature), None)


def _lint(source: str, name: str) -> tuple[list[Finding], LintContext | None]:
    try:
        program = esprima.parseScript(source, _OPTIONS)
    except esprima.Error as exc:
        return _unparsed(source, name, exc)
    ctx = LintContext(name, source, program, list(program.tokens or []))
    return list(rules.run(ctx)), ctx


def _newer_syntax(source: str, index: int) -> str | None:
    """Name the ES2018+ construct esprima (an ES2017 parser) stopped at, if it is one."""
    before, at = source[max(0, index - 20) : index], source[index : index + 1]
    if before.endswith("?") and at in ("?", "."):
        return "`??` is ES2020" if at == "?" else "optional chaining `?.` is ES2020"
    if at == "{" and re.search(r"\bcatch\s*$", before):
        return "a catch without a binding is ES2019"
    if at == "*" and re.search(r"\basync\s*(?:function\s*)?$", before):
        return "an async generator is ES2018"
    return None


def _unparsed(source: str, name: str, exc: esprima.Error) -> tuple[list[Finding], LintContext | None]:
    """A parse failure: ES module syntax is reported as such (and linted as a module), the rest as SYNTAX."""
    line, column = exc.lineNumber, exc.column
    description = _LINE_PREFIX.sub("", str(exc.message))
    if not _MODULE_KEYWORD.match(source, exc.index or 0):
        hint = _newer_syntax(source, exc.index or 0)
        if hint:
            description += f" ({hint}; esprima parses up to ES2017 and Windows' engine is ES5)"
        return [SYNTAX.at_position(line, column, description)], None
    try:
        program = esprima.parseModule(source, _OPTIONS)
    except esprima.Error:  # not a valid module either: report the first module keyword only
        return [MODULE.at_position(line, column, "`import`/`export` (ES module syntax)")], None
    module_syntax = [node for node in program.body if node.type.startswith(("Import", "Export"))]
    ctx = LintContext(name, source, program, list(program.tokens or []), module_syntax)
    return list(rules.run(ctx)), ctx
