"""Loops that burn the call's time budget (decisions.md: a per-call deadline, 10 s by default)
and stall the spooler thread on Windows: busy-wait sleeps and loops with no way out."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint import host_types as ht
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, warning
from usbmon_js.lint.flow import is_endless, leaves
from usbmon_js.lint.jsast import member_name, walk_function_body, walk_own

BUSY_WAIT = warning(
    "BUSY-WAIT",
    "a loop that only watches the clock spins the CPU inside the spooler and eats the call's "
    "deadline (decisions.md); return Retry/DeviceBusy (or 1) and let USBMon call again",
)
ENDLESS = warning(
    "ENDLESS-LOOP",
    "a loop with no break, return or throw runs until the call's deadline ends it as a failure "
    "(decisions.md); on Windows, with no documented watchdog, it hangs the spooler thread",
)
RULES = [BUSY_WAIT, ENDLESS]

_CLOCK_LOOPS = frozenset({"WhileStatement", "DoWhileStatement", "ForStatement"})


def check(ctx: LintContext) -> Iterator[Finding]:
    io = _io_functions(ctx)
    for function in [ctx.program, *(s.node for s in ctx.scopes.scopes.values() if s.kind == "function")]:
        for loop in walk_function_body(function):
            if loop.type not in _CLOCK_LOOPS:
                continue
            if is_endless(loop) and not leaves(loop):
                yield ENDLESS.at(loop, "endless loop: nothing in it breaks, returns or throws")
            elif _watches_clock(ctx, loop) and not _does_io(ctx, loop, io):
                yield BUSY_WAIT.at(loop, "loop waits on the clock without any host call: a busy-wait sleep")


def _reads_clock(ctx: LintContext, node: Node | None) -> bool:
    if node is None:
        return False
    for n in walk_own(node):
        if n.type == "NewExpression" and ctx.types.is_free_global(n.callee, "Date") and not n.arguments:
            return True
        if n.type == "CallExpression" and n.callee.type == "MemberExpression":
            name = member_name(n.callee)
            if name == "getTime" or (name == "now" and ctx.types.is_free_global(n.callee.object, "Date")):
                return True
    return False


def _watches_clock(ctx: LintContext, loop: Node) -> bool:
    """The loop's condition reads the clock, or its body leaves the loop on a clock test."""
    if _reads_clock(ctx, loop.test):
        return True
    return any(
        n.type == "IfStatement"
        and _reads_clock(ctx, n.test)
        and any(m.type in ("BreakStatement", "ReturnStatement") for m in walk_own(n.consequent))
        for n in walk_own(loop.body)
    )


def _io_functions(ctx: LintContext) -> set[str]:
    """Names of the script's global functions that (directly or through each other) call the host."""
    bodies = {fn.name: fn.function for fn in ctx.functions}
    io: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, function in bodies.items():
            if name not in io and _does_io(ctx, function.body, io, bodies):
                io.add(name)
                changed = True
    return io


def _does_io(ctx: LintContext, node: Node, io: set[str], known: dict[str, Node] | None = None) -> bool:
    """Does `node` call a host method, a script function that does, or something unknown?"""
    script_functions = known if known is not None else {fn.name: fn.function for fn in ctx.functions}
    for n in walk_own(node):
        if n.type != "CallExpression":
            continue
        callee = n.callee
        if callee.type == "MemberExpression":
            name = member_name(callee)
            if name is not None and name.lower() in ht.host_method_names():
                return True
        elif callee.type == "Identifier":
            if callee.name in io:
                return True
            if callee.name not in script_functions and not ctx.types.is_free_global(callee):
                return True  # a callback or local function: it may well do I/O
    return False
