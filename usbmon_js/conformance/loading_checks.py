"""Loading: can USBMon load the file, find the entry points, and call them as documented?"""

from __future__ import annotations

import re

from usbmon_js.conformance.checks import Evidence, Verdict, check, failed, judge, passed, skipped
from usbmon_js.conformance.facts import JOB_ENTRIES, Facts
from usbmon_js.engine.quickjs import ENTRY_POINTS
from usbmon_js.lint.entry_points import SIGNATURES, is_docs_order

_LOCATION = re.compile(r"^(?P<where>\S+:\d+:\d+):")


def _load_evidence(facts: Facts) -> Evidence:
    """The engine's load error, located where it says (`script.js:line:col: …`)."""
    message = facts.load_error or "the script did not load"
    match = _LOCATION.match(message)
    return Evidence(message=message, location=match["where"] if match else None)


def _source_skip(facts: Facts) -> str | None:
    if facts.decode_error is not None:
        return "the script file cannot be decoded (LOAD-002)"
    if facts.source is None:
        return "the source was not analysed"
    if not facts.source.parsed:
        return f"the source could not be analysed: {facts.source.parse_error}"
    return None


@check(
    "LOAD-001",
    "loading",
    "mandatory",
    "Parses as a classic (sloppy-mode) script",
    """USBMon evaluates the file as a classic script, not a module or strict code (decisions.md,
    "Script loading"); a syntax error means the port has no extender at all.""",
)
def parses(facts: Facts) -> Verdict:
    if facts.load_failure == "syntax":
        return failed(_load_evidence(facts))
    if why := facts.unavailable():
        return skipped(why)
    return passed(f"{facts.script_path.name} parses ({len(facts.raw)} bytes)")


@check(
    "LOAD-002",
    "loading",
    "mandatory",
    "File encoding is one USBMon reads",
    """The loader accepts UTF-8 with or without BOM and UTF-16 with BOM (Microsoft's samples are
    UTF-16LE + BOM + CRLF); anything else is read as garbage.""",
)
def encoding(facts: Facts) -> Verdict:
    if facts.decode_error is not None:
        return failed(facts.decode_error)
    assert facts.script is not None
    return passed(f"encoding {facts.script.encoding}")


@check(
    "LOAD-003",
    "loading",
    "mandatory",
    "Top-level code runs without failing",
    """The top level runs when the port opens; if it throws (e.g. WScript, ActiveXObject, console
    are not there) or runs away, no entry point is ever defined (decisions.md, "Globals and sandbox").""",
)
def top_level(facts: Facts) -> Verdict:
    if facts.load_failure == "toplevel":
        return failed(_load_evidence(facts))
    if why := facts.unavailable():
        return skipped(why)
    return passed("the top level ran within the sandbox limits")


