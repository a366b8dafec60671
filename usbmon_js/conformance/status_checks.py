"""Status while printing: getStatus/requestStatus polled beside the job (usbmon-js-api.md §1.3-1.4)."""

from __future__ import annotations

from collections.abc import Iterable

from usbmon_js.conformance.checks import Verdict, check, judge, skipped
from usbmon_js.conformance.evidence import run_errors
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.conformance.scenarios import MUST_COMPLETE

STATUS_ENTRIES = ("getStatus", "requestStatus")


def _polled(runs: Iterable[JobRun], entry: str) -> int:
    return sum(run.report.calls.get(entry, 0) for run in runs if run.report is not None)


@check(
    "STAT-001",
    "status",
    "mandatory",
    "getStatus only reads",
    """getStatus gets a read-only printer stream: during a job the print channel carries job data,
    so Write throws there (usbmon-js-api.md §1.3) and USBMon stops polling for the job.""",
)
def get_status_reads_only(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    if "getStatus" not in facts.entry_points:
        return skipped("the script has no getStatus")
    polls = _polled(facts.job_runs(), "getStatus")
    if not polls:
        return skipped("getStatus was never polled (no job ran long enough, or requestStatus is used)")
    problems = [e for e in run_errors(facts.job_runs(), entries=["getStatus"]) if "read-only" in e.message]
    return judge(problems, f"{polls} getStatus poll(s), none wrote")


@check(
    "STAT-002",
    "status",
    "advisory",
    "Status polling survives every printer behaviour",
    """A failing getStatus/requestStatus stops status for the rest of the job (decisions.md): the
    queue then shows no printer state while the job prints.""",
)
def status_survives(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    defined = [entry for entry in STATUS_ENTRIES if entry in facts.entry_points]
    if not defined:
        return skipped("the script has neither getStatus nor requestStatus")
    runs = [*facts.reference_runs(), *(run for name, run in facts.matrix.items() if name in MUST_COMPLETE)]
    polls = sum(_polled(runs, entry) for entry in defined)
    if not polls:
        return skipped(f"{' / '.join(defined)} was never polled")
    problems = run_errors(runs, entries=defined)
    return judge(problems, f"{polls} status poll(s) without a failure")
