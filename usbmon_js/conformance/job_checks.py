"""The job pipeline under the device matrix: every job ends, nothing is lost, state is cleaned up.

The matrix (scenarios.py) runs the same job on printers that take data in different ways. A
driver that works only when the printer takes everything at once prints garbage on a real one.
"""

from __future__ import annotations

import itertools

from usbmon_js.conformance.checks import Evidence, Verdict, check, check_when, failed, judge, passed, skipped
from usbmon_js.conformance.evidence import (
    byte_difference,
    outcome_evidence,
    run_errors,
)
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.conformance.scenarios import FLOW_CONTROL, MUST_COMPLETE

NO_JOB_FUNCTIONS = "the script has no job functions (USBMon sends the print data to the printer unchanged)"


def job_skip(facts: Facts) -> str | None:
    if why := facts.unavailable():
        return why
    if not facts.has_job_functions:
        return NO_JOB_FUNCTIONS
    return None


def job_functions(facts: Facts) -> Facts | str:
    """The facts, or why no job check makes sense (the script did not load, or has no job functions)."""
    return job_skip(facts) or facts


def fast_run(facts: Facts) -> JobRun | str:
    """The fast printer's completed run, which the rest of the matrix is compared with; or why
    comparisons make no sense: no job functions, or not even the fast printer works."""
    if why := job_skip(facts):
        return why
    fast = facts.fast
    if fast is None or not fast.completed:
        return "the job does not complete even on the fast printer (JOB-010)"
    return fast


def completed_runs(facts: Facts, scenarios: tuple[str, ...] = MUST_COMPLETE) -> list[JobRun]:
    """The matrix runs of these scenarios that completed (the fast printer's included)."""
    return [run for name, run in facts.matrix.items() if name in scenarios and run.completed]


def _ends_as_expected(run: JobRun | None, missing: str) -> Verdict:
    if run is None:
        return skipped(missing)
    if run.outcome == run.expect:
        report = run.report
        assert report is not None
        return passed(
            Evidence(
                message=f"{run.outcome} in {report.duration_s:g} s (host clock)",
                scenario=run.label,
                bytes=f"{report.bytes_consumed} of {run.job_size} consumed, "
                f"{report.bytes_to_device} to the printer",
            )
        )
    return failed(*outcome_evidence(run))


