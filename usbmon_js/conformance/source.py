"""Facts from the script's text: its global names and the syntax it uses.

Running the script tells which entry points are functions; only the text tells why one is
missing (`WritePrintData` in the wrong case, `writePrintData = "todo"`), and which constructs
Windows' script engines (JScript/Chakra, ES5) would reject even though QuickJS accepts them.
"""

from __future__ import annotations

from typing import Any

import esprima

from usbmon_js.conformance.facts import SourceFacts

# Node types (and flags) that ES5 does not have: what a Windows JScript/Chakra engine rejects.
_ES2015_NODES = {
    "ArrowFunctionExpression": "arrow function",
    "ClassDeclaration": "class",
    "ClassExpression": "class",
    "TemplateLiteral": "template literal",
    "TaggedTemplateExpression": "tagged template",
    "ForOfStatement": "for...of",
    "SpreadElement": "spread (...)",
    "RestElement": "rest parameter (...)",
    "AssignmentPattern": "default parameter value",
    "ObjectPattern": "destructuring",
    "ArrayPattern": "destructuring",
    "YieldExpression": "generator (yield)",
    "AwaitExpression": "await",
    "MetaProperty": "new.target",
    "Super": "super",
}
_GLOBAL_HOLDERS = {"globalThis", "self", "window"}


def analyse_source(text: str) -> SourceFacts:
    facts = SourceFacts(non_ascii_line=_first_non_ascii_line(text))
    found: list[tuple[int, str]] = []

    def visit(node: Any, _meta: Any) -> None:
        construct = _es2015_construct(node)
        if construct is not None:
            found.append((node.loc.start.line if node.loc else 0, construct))

    try:
        program = esprima.parseScript(text, {"loc": True, "tolerant": False}, visit)
    except Exception as exc:  # esprima.Error, or RecursionError on absurd nesting
        facts.parsed = False
        facts.parse_error = " ".join(str(exc).split()) or type(exc).__name__
        return facts
    facts.es2015 = sorted(set(found))
    for statement in program.body:
        _collect_globals(statement, facts.globals)
    return facts


def _first_non_ascii_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if any(ord(char) > 0x7F for char in line):
            return number
    return None


def _es2015_construct(node: Any) -> str | None:
    kind = getattr(node, "type", "")
    if kind in _ES2015_NODES:
        return _ES2015_NODES[kind]
    if kind == "VariableDeclaration" and node.kind in ("let", "const"):
        return node.kind
    if kind in ("FunctionDeclaration", "FunctionExpression") and (node.generator or node.isAsync):
        return "generator function" if node.generator else "async function"
    if kind == "Property" and (node.shorthand or node.method or node.computed):
        return "ES2015 object literal shorthand"
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
