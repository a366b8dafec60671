"""Robustness: the same input gives the same output, however often and however the host runs it."""

from __future__ import annotations

from typing import Any

from usbmon_js.conformance.bidi_checks import BidiUnderTest, bidi_under_test
from usbmon_js.conformance.checks import Evidence, Verdict, check, check_when, failed, judge, passed, skipped
from usbmon_js.conformance.evidence import bidi_errors, byte_difference, error_evidence, run_errors
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.conformance.job_checks import fast_run, job_skip
from usbmon_js.portmon.bidi.results import BidiReport


def _response_key(run: JobRun) -> list[tuple[str, str, str, Any]]:
    return [(r.entry, r.path, r.type, r.value) for r in run.responses]


def _same_job(reference: JobRun, run: JobRun, what: str) -> list[Evidence]:
    """How `run` differs from `reference`: outcome, bytes; the run's errors explain why."""
    problems: list[Evidence] = []
    if run.outcome != reference.outcome:
        problems.append(
            Evidence(
                message=f"{what}: outcome {run.outcome}, expected {reference.outcome}", scenario=run.label
            )
        )
    difference = byte_difference(reference.device_bytes, run.device_bytes)
    if difference is not None:
        problems.append(
            Evidence(message=f"{what}: different printer bytes", scenario=run.label, bytes=difference)
        )
    if problems:
        problems += run_errors([run])[:4]
    return problems


@check(
    "ROB-001",
    "robustness",
    "mandatory",
    "Deterministic: the same job prints the same way twice",
    """Two runs of the same job on the same printer must send the same bytes and report the same
    values; output that depends on time, randomness or leftovers cannot be supported.""",
)
def deterministic(facts: Facts) -> Verdict:
    if why := job_skip(facts):
        return skipped(why)
    first, second = facts.baseline, facts.baseline_again
    if first is None or second is None:
        return skipped("the baseline job was not run twice")
    problems = _same_job(first, second, "second run")
    one, two = _response_key(first), _response_key(second)
    if one != two:
        index = next(
            (i for i, (a, b) in enumerate(zip(one, two, strict=False)) if a != b), min(len(one), len(two))
        )
        shown = [seq[index] if index < len(seq) else "(none)" for seq in (one, two)]
        problems.append(
            Evidence(
                message=f"responses differ at #{index + 1}: {shown[0]} vs {shown[1]}", scenario=second.label
            )
        )
    return judge(problems, f"identical outcome, {len(first.device_bytes)} printer bytes and responses")


@check_when(
    fast_run,
    "ROB-002",
    "robustness",
    "mandatory",
    "Jobs do not rely on globals surviving between calls",
    """Windows promises nothing about script globals between calls (usbmon-js-api.md §6): per-job
    state belongs in JobPropertyBag, as in Microsoft's sample. The job is run again with the script
    reloaded before every call.""",
)
def job_without_globals(facts: Facts, fast: JobRun) -> Verdict:
    fresh = facts.fresh_engine
    if fresh is None:
        return skipped("the fresh-engine run was not made")
    problems = _same_job(fast, fresh, "script reloaded before every call")
    return judge(problems, "prints the same with the script reloaded before every call")


@check_when(
    bidi_under_test,
    "ROB-003",
    "robustness",
    "mandatory",
    "Bidi does not rely on globals surviving between calls",
    """As for jobs: getSchemas must answer the same when the script is reloaded before every call
    (including between requery rounds).""",
)
def bidi_without_globals(facts: Facts, bidi: BidiUnderTest) -> Verdict:
    normal, fresh = bidi.requests.get_all, bidi.requests.fresh_get_all
    if normal is None or fresh is None or "getSchemas" not in facts.entry_points:
        return skipped("the script has no getSchemas")
    problems = _compare_bidi(normal, fresh)
    return judge(problems, f"{len(normal.results)} value(s) answered the same")


def _compare_bidi(normal: BidiReport, fresh: BidiReport) -> list[Evidence]:
    answers = {r.path: (r.error, r.value) for r in normal.results}
    problems = [
        Evidence(
            message=f"{r.path}: {_shown(r.error, r.value)} with a fresh engine, "
            f"{_shown(*answers[r.path])} normally",
            scenario="bidi get, fresh engine per call",
        )
        for r in fresh.results
        if r.path in answers and (r.error, r.value) != answers[r.path]
    ]
    if problems:
        problems += [error_evidence("bidi get, fresh engine per call", e) for e in fresh.errors[:3]]
    return problems


def _shown(error: int | None, value: Any) -> str:
    return f"error {error}" if error is not None else repr(value)


@check_when(
    fast_run,
    "ROB-004",
    "robustness",
    "mandatory",
    "A second job prints like the first",
    """The engine lives as long as the port, so one job's leftovers (globals, counters, unread
    printer replies) must not change the next job.""",
)
def consecutive_jobs(facts: Facts, _fast: JobRun) -> Verdict:
    if len(facts.consecutive) < 2:
        return skipped("two consecutive jobs were not run")
    first, second = facts.consecutive[0], facts.consecutive[1]
    return judge(_same_job(first, second, "second job on the same port"), "both jobs printed the same")


