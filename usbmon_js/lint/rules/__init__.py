"""The lint rules, one module per family; each exports `RULES` and `check(ctx)`."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, Rule
from usbmon_js.lint.rules import busy_wait, entry, es5, globals_, host, hygiene, returns, syntax

FAMILIES: tuple[ModuleType, ...] = (syntax, es5, entry, host, globals_, returns, busy_wait, hygiene)


def all_rules() -> list[Rule]:
    """Every rule, in the order `--rules` lists them."""
    return [rule for family in FAMILIES for rule in family.RULES]


def run(ctx: LintContext) -> Iterator[Finding]:
    for family in FAMILIES:
        if hasattr(family, "check"):
            yield from family.check(ctx)