@check(
    "JOB-001",
    "job",
    "mandatory",
    "A job completes on the vendor's printer",
    """The baseline: the conformance job printed on --device as it normally behaves must complete
    (startPrintJob 0, writePrintData consuming everything, endPrintJob 0).""",
)
def baseline_completes(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    return _ends_as_expected(facts.baseline, "the baseline job was not run")


@check(
    "JOB-002",
    "job",
    "mandatory",
    "An empty job completes",
    """A job with no data calls startPrintJob and endPrintJob but never writePrintData (decisions.md);
    endPrintJob must not depend on state only writePrintData sets up.""",
)
def empty_job(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    return _ends_as_expected(facts.empty, "the empty job was not run")


def _scenario_completes(check_id: str, name: str, title: str, rationale: str) -> None:
    @check_when(job_functions if name == "fast" else fast_run, check_id, "job", "mandatory", title, rationale)
    def evaluate(facts: Facts, _needed: object) -> Verdict:
        return _ends_as_expected(facts.matrix.get(name), f"the {name} scenario was not run")


_scenario_completes(
    "JOB-010",
    "fast",
    "Completes on a printer that takes everything at once",
    "The easiest printer: every Write is taken whole. Every other scenario is compared with this one.",
)
_scenario_completes(
    "JOB-011",
    "partial",
    "Completes when the printer takes small USB transfers",
    """Real printers accept a bulk transfer in pieces (max_write); the data must still arrive whole.""",
)
_scenario_completes(
    "JOB-012",
    "busy",
    "Completes when the printer is busy at times",
    """A busy printer refuses data for a while; Write waits up to its timeout (decisions.md), and the
    script must carry on once the printer takes data again.""",
)
_scenario_completes(
    "JOB-013",
    "slow",
    "Completes on a slow printer",
    """A printer working through a small input buffer makes every Write wait; the job takes time
    but must complete (the host clock is virtual here).""",
)
_scenario_completes(
    "JOB-014",
    "stall",
    "Completes when Write comes back short",
    """A printer that stalls for longer than the write timeout makes Write return fewer bytes than
    given (or 0): the script must keep the rest (ProcessedByteCount, TemporaryStreams) and return
    DeviceBusy or Retry (usbmon-js-api.md §1.6).""",
)
_scenario_completes(
    "JOB-015",
    "chatter",
    "Completes when the printer sends unsolicited status",
    """Printers send status on their own (PJL USTATUS, status frames); a script reading replies must
    not choke on bytes it did not ask for.""",
)


@check_when(
    fast_run,
    "JOB-016",
    "job",
    "mandatory",
    "A printer unplugged mid-job fails the job with a device error",
    """When the device disappears USBMon fails the job (decisions.md): the script must not hang,
    complete, or spin on a device that is gone.""",
)
def disconnect(facts: Facts, _fast: JobRun) -> Verdict:
    run = facts.matrix.get("disconnect")
    if run is None:
        return skipped("the disconnect scenario was not run")
    device_errors = [e for e in run.errors if e.kind == "device"]
    if run.outcome == "failed" and device_errors:
        return passed(Evidence(message=f"failed: {device_errors[0].message}", scenario=run.label))
    evidence = outcome_evidence(run)
    if not device_errors:
        evidence[0].message += "; no device error was recorded"
    return failed(*evidence)


@check_when(
    fast_run,
    "JOB-020",
    "job",
    "mandatory",
    "No job byte is lost or duplicated (passthrough drivers)",
    """For a driver that passes the job through (on the fast printer the job's bytes arrive
    unchanged), every printer that completes the job must receive exactly the same bytes: a short
    Write or a partial ProcessedByteCount must never drop or repeat data.""",
)
def no_lost_bytes(facts: Facts, fast: JobRun) -> Verdict:
    if not facts.job or facts.job not in fast.device_bytes:
        return skipped(
            "the driver transforms the job (the fast printer did not receive the job bytes unchanged)"
        )
    overhead = len(fast.device_bytes) - len(facts.job)
    runs = [*completed_runs(facts), *(r for r in facts.buffers.values() if r.completed)]
    problems = []
    for run in runs:
        difference = byte_difference(fast.device_bytes, run.device_bytes)
        intact = facts.job in run.device_bytes and len(run.device_bytes) - len(facts.job) == overhead
        if difference is not None and not intact:
            problems.append(
                Evidence(
                    message="the printer did not receive the job's bytes exactly once, in order",
                    scenario=run.label,
                    bytes=difference,
                )
            )
    return judge(problems, f"{len(runs)} completed run(s) delivered the {len(facts.job)} job bytes intact")


@check_when(
    fast_run,
    "JOB-021",
    "job",
    "advisory",
    "The printer receives the same bytes whatever its flow control",
    """Partial transfers, busy periods, a slow buffer and short Writes change timing, not content:
    the same job should reach each of those printers byte for byte as it reaches the fast one
    (unsolicited status is left out: a driver reading replies may rightly ask again).""",
)
def same_bytes_everywhere(facts: Facts, fast: JobRun) -> Verdict:
    runs = completed_runs(facts, FLOW_CONTROL)
    problems = [
        Evidence(message="differs from the fast printer", scenario=run.label, bytes=difference)
        for run in runs
        if (difference := byte_difference(fast.device_bytes, run.device_bytes)) is not None
    ]
    return judge(problems, f"{len(runs)} completed run(s), identical bytes")


@check(
    "JOB-022",
    "job",
    "mandatory",
    "ProcessedByteCount stays within printData",
    """ProcessedByteCount counts bytes consumed from this call's printData (usbmon-js-api.md §2.9):
    the host clamps it to [0, printData.length], and a value outside means the script's own
    accounting is wrong (bytes skipped or counted twice).""",
)
def processed_in_bounds(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    problems = [
        Evidence(message=warning, scenario=run.label, call="writePrintData")
        for run in facts.job_runs()
        if run.report is not None
        for warning in run.report.warnings
        if "ProcessedByteCount" in warning and "clamped" in warning
    ]
    return judge(problems, "ProcessedByteCount always within [0, printData.length]")


@check(
    "JOB-023",
    "job",
    "mandatory",
    "writePrintData makes progress",
    """A job in which nothing is consumed or sent for 60 s fails with a no_progress error
    (decisions.md): Success or Retry with ProcessedByteCount 0 forever, or DeviceBusy on a printer
    that takes data again, never ends otherwise.""",
)
def makes_progress(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    problems = run_errors(facts.job_runs(), "no_progress", entries=["writePrintData"])
    return judge(problems, "no run stalled")


@check(
    "JOB-024",
    "job",
    "mandatory",
    "TemporaryStreams are drained by the end of the job",
    """TemporaryStreams live for one job (usbmon-js-api.md §2.7); bytes still in them when endPrintJob
    returns Success were consumed from the job but never reached the printer.""",
)
def temp_streams_drained(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    problems = [
        Evidence(
            message=f"TemporaryStreams[{index}] still holds {pending} bytes at the end of the job",
            scenario=run.label,
            bytes=f"{pending} bytes never read back",
        )
        for run in facts.job_runs()
        if run.completed
        for index, pending in enumerate(run.temp_pending)
        if pending
    ]
    return judge(problems, "both TemporaryStreams empty at the end of every completed job")


@check(
    "JOB-025",
    "job",
    "mandatory",
    "PrintedPageCount never goes down",
    """PrintedPageCount is the job's page progress shown by the spooler (usbmon-js-api.md §2.7): it
    counts pages printed so far, so it only grows.""",
)
def page_count_monotonic(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    problems = []
    used = False
    for run in facts.job_runs():
        history = run.page_history
        used = used or bool(history)
        for number, (before, after) in enumerate(itertools.pairwise(history), start=2):
            if after < before:
                problems.append(
                    Evidence(
                        message=f"PrintedPageCount went from {before} to {after} (assignment #{number})",
                        scenario=run.label,
                        call="PrintedPageCount",
                    )
                )
                break
    if not used:
        return passed("the script never sets PrintedPageCount (the spooler estimates progress)")
    return judge(problems, "PrintedPageCount only grows")


@check(
    "JOB-026",
    "job",
    "advisory",
    "bytes_to_device is what the printer received",
    """The report's bytes_to_device must equal what the printer accepted (the contract's JSON
    report): byte accounting that drifts hides lost data. The count is the host's, not the
    script's, so this is a self-check of usbmon-js: a failure is a usbmon-js bug to report.""",
)
def device_accounting(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    problems = [
        Evidence(
            message="the report and the printer disagree",
            scenario=run.label,
            bytes=f"report {run.report.bytes_to_device}, printer received {len(run.device_bytes)}",
        )
        for run in facts.job_runs()
        if run.report is not None and run.report.bytes_to_device != len(run.device_bytes)
    ]
    return judge(problems, "report and printer agree in every run")


@check(
    "JOB-027",
    "job",
    "mandatory",
    "Every job ends on its own",
    """A job must end by the script's own return codes, not by the host's safety bounds: endPrintJob
    Retry for 300 s, or a run the host had to abandon (decisions.md, "Bounds, so nothing hangs").""",
)
def jobs_end(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    runs = list(facts.job_runs())
    problems = [outcome_evidence(run)[0] for run in runs if run.hung or run.crash]
    problems += run_errors(runs, "no_progress", entries=["endPrintJob"])
    return judge(problems, f"{len(runs)} job(s) ended on their own")


@check_when(
    fast_run,
    "JOB-029",
    "job",
    "advisory",
    "PrintedPageCount is the same on every printer",
    """Pages printed depend on the job, not on the printer's flow control; a count that differs
    between printers is counting writes, not pages.""",
)
def page_count_consistent(facts: Facts, fast: JobRun) -> Verdict:
    runs = completed_runs(facts)
    counts = {run.label: run.report.pages_printed for run in runs if run.report is not None}
    if len(set(counts.values())) <= 1:
        value = next(iter(counts.values()), None)
        if value is None:
            return passed("the script does not count pages (PrintedPageCount is never set)")
        return passed(f"pages_printed {value} on all {len(counts)} completed run(s)")
    fast_count = counts.get(fast.label)
    return failed(
        *(
            Evidence(message=f"pages_printed {count}, fast printer {fast_count}", scenario=label)
            for label, count in counts.items()
            if count != fast_count
        )
    )
