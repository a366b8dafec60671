"""Bidi: the script answers what its extension XML declares, the way the XML declares it."""

from __future__ import annotations

from collections.abc import Callable

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.conformance.checks import Evidence, Verdict, check, failed, judge, passed, skipped
from usbmon_js.conformance.evidence import error_evidence
from usbmon_js.conformance.facts import BidiFacts, Facts
from usbmon_js.formats.bidi_xml import BidiSchema, DeclaredValue
from usbmon_js.formats.driver_events import check_events_against_schema
from usbmon_js.portmon.bidi.codes import BidiErrorCode
from usbmon_js.portmon.bidi.results import BidiReport

NO_XML = "no Bidi XML given (--bidi-xml, or BidiUSBFile in the manifest)"
_SCRIPT_FAILURES = ("exception", "invalid_return", "timeout", "memory")


def _bidi(facts: Facts) -> tuple[BidiSchema, BidiFacts] | str:
    if why := facts.unavailable():
        return why
    if facts.bidi_xml is None:
        return NO_XML
    if facts.bidi is None:
        return "the Bidi requests were not run"
    return facts.bidi_xml, facts.bidi


def script_values(schema: BidiSchema) -> list[DeclaredValue]:
    """The declared values a Get makes USBMon ask the script for (not Const, BuiltIn or Events)."""
    return [v for v in schema.values.values() if v.kind == "Value" and v.gettable]


def _result_problems(report: BidiReport, paths: set[str], label: str) -> list[Evidence]:
    return [
        Evidence(
            message=f"{result.path}: {result.error} {result.error_name or ''} {result.message or ''}".strip(),
            scenario=label,
            call="getSchemas",
        )
        for result in report.results
        if result.path in paths and result.error is not None
    ]


