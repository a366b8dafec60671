"""Facts from the script's text: its global names and the syntax it uses.

Running the script tells which entry points are functions; only the text tells why one is
missing (`WritePrintData` in the wrong case, `writePrintData = "todo"`), and which constructs
Windows' script engines (JScript/Chakra, ES5) would reject even though QuickJS accepts them: those
are the linter's ES5 findings (`usbmon_js.lint.rules.es5`), so both commands report the same.
"""

from __future__ import annotations

from typing import Any

import esprima

from usbmon_js.conformance.facts import SourceFacts
from usbmon_js.errors import BadInput
from usbmon_js.lint import Finding, lint_source
from usbmon_js.lint.rules import es5, syntax

_GLOBAL_HOLDERS = {"globalThis", "self", "window"}
_SYNTAX_RULES = frozenset(rule.id for rule in [*es5.RULES, *syntax.RULES])


def analyse_source(text: str, name: str) -> SourceFacts:
    facts = SourceFacts(non_ascii_line=_first_non_ascii_line(text), beyond_es5=_beyond_es5(text, name))
    try:
        program = esprima.parseScript(text, {"loc": True, "tolerant": False})
    except Exception as exc:  # esprima.Error, or RecursionError on absurd nesting
        facts.parsed = False
        facts.parse_error = " ".join(str(exc).split()) or type(exc).__name__
        return facts
    for statement in program.body:
        _collect_globals(statement, facts.globals)
    return facts


def _beyond_es5(text: str, name: str) -> list[Finding]:
    """The linter's findings of syntax Windows' ES5 engine rejects (a SYNTAX finding: newer than ES2017)."""
    try:
        report = lint_source(text, name)
    except BadInput:  # nests too deeply to lint: nothing to say about its syntax
        return []
    return [finding for finding in report.findings if finding.rule in _SYNTAX_RULES]


def _first_non_ascii_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if any(ord(char) > 0x7F for char in line):
            return number
    return None


def _collect_globals(statement: Any, into: dict[str, tuple[int, str]]) -> None:
    """Top-level names: function declarations, `var`s, and assignments to (implicit) globals."""
    line = statement.loc.start.line if statement.loc else 0
    kind = statement.type
    if kind == "FunctionDeclaration" and statement.id is not None:
        into.setdefault(statement.id.name, (line, "function"))
    elif kind == "VariableDeclaration":
        for declarator in statement.declarations:
            if declarator.id.type == "Identifier":
                into.setdefault(declarator.id.name, (line, _value_kind(declarator.init)))
    elif kind == "ExpressionStatement":
        expression = statement.expression
        while expression is not None and expression.type == "AssignmentExpression":
            name = _assigned_name(expression.left)
            if name is not None:
                into.setdefault(name, (line, _value_kind(expression.right)))
            expression = expression.right


def _assigned_name(target: Any) -> str | None:
    if target.type == "Identifier":
        return target.name
    if target.type == "MemberExpression" and not target.computed and target.property.type == "Identifier":
        holder = target.object
        if holder.type == "ThisExpression" or (
            holder.type == "Identifier" and holder.name in _GLOBAL_HOLDERS
        ):
            return target.property.name
    return None


def _value_kind(value: Any) -> str:
    if value is None:
        return "undefined"
    if value.type in ("FunctionExpression", "ArrowFunctionExpression"):
        return "function"
    if value.type == "AssignmentExpression":
        return _value_kind(value.right)
    return value.type
