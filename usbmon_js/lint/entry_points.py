"""The entry points USBMon calls, what it passes to each, and where a script defines them.

Parameter types follow spec §1 by position. `writePrintData` has two documented orders; as in
decisions.md, a second parameter whose name contains "progress" means the docs order.
"""

from __future__ import annotations

from dataclasses import dataclass

from esprima.nodes import Node

from usbmon_js.engine.quickjs import ENTRY_POINTS
from usbmon_js.lint import host_types as ht
from usbmon_js.lint.host_types import JsType
from usbmon_js.lint.jsast import is_function


@dataclass(frozen=True)
class Signature:
    """What the host passes (name as in the spec, type) and which return codes mean something."""

    params: tuple[tuple[str, JsType], ...]
    codes: dict[int, str]  # the return codes the spec defines for this entry point, with their meaning
    section: str  # where usbmon-js-api.md documents the entry point

    def describe_codes(self) -> str:
        return ", ".join(f"{code} {meaning}" for code, meaning in self.codes.items())

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params)


_SCRIPT_CONTEXT = ("scriptContext", ht.SCRIPT_CONTEXT)
_JOB_CONTEXT = ("jobScriptContext", ht.JOB_CONTEXT)
_STREAM = ("printerStream", ht.PRINTER_STREAM)
_RESPONSES = ("printerBidiSchemaResponses", ht.RESPONSES)
_DATA = ("printData", ht.PRINT_DATA)
_PROGRESS = ("writePrintDataProgress", ht.PROGRESS)
_STATUS_CODES = {0: "Success", 2: "stop polling"}
_JOB_CODES = {0: "Success", 1: "Failure", 2: "Retry", 3: "DeviceBusy", 4: "AbortTheJob"}
SIGNATURES: dict[str, Signature] = {
    "getSchemas": Signature(
        (_SCRIPT_CONTEXT, _STREAM, ("schemaRequests", ht.SCHEMA_REQUESTS), _RESPONSES),
        {0: "Success", 1: "call again with the requery keys"},
        "§1.1",
    ),
    "setSchema": Signature(
        (_SCRIPT_CONTEXT, _STREAM, ("printerBidiSchemaElement", ht.ELEMENT)),
        {0: "Success", 1: "not ready, call again"},
        "§1.2",
    ),
    "getStatus": Signature((_SCRIPT_CONTEXT, _STREAM, _RESPONSES), _STATUS_CODES, "§1.3"),
    "requestStatus": Signature((_SCRIPT_CONTEXT, _STREAM, _RESPONSES), _STATUS_CODES, "§1.4"),
    "startPrintJob": Signature((_JOB_CONTEXT, _STREAM, _RESPONSES), {0: "Success", 1: "Failure"}, "§1.5"),
    # Microsoft's runnable sample order, the default
    "writePrintData": Signature((_JOB_CONTEXT, _DATA, _STREAM, _PROGRESS, _RESPONSES), _JOB_CODES, "§1.6"),
    "endPrintJob": Signature(
        (_JOB_CONTEXT, _STREAM, _RESPONSES), {0: "Success", 1: "Failure", 2: "Retry"}, "§1.7"
    ),
}
WRITE_DOCS_ORDER = Signature((_JOB_CONTEXT, _PROGRESS, _DATA, _STREAM, _RESPONSES), _JOB_CODES, "§1.6")


def is_docs_order(param_names: list[str]) -> bool:
    """Does writePrintData declare the documented order (progress second; decisions.md)?"""
    return len(param_names) > 1 and "progress" in param_names[1].lower()


assert tuple(SIGNATURES) == ENTRY_POINTS


@dataclass(frozen=True)
class GlobalFunction:
    """A function the script makes global: `function f(){}`, `var f = function…`, `f = function…`."""

    name: str
    function: Node
    name_node: Node

    @property
    def param_names(self) -> list[str]:
        return [p.name if p.type == "Identifier" else "" for p in self.function.params]


@dataclass(frozen=True)
class EntryPoint:
    name: str
    function: Node
    name_node: Node
    signature: Signature
    write_signature: str | None  # "sample" | "docs" for writePrintData


def global_functions(program: Node) -> list[GlobalFunction]:
    """Functions bound to global names at the top level of the script, in source order.

    Aliases of another global function (`var getSchemas = myGetSchemas;`) count as that function.
    """
    found: list[GlobalFunction] = []
    aliases: list[tuple[Node, Node]] = []  # (target name node, aliased identifier)
    for statement in _top_level(program):
        if statement.type == "VariableDeclaration":
            aliases += [
                (d.id, d.init)
                for d in statement.declarations
                if d.id.type == "Identifier" and d.init is not None and d.init.type == "Identifier"
            ]
        elif statement.type == "ExpressionStatement":
            expression = statement.expression
            if (
                expression.type == "AssignmentExpression"
                and expression.operator == "="
                and expression.left.type == "Identifier"
                and expression.right.type == "Identifier"
            ):
                aliases.append((expression.left, expression.right))
        found += _functions_of(statement)
    by_name = {fn.name: fn for fn in found}
    for target, source in aliases:
        if source.name in by_name:
            found.append(GlobalFunction(target.name, by_name[source.name].function, target))
    return found


def _top_level(program: Node) -> list[Node]:
    statements = []
    for statement in program.body:
        if statement.type in ("ExportNamedDeclaration", "ExportDefaultDeclaration"):
            statement = statement.declaration
        if statement is not None:
            statements.append(statement)
    return statements


def _functions_of(statement: Node) -> list[GlobalFunction]:
    if statement.type == "FunctionDeclaration" and statement.id is not None:
        return [GlobalFunction(statement.id.name, statement, statement.id)]
    if statement.type == "VariableDeclaration":
        return [
            GlobalFunction(declarator.id.name, declarator.init, declarator.id)
            for declarator in statement.declarations
            if declarator.id.type == "Identifier" and is_function(declarator.init)
        ]
    if statement.type == "ExpressionStatement":
        return _assigned_functions(statement.expression)
    return []


def _assigned_functions(expression: Node) -> list[GlobalFunction]:
    """`f = function…`, `this.f = function…`, and chains `a = b = function…`."""
    found: list[GlobalFunction] = []
    while expression.type == "AssignmentExpression" and expression.operator == "=":
        target = expression.left
        value = expression.right
        while value.type == "AssignmentExpression" and value.operator == "=":
            value = value.right
        if is_function(value):
            if target.type == "Identifier":
                found.append(GlobalFunction(target.name, value, target))
            elif (
                target.type == "MemberExpression"
                and target.object.type == "ThisExpression"
                and not target.computed
            ):
                found.append(GlobalFunction(target.property.name, value, target.property))
        expression = expression.right
    return found


def entry_points(functions: list[GlobalFunction]) -> list[EntryPoint]:
    """The exact-named entry points; the last definition wins, as at run time."""
    chosen: dict[str, GlobalFunction] = {}
    for fn in functions:
        if fn.name in SIGNATURES:
            chosen[fn.name] = fn
    result = []
    for name in ENTRY_POINTS:
        if name not in chosen:
            continue
        fn = chosen[name]
        signature, order = SIGNATURES[name], None
        if name == "writePrintData":
            docs = is_docs_order(fn.param_names)
            signature, order = (WRITE_DOCS_ORDER, "docs") if docs else (signature, "sample")
        result.append(EntryPoint(name, fn.function, fn.name_node, signature, order))
    return result
