"""Entry points: USBMon calls global functions by their exact, case-sensitive names (spec §1)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from usbmon_js.engine.quickjs import ENTRY_POINTS
from usbmon_js.lint import host_types as ht
from usbmon_js.lint.context import LintContext
from usbmon_js.lint.entry_points import EntryPoint
from usbmon_js.lint.findings import Finding, error, warning
from usbmon_js.lint.host_types import JsType
from usbmon_js.lint.text import edit_distance

NAME = error(
    "ENTRY-NAME",
    "USBMon looks entry points up by exact JS name (getSchemas, setSchema, getStatus, requestStatus, "
    "startPrintJob, writePrintData, endPrintJob; spec §1): a near miss is never called",
)
NONE = error(
    "ENTRY-NONE",
    "a script without any of the seven entry points (spec §1) gives USBMon nothing to call",
)
ARITY = warning(
    "ENTRY-ARITY",
    "each entry point receives a fixed argument list (spec §1, §7); extra parameters are always "
    "undefined and a parameter the body uses but does not declare is a ReferenceError or a stale global",
)
DOCS_ORDER = warning(
    "ENTRY-DOCS-ORDER",
    "writePrintData's documented order (ctx, progress, printData, stream) differs from Microsoft's "
    "runnable sample (ctx, printData, stream, progress); which one Windows uses is uncertain "
    "(spec §1.6, §9.1)",
)
RULES = [NAME, NONE, ARITY, DOCS_ORDER]

_ROLE_WORDS: dict[JsType, tuple[str, ...]] = {
    ht.SCRIPT_CONTEXT: ("context", "ctx"),
    ht.JOB_CONTEXT: ("context", "ctx"),
    ht.PRINTER_STREAM: ("stream",),
    ht.SCHEMA_REQUESTS: ("request", "schemas", "keys"),
    ht.RESPONSES: ("response",),
    ht.ELEMENT: ("element",),
    ht.PROGRESS: ("progress",),
    ht.PRINT_DATA: ("printdata", "data", "bytes"),
}
_ORDINALS = ("1st", "2nd", "3rd", "4th", "5th")


def check(ctx: LintContext) -> Iterator[Finding]:
    defined = {entry.name for entry in ctx.entries}
    for fn in ctx.functions:
        meant = near_entry_point(fn.name, defined)
        if meant is not None:
            if fn.name.lower() == meant.lower():
                what = f"differs only in case from the entry point `{meant}`:"
            else:
                what = f"is not an entry point; did you mean `{meant}`?"
            yield NAME.at(fn.name_node, f"global function `{fn.name}` {what} USBMon never calls it")
    if not ctx.entries:
        yield NONE.at_position(
            1,
            1,
            "no entry point: define at least one of " + ", ".join(ENTRY_POINTS) + " as a global function",
        )
    for entry in ctx.entries:
        yield from _arity(ctx, entry)
        if entry.write_signature == "docs":
            yield DOCS_ORDER.at(
                entry.function.params[1],
                "writePrintData takes the documented parameter order (progress second); Microsoft's "
                "sample passes (jobContext, printData, printerStream, writePrintDataProgress)",
            )


def near_entry_point(name: str, defined: set[str]) -> str | None:
    """The entry point `name` was probably meant to be, if it is a near miss of one."""
    if name in ENTRY_POINTS:
        return None
    folded = name.replace("_", "").lower()
    best: tuple[int, str] | None = None
    for entry in ENTRY_POINTS:
        target = entry.lower()
        if folded == target:
            return entry
        if entry in defined:
            continue  # the real one exists: a similar name is a helper, not a typo
        distance = edit_distance(folded, target)
        if distance > 2 and folded not in _dropped_word_variants(entry):
            continue
        if best is None or distance < best[0]:
            best = (distance, entry)
    return best[1] if best else None


def _dropped_word_variants(entry: str) -> set[str]:
    """`startPrintJob` → {"startjob"}: the entry point with an inner word left out."""
    words = re.findall(r"[A-Z]?[a-z]+", entry)
    return {"".join(words[:i] + words[i + 1 :]).lower() for i in range(1, len(words) - 1)}


def _arity(ctx: LintContext, entry: EntryPoint) -> Iterator[Finding]:
    params = entry.function.params
    passed = entry.signature.params
    if len(params) > len(passed):
        extra = params[len(passed)]
        yield ARITY.at(
            extra,
            f"{entry.name} receives {len(passed)} arguments: parameter {len(passed) + 1} is always undefined",
        )
        return
    missing = passed[len(params) :]
    if not missing:
        return
    for ref in ctx.scopes.references_in(entry.function):
        if not ref.is_free or not ref.read or ctx.scopes.defines_global(ref.name):
            continue
        lowered = ref.name.lower()
        for offset, (spec_name, spec_type) in enumerate(missing):
            words = _ROLE_WORDS.get(spec_type, ())
            if lowered == spec_name.lower() or any(word in lowered for word in words):
                position = len(params) + offset
                yield ARITY.at(
                    ref.node,
                    f"{entry.name} declares {len(params)} of its {len(passed)} parameters but uses "
                    f"undeclared `{ref.name}`: is it the missing {_ORDINALS[position]} parameter "
                    f"({spec_name})?",
                )
                return