@check(
    "LOAD-004",
    "loading",
    "mandatory",
    "Defines at least one entry point",
    """USBMon looks the entry points up by their exact names on the global object; a script that
    defines none of the seven is never called (usbmon-js-api.md §1).""",
)
def has_entry_points(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    if not facts.entry_points:
        return failed(f"none of {', '.join(ENTRY_POINTS)} is a global function")
    return passed("defines " + ", ".join(facts.entry_points))


@check(
    "LOAD-005",
    "loading",
    "mandatory",
    "Every entry-point name holds a function",
    """A global named like an entry point that is not a function (a string, an unassigned var, a
    function defined only inside another) is skipped by USBMon as if missing.""",
)
def entry_points_callable(facts: Facts) -> Verdict:
    if why := facts.unavailable() or _source_skip(facts):
        return skipped(why)
    assert facts.source is not None
    problems = [
        Evidence(
            message=f"{name} is declared as {kind}, but is not a function once the script has loaded; "
            "USBMon skips it",
            call=name,
            location=f"{facts.script_path.name}:{line}",
        )
        for name, (line, kind) in facts.source.globals.items()
        if name in ENTRY_POINTS and name not in facts.entry_points
    ]
    return judge(problems, f"{len(facts.entry_points)} entry point(s), all functions")


@check(
    "LOAD-006",
    "loading",
    "mandatory",
    "Entry-point names are spelt in the exact case",
    """Host object members are case-insensitive, but entry points are JavaScript globals looked up
    by exact name: `WritePrintData` is never called (usbmon-js-api.md §1).""",
)
def entry_point_case(facts: Facts) -> Verdict:
    if why := facts.unavailable() or _source_skip(facts):
        return skipped(why)
    assert facts.source is not None
    lowered = {name.lower(): name for name in ENTRY_POINTS}
    problems = [
        Evidence(
            message=f"{name} looks like the entry point {lowered[name.lower()]} but differs in case; "
            f"USBMon never calls it",
            call=name,
            location=f"{facts.script_path.name}:{line}",
        )
        for name, (line, _kind) in facts.source.globals.items()
        if name.lower() in lowered
        and name not in ENTRY_POINTS
        and lowered[name.lower()] not in facts.entry_points
    ]
    return judge(problems, "entry-point names match exactly")


@check(
    "LOAD-007",
    "loading",
    "advisory",
    "Entry points declare the documented parameters",
    """Each entry point gets a fixed argument list (usbmon-js-api.md §1); declaring fewer hides
    arguments, declaring more gives parameters that are always undefined.""",
)
def arity(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    if not facts.entry_points:
        return skipped("no entry points")
    problems = []
    for entry, params in facts.entry_points.items():
        expected = SIGNATURES[entry].param_names
        if len(params) != len(expected):
            problems.append(
                Evidence(
                    message=f"declares {len(params)} parameter(s) ({', '.join(params) or 'none'}); "
                    f"USBMon passes {len(expected)} ({', '.join(expected)})",
                    call=entry,
                )
            )
    return judge(problems, "every entry point declares the documented parameters")


@check(
    "LOAD-008",
    "loading",
    "advisory",
    "writePrintData uses Microsoft's sample parameter order",
    """The docs and Microsoft's runnable sample disagree on writePrintData's parameter order
    (usbmon-js-api.md §1.6); the sample order is what works in practice, the docs order is
    recognised only by a parameter named *progress* (decisions.md).""",
)
def write_signature(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    params = facts.entry_points.get("writePrintData")
    if params is None:
        return skipped("the script has no writePrintData")
    if is_docs_order(params):
        return failed(
            Evidence(
                message=f"parameter 2 is {params[1]!r}: the documented order (context, progress, data, "
                "stream, responses), not Microsoft's sample order "
                "(context, data, stream, progress, responses)",
                call="writePrintData",
                arguments=", ".join(params),
            )
        )
    return passed("sample order: " + ", ".join(params))


@check(
    "LOAD-009",
    "loading",
    "advisory",
    "Uses ES5 syntax only",
    """Windows runs extenders in its own script engine (JScript/Chakra, ES5 at best;
    usbmon-js-api.md §6); let/const, arrow functions, classes, template literals and the like
    load here but may not load on Windows. The evidence is the findings of lint's ES5-* rules.""",
)
def es5_only(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    if facts.source is None:
        return skipped("the source was not analysed")
    problems = [
        Evidence(
            message=f"{finding.message} ({finding.rule})", location=finding.location(facts.script_path.name)
        )
        for finding in facts.source.beyond_es5
    ]
    if not facts.source.parsed and not problems:
        problems.append(Evidence(message=f"the source could not be analysed: {facts.source.parse_error}"))
    return judge(problems, "no syntax beyond ES5")


@check(
    "LOAD-010",
    "loading",
    "advisory",
    "Non-ASCII text comes with a byte-order mark",
    """A UTF-8 file without BOM may be read in the ANSI code page by Windows' script host, so
    non-ASCII string literals change; Microsoft's samples ship UTF-16LE with BOM.""",
)
def bom_for_non_ascii(facts: Facts) -> Verdict:
    if facts.script is None or facts.source is None:
        return skipped("the script file cannot be decoded (LOAD-002)")
    line = facts.source.non_ascii_line
    if facts.script.encoding == "utf-8" and line is not None:
        return failed(
            Evidence(
                message="non-ASCII characters in a UTF-8 file without a byte-order mark",
                location=f"{facts.script_path.name}:{line}",
            )
        )
    return passed(f"encoding {facts.script.encoding}" + (", ASCII only" if line is None else ""))


@check(
    "LOAD-011",
    "loading",
    "advisory",
    "The manifest makes USBMon call the entry points the script has",
    """Job functions go with Flags=HostBasedDevice (Microsoft's host-based sample), and USBMon calls
    requestStatus instead of getStatus exactly when the manifest names BidiUSBStatusInterface
    (usbmon-js-api.md §1.3-1.4, §3.1).""",
)
def manifest_matches(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    manifest = facts.manifest
    if manifest is None:
        return skipped("no manifest given (--manifest)")
    problems: list[Evidence] = []
    jobs = [e for e in JOB_ENTRIES if e in facts.entry_points]
    if jobs and not manifest.host_based:
        problems.append(
            Evidence(
                message=f"the script has {', '.join(jobs)} but the manifest has no Flags=HostBasedDevice; "
                "USBMon may never call the job functions"
            )
        )
    if "requestStatus" in facts.entry_points and not manifest.status_interfaces:
        problems.append(
            Evidence(message="requestStatus is only called when the manifest names BidiUSBStatusInterface")
        )
    if manifest.status_interfaces and "requestStatus" not in facts.entry_points:
        what = "getStatus is never called and " if "getStatus" in facts.entry_points else ""
        problems.append(
            Evidence(
                message=f"the manifest names BidiUSBStatusInterface: {what}USBMon calls requestStatus, "
                "which the script does not define"
            )
        )
    problems.extend(Evidence(message=warning) for warning in manifest.warnings)
    return judge(problems, f"{manifest.path.name} matches the script's entry points")
