"""Return codes: only the values USBMon defines for each entry point, and no exceptions.

Codes are collected from every run (all scenarios and Bidi requests): a code outside the
documented set is a bug wherever it shows up, and USBMon treats it as a failure.
"""

from __future__ import annotations

from collections.abc import Iterator

from usbmon_js.conformance.checks import Evidence, Verdict, check, judge, skipped
from usbmon_js.conformance.evidence import bidi_errors, first_call_evidence, run_errors
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.lint.entry_points import SIGNATURES
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.report import JobReport

# Stable ids (in the order the checks were first numbered, not the spec's), and what USBMon does
# when the entry point returns another value.
RC_CHECKS = {
    "startPrintJob": ("RC-001", "the job fails"),
    "writePrintData": ("RC-002", "the job fails"),
    "endPrintJob": ("RC-003", "the job fails"),
    "getSchemas": ("RC-004", "the Bidi request fails"),
    "setSchema": ("RC-005", "the Bidi request fails"),
    "getStatus": ("RC-006", "status polling stops for the job"),
    "requestStatus": ("RC-007", "status polling stops for the job"),
}
_NOT_A_NUMBER = "expects an integer return code"


def _tallies(facts: Facts) -> Iterator[tuple[str, JobReport | BidiReport, JobRun | None]]:
    """(label, report, job run or None) of every run that called the script: jobs, then Bidi requests."""
    for run in facts.job_runs():
        if run.report is not None:
            yield run.label, run.report, run
    if facts.bidi is not None:
        for label, report in facts.bidi.reports():
            yield label, report, None


def _allowed_codes(entry: str, check_id: str, consequence: str) -> None:
    signature = SIGNATURES[entry]
    codes = set(signature.codes)
    shown = ", ".join(str(c) for c in sorted(codes))

    @check(
        check_id,
        "return_codes",
        "mandatory",
        f"{entry} returns only {shown}",
        f"""usbmon-js-api.md {signature.section}: {signature.describe_codes()}. USBMon treats any
        other value as a failure (decisions.md): {consequence}.""",
    )
    def evaluate(facts: Facts) -> Verdict:
        if why := facts.unavailable():
            return skipped(why)
        if entry not in facts.entry_points:
            return skipped(f"the script has no {entry}")
        calls = 0
        problems: list[Evidence] = []
        for label, report, run in _tallies(facts):
            calls += report.calls.get(entry, 0)
            for code, count in report.return_codes.get(entry, {}).items():
                if int(code) in codes:
                    continue
                message = f"{entry} returned {code} ({count}×); allowed: {shown}"
                problems.append(
                    first_call_evidence(run, entry, int(code), message)
                    if run is not None
                    else Evidence(message=message, scenario=label, call=entry, return_code=int(code))
                )
        if not calls:
            return skipped(f"{entry} was never called")
        return judge(problems, f"{calls} call(s), every return code in {{{shown}}}")


for _entry, (_check_id, _consequence) in RC_CHECKS.items():
    _allowed_codes(_entry, _check_id, _consequence)


@check(
    "RC-008",
    "return_codes",
    "mandatory",
    "Entry points return numbers",
    """Return values are JS numbers (usbmon-js-api.md §1); a function that falls off its end returns
    undefined, and a string or boolean is no code either: USBMon fails the call.""",
)
def returns_numbers(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    found = run_errors(facts.job_runs(), "invalid_return") + bidi_errors(facts.bidi, "invalid_return")
    problems = [e for e in found if _NOT_A_NUMBER in e.message]
    return judge(problems, "every call returned a number")


@check(
    "RC-009",
    "return_codes",
    "mandatory",
    "No exceptions on the vendor's printer",
    """USBMon turns an exception into a failure: Failure in the job functions, a failed Bidi request
    (ERROR_BIDI_DEVICE_OFFLINE) in getSchemas/setSchema, the end of polling in getStatus
    (usbmon-js-api.md §4.6). A normal job and normal Bidi requests must not throw.""",
)
def no_exceptions(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    runs = list(facts.reference_runs())
    if not runs and facts.bidi is None:
        return skipped("nothing ran on the vendor's printer")
    problems = run_errors(runs, "exception")
    problems += bidi_errors(facts.bidi, "exception", reference_only=True, gets_only=True)
    looked = [f"{len(runs)} job run(s)"]
    if facts.bidi is not None:
        gets = sum(1 for _ in facts.bidi.reports(reference_only=True, gets_only=True))
        looked.append(f"{gets} Bidi Get(s)")
    return judge(problems, f"no exception in {' and '.join(looked)} on {facts.device_spec}")