@check_when(
    fast_run,
    "ROB-005",
    "robustness",
    "mandatory",
    "WritePort buffer boundaries do not matter",
    """The spooler's WritePort buffer size is not fixed (decisions.md): a page or a command can
    straddle buffers, and the printer must receive the same bytes whatever the size.""",
)
def buffer_sizes(facts: Facts, fast: JobRun) -> Verdict:
    if not facts.buffers:
        return skipped("the buffer-size runs were not made")
    problems = [
        problem
        for size, run in facts.buffers.items()
        for problem in _same_job(fast, run, f"{size}-byte buffers")
    ]
    sizes = ", ".join(
        str(size) for size in (fast.report.job.get("buffer_size") if fast.report else "?", *facts.buffers)
    )
    return judge(problems, f"same printer bytes with {sizes}-byte buffers")


@check(
    "ROB-006",
    "robustness",
    "mandatory",
    "Calls stay within the time limit",
    """Each call has a deadline (10 s by default, decisions.md); a script that runs into it blocks the
    spooler's port for that long and fails the call.""",
)
def within_time(facts: Facts) -> Verdict:
    return _limit(facts, "timeout")


@check(
    "ROB-007",
    "robustness",
    "mandatory",
    "Calls stay within the memory limit",
    """Each engine has a heap and a stack limit (64 MiB by default, decisions.md); a script that
    exceeds it fails the call, and in the spooler it would take memory from every other printer.""",
)
def within_memory(facts: Facts) -> Verdict:
    return _limit(facts, "memory")


def _limit(facts: Facts, kind: str) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    problems = run_errors(facts.job_runs(), kind) + bidi_errors(facts.bidi, kind)
    runs = sum(1 for _ in facts.job_runs()) + (sum(1 for _ in facts.bidi.reports()) if facts.bidi else 0)
    return judge(problems, f"no {kind} error in {runs} run(s)")


def cancelled_mid_job(facts: Facts) -> JobRun | str:
    """The cancel scenario's run when the cancel came while the job was printing, or why not."""
    found = fast_run(facts)
    if isinstance(found, str):
        return found
    run = facts.matrix.get("cancel")
    if run is None or run.cancel is None:
        return "the cancel scenario was not run"
    if not run.cancel.fired:
        return f"the job ended ({run.outcome}) before the cancel at {run.cancel.after_s:g} s"
    return run


@check_when(
    cancelled_mid_job,
    "ROB-008",
    "robustness",
    "mandatory",
    "A cancel mid-job is handled",
    """The spooler can cancel a job at any time (decisions.md, "Cancellation"): the job ends
    cancelled, endPrintJob runs exactly once for clean-up, and no byte reaches the printer after
    the cancel.""",
)
def cancel_handled(facts: Facts, run: JobRun) -> Verdict:
    cancel = run.cancel
    assert cancel is not None
    problems: list[Evidence] = []
    if run.outcome != "cancelled":
        problems.append(Evidence(message=f"outcome {run.outcome}, expected cancelled", scenario=run.label))
    after = [c for c in run.calls("endPrintJob") if c.get("t", 0.0) >= (cancel.t or 0.0)]
    expected_calls = 1 if "endPrintJob" in facts.entry_points else 0
    if len(after) != expected_calls:
        problems.append(
            Evidence(
                message=f"endPrintJob called {len(after)}× after the cancel, expected {expected_calls}",
                scenario=run.label,
                call="endPrintJob",
            )
        )
    late = len(run.device_bytes) - cancel.device_bytes
    if late:
        problems.append(
            Evidence(
                message="bytes reached the printer after the cancel",
                scenario=run.label,
                bytes=f"{late} bytes after t={cancel.t:g} s",
            )
        )
    if problems:
        return failed(*problems, *run_errors([run])[:4])
    cleanup = "endPrintJob ran once" if expected_calls else "no endPrintJob to run"
    return passed(
        Evidence(
            message=f"cancelled at t={cancel.t:g} s; {cleanup}; nothing sent afterwards",
            scenario=run.label,
            bytes=f"{cancel.device_bytes} bytes before the cancel",
        )
    )


@check_when(
    cancelled_mid_job,
    "ROB-009",
    "robustness",
    "advisory",
    "Clean-up after a cancel does not fail",
    """After a cancel endPrintJob runs once so the script can clean up; the printer stream refuses
    writes by then, so clean-up code should not need the printer.""",
)
def cancel_cleanup(facts: Facts, run: JobRun) -> Verdict:
    cancelled_at = run.cancel.t if run.cancel is not None and run.cancel.t is not None else 0.0
    problems = [
        error_evidence(run.label, error)
        for error in run.errors
        if error.entry == "endPrintJob" and error.t >= cancelled_at
    ]
    return judge(problems, "endPrintJob cleaned up without an error")
