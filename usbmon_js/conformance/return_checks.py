"""Return codes: only the values USBMon defines for each entry point, and no exceptions.

Codes are collected from every run (all scenarios and Bidi requests): a code outside the
documented set is a bug wherever it shows up, and USBMon treats it as a failure.
"""

from __future__ import annotations

from usbmon_js.conformance.checks import Evidence, Verdict, check, failed, judge, passed, skipped
from usbmon_js.conformance.evidence import error_evidence, first_call_evidence, run_errors
from usbmon_js.conformance.facts import Facts

ALLOWED: dict[str, tuple[frozenset[int], str]] = {
    "startPrintJob": (frozenset({0, 1}), "§1.5: 0 Success, 1 Failure"),
    "writePrintData": (frozenset({0, 1, 2, 3, 4}), "§1.6: 0 Success … 4 AbortTheJob"),
    "endPrintJob": (frozenset({0, 1, 2}), "§1.7: 0 Success, 1 Failure, 2 Retry"),
    "getSchemas": (frozenset({0, 1}), "§1.1: 0 done, 1 requery"),
    "setSchema": (frozenset({0, 1}), "§1.2: 0 done, 1 not ready"),
    "getStatus": (frozenset({0, 2}), "§1.3: 0 call again, 2 stop"),
    "requestStatus": (frozenset({0, 2}), "§1.4: 0 call again, 2 stop"),
}
_NOT_A_NUMBER = "expects an integer return code"


def _allowed_codes(entry: str, check_id: str) -> None:
    codes, where = ALLOWED[entry]
    shown = ", ".join(str(c) for c in sorted(codes))

    @check(
        check_id,
        "return_codes",
        "mandatory",
        f"{entry} returns only {shown}",
        f"""usbmon-js-api.md {where}. USBMon treats any other value as a failure
        (decisions.md), so the job or the Bidi request fails.""",
    )
    def evaluate(facts: Facts) -> Verdict:
        if why := facts.unavailable():
            return skipped(why)
        if entry not in facts.entry_points:
            return skipped(f"the script has no {entry}")
        calls = 0
        problems: list[Evidence] = []
        for run in facts.job_runs():
            if run.report is None:
                continue
            calls += run.report.calls.get(entry, 0)
            for code, count in run.report.return_codes.get(entry, {}).items():
                if int(code) not in codes:
                    message = f"{entry} returned {code} ({count}×); allowed: {shown}"
                    problems.append(first_call_evidence(run, entry, int(code), message))
        if facts.bidi is not None:
            for label, report in facts.bidi.reports():
                calls += report.calls.get(entry, 0)
                for code, count in report.return_codes.get(entry, {}).items():
                    if int(code) not in codes:
                        problems.append(
                            Evidence(
                                message=f"{entry} returned {code} ({count}×); allowed: {shown}",
                                scenario=label,
                                call=entry,
                                return_code=int(code),
                            )
                        )
        if not calls:
            return skipped(f"{entry} was never called")
        return judge(problems, f"{calls} call(s), every return code in {{{shown}}}")


for _number, _entry in enumerate(ALLOWED, start=1):
    _allowed_codes(_entry, f"RC-{_number:03d}")


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
    problems = [e for e in run_errors(facts.job_runs(), "invalid_return") if _NOT_A_NUMBER in e.message]
    if facts.bidi is not None:
        problems += [
            error_evidence(label, error)
            for label, report in facts.bidi.reports()
            for error in report.errors
            if error.kind == "invalid_return" and _NOT_A_NUMBER in error.message
        ]
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
    problems = run_errors(runs, "exception")
    looked = [f"{len(runs)} job run(s)"]
    if facts.bidi is not None:
        reports = [
            (label, report)
            for label, report in facts.bidi.reports(reference_only=True)
            if label.startswith("bidi get")
        ]
        looked.append(f"{len(reports)} Bidi Get(s)")
        problems += [
            error_evidence(label, error)
            for label, report in reports
            for error in report.errors
            if error.kind == "exception"
        ]
    if not runs and facts.bidi is None:
        return skipped("nothing ran on the vendor's printer")
    if problems:
        return failed(*problems)
    return passed(f"no exception in {' and '.join(looked)} on {facts.device_spec}")
