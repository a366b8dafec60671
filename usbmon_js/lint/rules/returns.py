"""What entry points hand back: a number USBMon understands, on every path (spec §1), and
writePrintData's progress report (spec §1.6)."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint import host_types as ht
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.entry_points import EntryPoint
from usbmon_js.lint.findings import Finding, error, warning
from usbmon_js.lint.flow import completes
from usbmon_js.lint.host_types import ArrayT, HostT
from usbmon_js.lint.jsast import member_name, walk, walk_function_body

RETURN_TYPE = error(
    "RETURN-TYPE",
    "entry points return JS numbers (spec §1); usbmon-js treats anything else as Failure "
    "(decisions.md) and Windows' conversion of a non-number is undocumented",
)
RETURN_CODE = warning(
    "RETURN-CODE",
    "each entry point defines its own return codes (spec §1.1-1.7); any other number is "
    "undocumented and usbmon-js treats it as Failure",
)
RETURN_MISSING = warning(
    "RETURN-MISSING",
    "an entry point that ends without `return <code>` gives USBMon undefined, which is not a "
    "return code (spec §1)",
)
PROGRESS_NOT_SET = warning(
    "PROGRESS-NOT-SET",
    "ProcessedByteCount is 0 at the start of every writePrintData call (decisions.md); a script that "
    "never sets it consumes nothing and the job stalls",
)
RULES = [RETURN_TYPE, RETURN_CODE, RETURN_MISSING, PROGRESS_NOT_SET]


def check(ctx: LintContext) -> Iterator[Finding]:
    for entry in ctx.entries:
        yield from _returns(ctx, entry)
        if entry.name == "writePrintData" and not _sets_progress(ctx):
            yield PROGRESS_NOT_SET.at(
                entry.name_node,
                "writePrintData never sets writePrintDataProgress.ProcessedByteCount: "
                "no data is ever consumed",
            )


def _returns(ctx: LintContext, entry: EntryPoint) -> Iterator[Finding]:
    function = entry.function
    if function.body.type != "BlockStatement":  # an arrow function's expression body
        yield from _value(ctx, entry, function.body)
        return
    for node in walk_function_body(function):
        if node.type != "ReturnStatement":
            continue
        if node.argument is None:
            message = f"`return;` in {entry.name} gives USBMon undefined, not a return code"
            yield RETURN_MISSING.at(node, message)
        else:
            yield from _value(ctx, entry, node.argument)
    if completes(function.body):
        end = function.body.loc.end  # 0-based exclusive end column: the 1-based column of `}`
        yield RETURN_MISSING.at_position(
            end.line,
            end.column,
            f"{entry.name} can reach its end without a return: USBMon gets undefined, not a return code",
        )


def _value(ctx: LintContext, entry: EntryPoint, value: Node) -> Iterator[Finding]:
    if value.type == "ConditionalExpression":
        yield from _value(ctx, entry, value.consequent)
        yield from _value(ctx, entry, value.alternate)
        return
    code = _numeric_value(ctx, value)
    defined = entry.signature.describe_codes()
    if code is not None:
        if code not in entry.signature.codes:
            yield RETURN_CODE.at(
                value, f"{entry.name} returns {_format(code)}, which it does not define ({defined})"
            )
        return
    kind = ctx.types.type_of(value)
    if value.type in ("FunctionExpression", "ArrowFunctionExpression"):
        what = "a function"
    elif kind == ht.OBJECT:
        what = "an object"
    elif kind in (ht.STRING, ht.BOOLEAN, ht.NULL, ht.UNDEFINED):
        what = f"a {kind}" if kind in (ht.STRING, ht.BOOLEAN) else str(kind)
    elif isinstance(kind, ArrayT):
        what = "an Array"
    elif isinstance(kind, HostT):
        what = f"a host object ({kind.iface})"
    else:
        return
    source = ctx.source[value.range[0] : value.range[1]]
    yield RETURN_TYPE.at(
        value,
        f"{entry.name} returns {what} (`{source[:40]}`); USBMon expects a number ({defined})",
    )


def _numeric_value(ctx: LintContext, node: Node) -> float | None:
    if node.type == "Literal" and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if node.type == "UnaryExpression" and node.operator in ("-", "+"):
        inner = _numeric_value(ctx, node.argument)
        return None if inner is None else (-inner if node.operator == "-" else inner)
    name = member_name(node) if node.type == "MemberExpression" else None
    if name is not None and ctx.types.type_of(node.object) == ht.RETURN_CODES:
        return ht.return_code_values().get(name.lower())
    return None


def _format(code: float) -> str:
    return str(int(code)) if float(code).is_integer() else str(code)


def _sets_progress(ctx: LintContext) -> bool:
    """Does anything in the script assign a ProcessedByteCount member (any spelling)?"""
    for node in walk(ctx.program):
        target = None
        if node.type == "AssignmentExpression":
            target = node.left
        elif node.type == "UpdateExpression":
            target = node.argument
        name = member_name(target) if target is not None and target.type == "MemberExpression" else None
        if name is not None and name.lower() == "processedbytecount":
            return True
    return False