@check(
    "BIDI-001",
    "bidi",
    "mandatory",
    "getSchemas exists when the XML declares values to get",
    """USBMon answers a Get of a declared <Value> by calling getSchemas (usbmon-js-api.md §4.2);
    without it every such Get fails.""",
)
def has_get_schemas(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    values = script_values(found[0])
    if not values:
        return passed("the XML declares no value the script must answer")
    if "getSchemas" not in facts.entry_points:
        return failed(
            f"the XML declares {len(values)} gettable value(s) (e.g. {values[0].path}) but no getSchemas"
        )
    return passed(f"getSchemas answers {len(values)} declared value(s)")


@check(
    "BIDI-002",
    "bidi",
    "mandatory",
    "Every declared Get value is answered",
    """A Bidi client may ask for any value the XML declares; getSchemas returning 0 without it
    answers ERROR_NO_DATA, a failure ERROR_BIDI_DEVICE_OFFLINE (usbmon-js-api.md §4.2).""",
)
def all_answered(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema, bidi = found
    values = script_values(schema)
    if not values:
        return skipped("the XML declares no value the script must answer")
    if bidi.get_all is None:
        return skipped("the Get was not run")
    problems = _result_problems(bidi.get_all, {v.path for v in values}, "bidi get \\Printer")
    problems += [error_evidence("bidi get \\Printer", e) for e in bidi.get_all.errors[:3]]
    return judge(problems, f"all {len(values)} declared value(s) answered")


@check(
    "BIDI-003",
    "bidi",
    "mandatory",
    "Values are reported with their declared type",
    """A declared BIDI_INT must come from AddInt32, a BIDI_STRING from AddString, and so on
    (usbmon-js-api.md §2.5); Bidi clients read the value as the declared type.""",
)
def declared_types(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema = found[0]
    problems: list[Evidence] = []
    seen: set[tuple[str, str]] = set()
    for label, response in facts.all_responses():
        declared = schema.lookup(response.path)
        if declared is None or declared.type == response.type or (response.path, response.type) in seen:
            continue
        seen.add((response.path, response.type))
        problems.append(
            Evidence(
                message=f"{response.path} reported as {response.type}; the XML declares {declared.type}",
                scenario=label,
                call=response.entry,
                arguments=repr(response.value),
            )
        )
    return judge(problems, "every declared value came with its declared type")


@check(
    "BIDI-004",
    "bidi",
    "mandatory",
    "Each query key can be asked for on its own",
    """USBMon asks getSchemas only for the keys whose values are missing or stale (usbmon-js-api.md
    §4.2-4.3): a script must answer one key without the others being asked in the same call.""",
)
def each_key(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema, bidi = found
    if not bidi.get_each:
        return skipped("the XML declares no value the script must answer")
    problems: list[Evidence] = []
    for key, report in bidi.get_each.items():
        paths = {v.path for v in script_values(schema) if v.request_key == key}
        problems += _result_problems(report, paths, f"bidi get key {key}")
    return judge(problems, f"{len(bidi.get_each)} query key(s) each answered alone")


@check(
    "BIDI-005",
    "bidi",
    "mandatory",
    "Requery rounds converge",
    """getSchemas returning 1 must name the keys to ask again with AddRequeryKey, and be done within
    USBMon's rounds (10, decisions.md "Bidi"); otherwise the values never arrive.""",
)
def requery_converges(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    bidi = found[1]
    problems: list[Evidence] = []
    requeries = 0
    for label, report in bidi.reports(reference_only=True):
        requeries += report.return_codes.get("getSchemas", {}).get("1", 0)
        problems += [
            Evidence(message=warning, scenario=label, call="getSchemas")
            for warning in report.warnings
            if "requery" in warning
        ]
    if problems:
        return failed(*problems)
    if requeries:
        return passed(f"getSchemas asked for {requeries} requery round(s); all converged")
    return passed("getSchemas never asked for a requery on this printer")


@check(
    "BIDI-006",
    "bidi",
    "mandatory",
    "A Set of a read-only value never reaches setSchema",
    """accessType decides what can be set: a Set of a Get-only value, a Const or an Event answers
    ERROR_BIDI_SCHEMA_READ_ONLY without calling the script (usbmon-js-api.md §4.4).""",
)
def read_only_sets(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    bidi = found[1]
    if not bidi.set_read_only:
        return skipped("the XML declares no read-only value")
    problems = []
    for path, report in bidi.set_read_only.items():
        error = report.results[0].error if report.results else None
        if error != BidiErrorCode.SCHEMA_READ_ONLY or report.calls.get("setSchema"):
            problems.append(
                Evidence(
                    message=f"Set of {path}: answered {error}, setSchema called "
                    f"{report.calls.get('setSchema', 0)}×",
                    scenario=f"bidi set {path}",
                )
            )
    return judge(problems, f"{len(bidi.set_read_only)} read-only value(s) refused without calling the script")


@check(
    "BIDI-007",
    "bidi",
    "mandatory",
    "setSchema handles a Set of every settable value",
    """Every value declared accessType Set or GetSet is set through setSchema (usbmon-js-api.md §1.2);
    it must exist and must not throw or return a code other than 0 or 1.""",
)
def settable_sets(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    bidi = found[1]
    if not bidi.set_settable:
        return skipped("the XML declares no settable value")
    if "setSchema" not in facts.entry_points:
        return failed(f"the XML declares settable value(s) ({', '.join(bidi.set_settable)}) but no setSchema")
    problems = [
        error_evidence(f"bidi set {path}", error)
        for path, report in bidi.set_settable.items()
        for error in report.errors
        if error.kind in _SCRIPT_FAILURES
    ]
    return judge(problems, f"{len(bidi.set_settable)} settable value(s) set without a failure")


@check(
    "BIDI-008",
    "bidi",
    "advisory",
    "Responses name declared paths",
    """USBMon keeps responses to paths the XML does not declare (Microsoft's sample reports one), but
    no Bidi client can ask for them: they are usually a typo in the path.""",
)
def declared_paths(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema = found[0]
    problems = _first_per_path(
        facts,
        lambda r: (
            None
            if r.type == "BIDI_NULL" or schema.lookup(r.path) is not None
            else f"{r.path} is not declared in the XML"
        ),
    )
    return judge(problems, "every response names a declared path")


@check(
    "BIDI-009",
    "bidi",
    "mandatory",
    "Raised events are declared <Event>s",
    """AddNull raises an event only for a path the XML declares as <Event> (usbmon-js-api.md §3.2-3.3);
    any other path raises nothing, so the user never sees the prompt.""",
)
def declared_events(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema = found[0]

    def problem(response: BidiResponse) -> str | None:
        declared = schema.lookup(response.path)
        if response.type != "BIDI_NULL" or (declared is not None and declared.kind == "Event"):
            return None
        what = "is not declared" if declared is None else f"is declared as a {declared.kind}, not an <Event>"
        return f"AddNull({response.path}): {what}"

    problems = _first_per_path(facts, problem)
    raised = sum(response.type == "BIDI_NULL" for _, response in facts.all_responses())
    if not raised:
        return passed("the script raised no event")
    return judge(problems, f"{raised} event(s) raised, all declared")


@check(
    "BIDI-010",
    "bidi",
    "mandatory",
    "DriverEvents queries and triggers name declared paths",
    """A USB DriverEvent whose query or trigger path the XML does not declare never fires
    (usbmon-js-api.md §3.3); neither does an order comparison on a non-numeric value.""",
)
def driver_events(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    if facts.events is None:
        return skipped("no DriverEvents file (EventFile= in the manifest, or --event-file)")
    problems = [Evidence(message=w) for w in check_events_against_schema(facts.events, found[0])]
    count = len(facts.events.usb_events())
    return judge(problems, f"{count} USB driver event(s), all on declared paths")


@check(
    "BIDI-011",
    "bidi",
    "advisory",
    "Const and built-in values are left to USBMon",
    """USBMon answers <Const> values from the XML and the DeviceInfo built-ins from the device ID
    without calling the script (usbmon-js-api.md §3.4, §4.2); reporting them is dead code.""",
)
def leaves_const(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    schema = found[0]

    def problem(response: BidiResponse) -> str | None:
        declared = schema.lookup(response.path)
        if declared is None or declared.kind not in ("Const", "BuiltIn"):
            return None
        return f"reports {response.path}, a <{declared.kind}>"

    problems = _first_per_path(facts, problem)
    return judge(problems, "no response to a Const or built-in value")


@check(
    "BIDI-012",
    "bidi",
    "mandatory",
    "Bidi requests end when the printer does not answer",
    """A printer that is off or busy answers nothing: Read returns [] after a short timeout
    (decisions.md), and getSchemas must give up (fail, or report what it has) rather than run
    into its deadline, which blocks the port for every request.""",
)
def silent_printer(facts: Facts) -> Verdict:
    found = _bidi(facts)
    if isinstance(found, str):
        return skipped(found)
    report = found[1].silent
    if "getSchemas" not in facts.entry_points:
        return skipped("the script has no getSchemas")
    if report is None:
        return skipped("the Get on a silent printer was not run")
    problems = [
        error_evidence("bidi get on a silent printer", e) for e in report.errors if e.kind == "timeout"
    ]
    return judge(problems, f"ended in {report.duration_s:g} s (host clock) without a timeout")


def _first_per_path(facts: Facts, problem: Callable[[BidiResponse], str | None]) -> list[Evidence]:
    """Evidence for the first response to each path that has a problem (one item per path)."""
    seen: set[str] = set()
    found: list[Evidence] = []
    for label, response in facts.all_responses():
        if response.path in seen:
            continue
        message = problem(response)
        if message is not None:
            seen.add(response.path)
            found.append(Evidence(message=message, scenario=label, call=response.entry))
    return found
