"""Globals a driver script cannot have: browser, WSH, Node and timer objects (spec §6), and the
ES2015 library that Windows' ES5-level engine lacks."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint import host_types as ht
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, error, warning
from usbmon_js.lint.host_types import ArrayT
from usbmon_js.lint.jsast import member_name, walk

UNAVAILABLE = error(
    "GLOBAL-UNAVAILABLE",
    "under USBMon only the ECMAScript built-ins and the arguments exist (spec §6): no console, "
    "WSH, ActiveX, timers, modules, network or browser objects; using one throws ReferenceError",
)
ES5_BUILTIN = warning(
    "ES5-BUILTIN",
    "Windows' JScript/Chakra runs at ES5 level (spec §6) and lacks the ES2015+ library; usbmon-js's "
    "engine has it, so the script works here and throws on Windows",
)
RULES = [UNAVAILABLE, ES5_BUILTIN]

_NO_TIMERS = "there are no timers: return Retry/DeviceBusy (or 1) and let USBMon call again"
_NO_BROWSER = "there is no browser or DOM in the spooler"
_NO_MODULES = "there is no module loader: a driver is one self-contained script"
_NO_COM = "scripts cannot create COM objects (spec §6: the host must not expose it)"
_NO_WSH = "Windows Script Host objects exist only under wscript/cscript, not in the spooler"
_NO_NODE = "Node.js globals do not exist in the spooler"
_NO_SHELL = "engine shell globals are not part of the USBMon environment"
UNAVAILABLE_GLOBALS: dict[str, str] = {
    "console": "there is no console in the spooler: report through the responses object or throw an Error",
    "alert": _NO_BROWSER,
    "window": _NO_BROWSER,
    "document": _NO_BROWSER,
    "navigator": _NO_BROWSER,
    "localStorage": _NO_BROWSER,
    "XMLHttpRequest": "there is no network access",
    "fetch": "there is no network access",
    "setTimeout": _NO_TIMERS,
    "setInterval": _NO_TIMERS,
    "clearTimeout": _NO_TIMERS,
    "clearInterval": _NO_TIMERS,
    "setImmediate": _NO_TIMERS,
    "require": _NO_MODULES,
    "module": _NO_MODULES,
    "exports": _NO_MODULES,
    "importScripts": _NO_MODULES,
    "ActiveXObject": _NO_COM,
    "GetObject": _NO_COM,
    "Enumerator": "JScript's COM collection helper is not available to driver scripts",
    "VBArray": "JScript's SAFEARRAY helper is not available; bytes are plain JS Arrays",
    "WScript": _NO_WSH,
    "WSH": _NO_WSH,
    "process": _NO_NODE,
    "Buffer": _NO_NODE,
    "global": _NO_NODE,
    "print": _NO_SHELL,
    "std": _NO_SHELL,
    "os": _NO_SHELL,
    "scriptArgs": _NO_SHELL,
}
ES2015_GLOBALS = frozenset(
    {"Promise", "Map", "Set", "WeakMap", "WeakSet", "Symbol", "Proxy", "Reflect", "globalThis"}
)
ES2015_STATICS: dict[str, frozenset[str]] = {
    "Array": frozenset({"from", "of"}),
    "Object": frozenset({"assign", "entries", "values", "is", "setPrototypeOf", "getOwnPropertySymbols"}),
    "Number": frozenset(
        {"isInteger", "isSafeInteger", "isFinite", "isNaN", "parseInt", "parseFloat", "EPSILON"}
    ),
    "Math": frozenset(
        {"trunc", "sign", "log2", "log10", "log1p", "expm1", "cbrt", "hypot", "fround", "imul", "clz32"}
    ),
    "String": frozenset({"fromCodePoint", "raw"}),
}
ES2015_ARRAY_METHODS = frozenset(
    {"includes", "find", "findIndex", "fill", "copyWithin", "entries", "keys", "values", "flat", "flatMap"}
)
ES2015_STRING_METHODS = frozenset(
    {"startsWith", "endsWith", "includes", "repeat", "padStart", "padEnd", "codePointAt", "normalize"}
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for ref in ctx.scopes.references:
        if not ref.is_free or ctx.scopes.defines_global(ref.name) or _probed(ctx, ref.node):
            continue
        if ref.name in UNAVAILABLE_GLOBALS:
            yield UNAVAILABLE.at(
                ref.node, f"`{ref.name}` does not exist under USBMon: {UNAVAILABLE_GLOBALS[ref.name]}"
            )
        elif ref.name in ES2015_GLOBALS:
            yield ES5_BUILTIN.at(
                ref.node, f"`{ref.name}` is ES2015+; Windows' ES5 engine has no `{ref.name}`"
            )
    for node in walk(ctx.program):
        if node.type == "MemberExpression":
            yield from _library_member(ctx, node)


def _library_member(ctx: LintContext, node: Node) -> Iterator[Finding]:
    name = member_name(node)
    if name is None or node.computed:
        return
    holder = node.object
    if holder.type == "Identifier" and name in ES2015_STATICS.get(holder.name, ()):
        if ctx.types.is_free_global(holder):
            yield ES5_BUILTIN.at(node, f"`{holder.name}.{name}` is ES2015+; Windows' ES5 engine lacks it")
        return
    receiver = ctx.types.type_of(holder)
    if isinstance(receiver, ArrayT) and name in ES2015_ARRAY_METHODS:
        yield ES5_BUILTIN.at(node.property, f"Array method `{name}` is ES2015+; Windows' ES5 engine lacks it")
    elif receiver == ht.STRING and name in ES2015_STRING_METHODS:
        yield ES5_BUILTIN.at(
            node.property, f"String method `{name}` is ES2015+; Windows' ES5 engine lacks it"
        )


def _probed(ctx: LintContext, ident: Node) -> bool:
    """`typeof console`, or a use guarded by one (`if (typeof console !== "undefined") console.log(…)`)."""
    parent = ctx.scopes.parent(ident)
    if parent is not None and parent.type == "UnaryExpression" and parent.operator == "typeof":
        return True
    for ancestor in ctx.scopes.ancestors(ident):
        if ancestor.type in ("IfStatement", "ConditionalExpression"):
            guard = ancestor.test
        elif ancestor.type == "LogicalExpression":
            guard = ancestor.left
        else:
            continue
        if any(
            n.type == "UnaryExpression" and n.operator == "typeof" and _names(n.argument, ident.name)
            for n in walk(guard)
        ):
            return True
    return False


def _names(node: Node, name: str) -> bool:
    while node.type == "MemberExpression":
        node = node.object
    return node.type == "Identifier" and node.name == name
