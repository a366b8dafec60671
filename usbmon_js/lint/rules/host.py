"""Host-object misuse: members that do not exist, properties called, read-only members assigned,
wrong argument counts, strings where a byte array is required (spec §2, decisions.md)."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint import host_types as ht
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, error
from usbmon_js.lint.host_types import ArrayT, HostT, Interface, Member
from usbmon_js.lint.jsast import member_name, walk
from usbmon_js.lint.text import suggest

MEMBER = error(
    "HOST-MEMBER",
    "host objects expose only their interface's members (spec §2): an unknown member reads as "
    "undefined, and calling or assigning it throws",
)
CALL_PROPERTY = error(
    "HOST-CALL-PROPERTY",
    "IDL properties are JS properties, not methods (spec §2.0): `ctx.JobPropertyBag()` calls a "
    "non-function and throws TypeError",
)
READONLY = error(
    "HOST-READONLY",
    "assigning a read-only property or a method of a host object throws TypeError (decisions.md, "
    "COM faithfulness)",
)
ARGS = error(
    "HOST-ARGS",
    "COM methods take a fixed number of arguments (spec §2): a call with more or fewer fails with "
    "'wrong number of arguments'",
)
STRING_BYTES = error(
    "HOST-STRING-BYTES",
    "Write, SetBytes and AddBlob take a JS Array of numbers 0–255 (spec §2.0); a string is not a byte "
    "array and throws TypeError",
)
JS_MEMBER_CASE = error(
    "JS-MEMBER-CASE",
    "only host objects resolve names case-insensitively (spec §2.0); the byte arrays and strings "
    "they return are plain JS values, where `Length` is undefined",
)
UNAVAILABLE = error(
    "HOST-UNAVAILABLE",
    "some members exist on the interface but always throw under USBMon: UserProperties is only for "
    "printer extensions and constraints, not USB JavaScript (spec §2.1, decisions.md)",
)
STATUS_WRITE = error(
    "STATUS-WRITE",
    "getStatus gets the device opened read-only and its Write throws (spec §1.3); sending a request "
    "needs requestStatus on a BidiUSBStatusInterface",
)
RULES = [MEMBER, CALL_PROPERTY, READONLY, ARGS, STRING_BYTES, JS_MEMBER_CASE, UNAVAILABLE, STATUS_WRITE]

_ARRAY_MEMBERS = frozenset(
    [
        "length",
        "concat",
        "join",
        "pop",
        "push",
        "reverse",
        "shift",
        "slice",
        "sort",
        "splice",
        "unshift",
        "indexOf",
        "lastIndexOf",
        "every",
        "some",
        "forEach",
        "map",
        "filter",
        "reduce",
        "reduceRight",
        "toString",
        "toLocaleString",
        "valueOf",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
        "constructor",
    ]
)
_STRING_MEMBERS = frozenset(
    [
        "length",
        "charAt",
        "charCodeAt",
        "concat",
        "indexOf",
        "lastIndexOf",
        "localeCompare",
        "match",
        "replace",
        "search",
        "slice",
        "split",
        "substr",
        "substring",
        "toLowerCase",
        "toUpperCase",
        "toLocaleLowerCase",
        "toLocaleUpperCase",
        "trim",
        "toString",
        "valueOf",
        "hasOwnProperty",
        "constructor",
    ]
)
_SNIPPET = 40


def check(ctx: LintContext) -> Iterator[Finding]:
    for node in walk(ctx.program):
        if node.type == "MemberExpression":
            yield from _member(ctx, node)
        elif node.type == "CallExpression":
            yield from _untyped_stream_write(ctx, node)
    yield from _status_writes(ctx)


def _snippet(ctx: LintContext, node: Node) -> str:
    text = ctx.source[node.range[0] : node.range[1]]
    return text if len(text) <= _SNIPPET else text[: _SNIPPET - 1] + "…"


def _member(ctx: LintContext, node: Node) -> Iterator[Finding]:
    name = member_name(node)
    parent = ctx.scopes.parent(node)
    if name is None or parent is None or (parent.type == "UnaryExpression" and parent.operator == "typeof"):
        return  # `typeof obj.x` is an explicit probe
    receiver = ctx.types.type_of(node.object)
    iface = ht.interface(receiver)
    if iface is not None:
        member = iface.lookup(name)
        if member is None:
            yield MEMBER.at(node.property, _unknown_member(ctx, node, iface, name))
        else:
            yield from _use(ctx, node, parent, iface, member)
    elif isinstance(receiver, ArrayT) and not node.computed:
        yield from _array_member(ctx, node, receiver, name)
    elif receiver == ht.STRING and not node.computed and name not in _STRING_MEMBERS:
        meant = next((m for m in _STRING_MEMBERS if m.lower() == name.lower()), None)
        if meant is not None:
            yield JS_MEMBER_CASE.at(
                node.property,
                f"`{_snippet(ctx, node)}`: strings are plain JS values and names are case-sensitive: "
                f"did you mean `{meant}`?",
            )


def _unknown_member(ctx: LintContext, node: Node, iface: Interface, name: str) -> str:
    names = iface.member_names()
    meant = suggest(name, names)
    hint = f"did you mean `{meant}`?" if meant else "it has " + ", ".join(names)
    return f"`{_snippet(ctx, node)}`: {iface.name} has no member `{name}`; {hint}"


def _use(ctx: LintContext, node: Node, parent: Node, iface: Interface, member: Member) -> Iterator[Finding]:
    text = _snippet(ctx, node)
    if member.unavailable is not None and not _inside_try(ctx, node):
        reason = member.unavailable.removeprefix(f"{member.name}: ")
        yield UNAVAILABLE.at(node.property, f"`{text}` always throws under USBMon: {reason}")
    if parent.type == "CallExpression" and parent.callee is node:
        if not member.is_method:
            yield CALL_PROPERTY.at(
                parent,
                f"`{text}(…)`: {member.name} is a property of {iface.name}, not a method; "
                "drop the parentheses",
            )
            return
        args = parent.arguments
        if member.arg_count is not None and len(args) != member.arg_count and not _has_spread(args):
            plural = "s" if member.arg_count != 1 else ""
            yield ARGS.at(
                parent,
                f"`{text}` takes {member.arg_count} argument{plural}, this call passes {len(args)}",
            )
        for index in member.bytes_args:
            if index < len(args):
                yield from _bytes_argument(ctx, args[index], f"{member.name}")
    elif _is_assignment_target(parent, node) and not member.writable:
        what = "a method" if member.is_method else "a read-only property"
        yield READONLY.at(node, f"`{text}` is {what} of {iface.name}: assigning it throws TypeError")


def _is_assignment_target(parent: Node, node: Node) -> bool:
    if parent.type == "AssignmentExpression":
        return parent.left is node
    return parent.type == "UpdateExpression"


def _has_spread(args: list[Node]) -> bool:
    return any(arg.type == "SpreadElement" for arg in args)


def _bytes_argument(ctx: LintContext, arg: Node, method: str) -> Iterator[Finding]:
    kind = ctx.types.type_of(arg)
    if kind == ht.STRING:
        yield STRING_BYTES.at(
            arg,
            f"{method} is given a string (`{_snippet(ctx, arg)}`); it takes an Array of byte values: "
            "convert with charCodeAt",
        )
    elif kind == ArrayT(ht.STRING):
        yield STRING_BYTES.at(
            arg, f"{method} is given an Array of strings (`{_snippet(ctx, arg)}`); it takes byte values 0-255"
        )


def _untyped_stream_write(ctx: LintContext, call: Node) -> Iterator[Finding]:
    """`stream.Write("…")` where `stream`'s type is unknown but its name says it is a stream."""
    callee = call.callee
    name = member_name(callee) if callee.type == "MemberExpression" else None
    if name is None or name.lower() != "write" or not call.arguments:
        return
    receiver = callee.object
    if ctx.types.type_of(receiver) is not None:
        return  # typed receivers are checked with their interface
    if receiver.type == "Identifier" and "stream" in receiver.name.lower():
        yield from _bytes_argument(ctx, call.arguments[0], name)


