"""Constructs that work but make a driver fragile: `with`, `eval`, and implicit globals."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, warning
from usbmon_js.lint.jsast import walk

WITH = warning(
    "NO-WITH",
    "`with` makes every name ambiguous between a host object's case-insensitive members and "
    "variables (spec §2.0), is a syntax error in strict code, and defeats these checks",
)
EVAL = warning(
    "NO-EVAL",
    "the spooler runs as LocalSystem and scripts must never execute data (spec §6, security "
    "guidance); eval/Function also hide code from these checks",
)
IMPLICIT_GLOBAL = warning(
    "IMPLICIT-GLOBAL",
    "assigning an undeclared name creates a global; Windows does not promise globals survive "
    "between calls (spec §6) and the conformance runner may use a fresh engine per call",
)
RULES = [WITH, EVAL, IMPLICIT_GLOBAL]


def check(ctx: LintContext) -> Iterator[Finding]:
    for node in walk(ctx.program):
        if node.type == "WithStatement":
            yield WITH.at(node, "`with` statement; name the object explicitly")
        elif node.type in ("CallExpression", "NewExpression"):
            callee = node.callee
            if ctx.types.is_free_global(callee, "eval"):
                yield EVAL.at(node, "`eval(…)` runs a string as code")
            elif ctx.types.is_free_global(callee, "Function"):
                yield EVAL.at(node, "`Function(…)` compiles a string as code")
    names = {id(entry.function): entry.name for entry in ctx.entries}
    names.update({id(fn.function): fn.name for fn in ctx.functions if id(fn.function) not in names})
    seen: set[tuple[int, str]] = set()
    for ref in ctx.scopes.references:
        if not ref.write or not ref.is_free or ref.function is ctx.program or _inside_with(ctx, ref.node):
            continue
        key = (id(ref.function), ref.name)
        if key in seen:
            continue
        seen.add(key)
        where = names.get(id(ref.function), "a function")
        where = f"`{where}`" if where != "a function" else where
        yield IMPLICIT_GLOBAL.at(
            ref.node, f"`{ref.name}` is assigned in {where} without `var`: it becomes a global"
        )


def _inside_with(ctx: LintContext, node: Node) -> bool:
    """Inside `with (obj) {…}` a bare name may be a member of obj: NO-WITH covers it."""
    return any(ancestor.type == "WithStatement" for ancestor in ctx.scopes.ancestors(node))
