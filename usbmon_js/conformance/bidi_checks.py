"""Bidi: the script answers what its extension XML declares, the way the XML declares it.

Every check here but BIDI-013 (which reads only the files) needs the XML and the Bidi requests the
runner made (`bidi_under_test`); without them it is skipped with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import NamedTuple

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.conformance.checks import (
    Evidence,
    Severity,
    Verdict,
    check,
    check_when,
    failed,
    judge,
    passed,
    skipped,
)
from usbmon_js.conformance.evidence import error_evidence
from usbmon_js.conformance.facts import BidiFacts, Facts
from usbmon_js.formats.bidi_xml import BidiSchema, DeclaredValue
from usbmon_js.formats.driver_events import check_events_against_schema
from usbmon_js.portmon.bidi.codes import BidiErrorCode
from usbmon_js.portmon.bidi.results import BidiReport

NO_XML = "no Bidi XML given (--bidi-xml, or BidiUSBFile in the manifest)"
NO_VALUES = "the XML declares no value the script must answer"
GET_ALL = "bidi get \\Printer"
_SCRIPT_FAILURES = ("exception", "invalid_return", "timeout", "memory")


class BidiUnderTest(NamedTuple):
    schema: BidiSchema
    requests: BidiFacts


def bidi_under_test(facts: Facts) -> BidiUnderTest | str:
    """The XML and the Bidi requests made, or why there are none."""
    if why := facts.unavailable():
        return why
    if facts.bidi_xml is None:
        return NO_XML
    if facts.bidi is None:
        return "the Bidi requests were not run"
    return BidiUnderTest(facts.bidi_xml, facts.bidi)


def bidi_check(
    check_id: str, severity: Severity, title: str, rationale: str
) -> Callable[[Callable[[Facts, BidiUnderTest], Verdict]], Callable[[Facts, BidiUnderTest], Verdict]]:
    """Register a Bidi check: its evaluator also gets the XML and the Bidi requests made."""
    return check_when(bidi_under_test, check_id, "bidi", severity, title, rationale)


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


def _first_per_path(
    facts: Facts,
    problem: Callable[[BidiResponse], str | None],
    key: Callable[[BidiResponse], Hashable] = lambda response: response.path,
) -> list[Evidence]:
    """Evidence for the first response with a problem, per path (or per `key`), from any run."""
    seen: set[Hashable] = set()
    found: list[Evidence] = []
    for label, response in facts.all_responses():
        if key(response) in seen:
            continue
        message = problem(response)
        if message is not None:
            seen.add(key(response))
            found.append(
                Evidence(
                    message=message,
                    scenario=label,
                    call=response.entry,
                    arguments=None if response.value is None else repr(response.value),
                )
            )
    return found


@bidi_check(
    "BIDI-001",
    "mandatory",
    "getSchemas exists when the XML declares values to get",
    """USBMon answers a Get of a declared <Value> by calling getSchemas (usbmon-js-api.md §4.2);
    without it every such Get fails.""",
)
def has_get_schemas(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    values = script_values(bidi.schema)
    if not values:
        return passed(NO_VALUES)
    if "getSchemas" not in facts.entry_points:
        return failed(
            f"the XML declares {len(values)} gettable value(s) (e.g. {values[0].path}) but no getSchemas"
        )
    return passed(f"getSchemas answers {len(values)} declared value(s)")


@bidi_check(
    "BIDI-002",
    "mandatory",
    "Every declared Get value is answered",
    """A Bidi client may ask for any value the XML declares; getSchemas returning 0 without it
    answers ERROR_NO_DATA, a failure ERROR_BIDI_DEVICE_OFFLINE (usbmon-js-api.md §4.2).""",
)
def all_answered(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    values = script_values(bidi.schema)
    if not values:
        return skipped(NO_VALUES)
    report = bidi.requests.get_all
    if report is None:
        return skipped("the Get was not run")
    problems = _result_problems(report, {v.path for v in values}, GET_ALL)
    problems += [error_evidence(GET_ALL, e) for e in report.errors[:3]]
    return judge(problems, f"all {len(values)} declared value(s) answered")


@bidi_check(
    "BIDI-003",
    "mandatory",
    "Values are reported with their declared type",
    """A declared BIDI_INT must come from AddInt32, a BIDI_STRING from AddString, and so on
    (usbmon-js-api.md §2.5); Bidi clients read the value as the declared type.""",
)
def declared_types(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    def problem(response: BidiResponse) -> str | None:
        declared = bidi.schema.lookup(response.path)
        if declared is None or declared.type == response.type:
            return None
        return f"{response.path} reported as {response.type}; the XML declares {declared.type}"

    problems = _first_per_path(facts, problem, key=lambda response: (response.path, response.type))
    return judge(problems, "every declared value came with its declared type")


@bidi_check(
    "BIDI-004",
    "mandatory",
    "Each query key can be asked for on its own",
    """USBMon asks getSchemas only for the keys whose values are missing or stale (usbmon-js-api.md
    §4.2-4.3): a script must answer one key without the others being asked in the same call.""",
)
def each_key(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    if not bidi.requests.get_each:
        return skipped(NO_VALUES)
    values = script_values(bidi.schema)
    problems: list[Evidence] = []
    for key, report in bidi.requests.get_each.items():
        paths = {v.path for v in values if v.request_key == key}
        problems += _result_problems(report, paths, f"bidi get key {key}")
    return judge(problems, f"{len(bidi.requests.get_each)} query key(s) each answered alone")


@bidi_check(
    "BIDI-005",
    "mandatory",
    "Requery rounds converge",
    """getSchemas returning 1 must name the keys to ask again with AddRequeryKey, and be done within
    USBMon's rounds (10, decisions.md "Bidi"); otherwise the values never arrive.""",
)
def requery_converges(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    problems: list[Evidence] = []
    requeries = 0
    for label, report in bidi.requests.reports(reference_only=True):
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


@bidi_check(
    "BIDI-006",
    "mandatory",
    "A Set of a read-only value never reaches setSchema",
    """accessType decides what can be set: a Set of a Get-only value, a Const or an Event answers
    ERROR_BIDI_SCHEMA_READ_ONLY without calling the script (usbmon-js-api.md §4.4).""",
)
def read_only_sets(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    sets = bidi.requests.set_read_only
    if not sets:
        return skipped("the XML declares no read-only value")
    problems = []
    for path, report in sets.items():
        error = report.results[0].error if report.results else None
        if error != BidiErrorCode.SCHEMA_READ_ONLY or report.calls.get("setSchema"):
            problems.append(
                Evidence(
                    message=f"Set of {path}: answered {error}, setSchema called "
                    f"{report.calls.get('setSchema', 0)}×",
                    scenario=f"bidi set {path}",
                )
            )
    return judge(problems, f"{len(sets)} read-only value(s) refused without calling the script")


@bidi_check(
    "BIDI-007",
    "mandatory",
    "setSchema handles a Set of every settable value",
    """Every value declared accessType Set or GetSet is set through setSchema (usbmon-js-api.md §1.2);
    it must exist and must not throw or return a code other than 0 or 1.""",
)
def settable_sets(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    sets = bidi.requests.set_settable
    if not sets:
        return skipped("the XML declares no settable value")
    if "setSchema" not in facts.entry_points:
        return failed(f"the XML declares settable value(s) ({', '.join(sets)}) but no setSchema")
    problems = [
        error_evidence(f"bidi set {path}", error)
        for path, report in sets.items()
        for error in report.errors
        if error.kind in _SCRIPT_FAILURES
    ]
    return judge(problems, f"{len(sets)} settable value(s) set without a failure")


@bidi_check(
    "BIDI-008",
    "advisory",
    "Responses name declared paths",
    """USBMon keeps responses to paths the XML does not declare (Microsoft's sample reports one), but
    no Bidi client can ask for them: they are usually a typo in the path.""",
)
def declared_paths(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    def problem(response: BidiResponse) -> str | None:
        if response.type == "BIDI_NULL" or bidi.schema.lookup(response.path) is not None:
            return None  # events are BIDI-009's
        return f"{response.path} is not declared in the XML"

    return judge(_first_per_path(facts, problem), "every response names a declared path")


@bidi_check(
    "BIDI-009",
    "mandatory",
    "Raised events are declared <Event>s",
    """AddNull raises an event only for a path the XML declares as <Event> (usbmon-js-api.md §3.2-3.3);
    any other path raises nothing, so the user never sees the prompt.""",
)
def declared_events(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    raised = sum(response.type == "BIDI_NULL" for _, response in facts.all_responses())
    if not raised:
        return passed("the script raised no event")

    def problem(response: BidiResponse) -> str | None:
        declared = bidi.schema.lookup(response.path)
        if response.type != "BIDI_NULL" or (declared is not None and declared.kind == "Event"):
            return None
        what = "is not declared" if declared is None else f"is declared as a {declared.kind}, not an <Event>"
        return f"AddNull({response.path}): {what}"

    return judge(_first_per_path(facts, problem), f"{raised} event(s) raised, all declared")


@bidi_check(
    "BIDI-010",
    "mandatory",
    "DriverEvents queries and triggers name declared paths",
    """A USB DriverEvent whose query or trigger path the XML does not declare never fires
    (usbmon-js-api.md §3.3); neither does an order comparison on a non-numeric value.""",
)
def driver_events(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    if facts.events is None:
        return skipped("no DriverEvents file (EventFile= in the manifest, or --event-file)")
    problems = [Evidence(message=w) for w in check_events_against_schema(facts.events, bidi.schema)]
    count = len(facts.events.usb_events())
    return judge(problems, f"{count} USB driver event(s), all on declared paths")


@bidi_check(
    "BIDI-011",
    "advisory",
    "Const and built-in values are left to USBMon",
    """USBMon answers <Const> values from the XML and the DeviceInfo built-ins from the device ID
    without calling the script (usbmon-js-api.md §3.4, §4.2); reporting them is dead code.""",
)
def leaves_const(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    def problem(response: BidiResponse) -> str | None:
        declared = bidi.schema.lookup(response.path)
        if declared is None or declared.kind not in ("Const", "BuiltIn"):
            return None
        return f"reports {response.path}, a <{declared.kind}>"

    return judge(_first_per_path(facts, problem), "no response to a Const or built-in value")


@bidi_check(
    "BIDI-012",
    "mandatory",
    "Bidi requests end when the printer does not answer",
    """A printer that is off or busy answers nothing: Read returns [] after a short timeout
    (decisions.md), and getSchemas must give up (fail, or report what it has) rather than run
    into its deadline, which blocks the port for every request.""",
)
def silent_printer(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    if "getSchemas" not in facts.entry_points:
        return skipped("the script has no getSchemas")
    report = bidi.requests.silent
    if report is None:
        return skipped("the Get on a silent printer was not run")
    label = "bidi get on a silent printer"
    problems = [error_evidence(label, e) for e in report.errors if e.kind == "timeout"]
    return judge(problems, f"ended in {report.duration_s:g} s (host clock) without a timeout")


@check(
    "BIDI-013",
    "bidi",
    "advisory",
    "The Bidi XML and DriverEvents file hold nothing doubtful",
    """Legal but doubtful content loads with a warning: a top-level property other than \\Printer
    (nothing beneath it can be queried), an empty queryKey, a DriverEvent that can never fire;
    USBMon accepts the file, but those values cannot be asked for and those events never show.""",
)
def clean_driver_files(facts: Facts) -> Verdict:
    files = [f for f in (facts.bidi_xml, facts.events) if f is not None]
    if not files:
        return skipped("no Bidi XML or DriverEvents file given")
    problems = [Evidence(message=warning) for f in files for warning in f.warnings]
    return judge(problems, "no warning in " + ", ".join(f.name for f in files))