def _array_member(ctx: LintContext, node: Node, receiver: ArrayT, name: str) -> Iterator[Finding]:
    if name in _ARRAY_MEMBERS:
        return
    text = _snippet(ctx, node)
    element = ht.interface(receiver.element) if isinstance(receiver.element, HostT) else None
    if element is not None and element.lookup(name) is not None:
        holder = _snippet(ctx, node.object)
        yield MEMBER.at(
            node.property,
            f"`{text}`: {holder} is an Array of {element.name}; index it first (`{holder}[0].{name}`)",
        )
        return
    meant = next((m for m in _ARRAY_MEMBERS if m.lower() == name.lower()), None)
    if meant is not None:
        yield JS_MEMBER_CASE.at(
            node.property,
            f"`{text}`: Arrays are plain JS values, where names are case-sensitive: did you mean `{meant}`?",
        )


def _inside_try(ctx: LintContext, node: Node) -> bool:
    """In a `try` block a throwing member is a deliberate probe."""
    child = node
    for ancestor in ctx.scopes.ancestors(node):
        if ancestor.type == "TryStatement" and ancestor.block is child:
            return True
        child = ancestor
    return False


def _status_writes(ctx: LintContext) -> Iterator[Finding]:
    """`printerStream.Write(…)` on getStatus's read-only stream."""
    for entry in ctx.entries:
        params = entry.function.params
        if entry.name != "getStatus" or len(params) < 2 or params[1].type != "Identifier":
            continue
        scope = ctx.scopes.scope_for(entry.function)
        for node in walk(entry.function.body):
            callee = node.callee if node.type == "CallExpression" else None
            if callee is None or callee.type != "MemberExpression" or callee.object.type != "Identifier":
                continue
            name = member_name(callee)
            ref = ctx.types.refs.get(id(callee.object))
            is_stream = ref is not None and ref.resolved is scope and ref.name == params[1].name
            if name and name.lower() == "write" and is_stream:
                text = _snippet(ctx, callee)
                yield STATUS_WRITE.at(
                    node, f"`{text}(…)` in getStatus: the stream is read-only there; Write throws"
                )
