"""Robustness: the same input gives the same output, however often and however the host runs it."""

from __future__ import annotations

from typing import Any

from usbmon_js.conformance.checks import Evidence, Verdict, check, failed, judge, passed, skipped
from usbmon_js.conformance.evidence import byte_difference, error_evidence, run_errors
from usbmon_js.conformance.facts import Facts, JobRun
from usbmon_js.conformance.job_checks import job_skip, matrix_skip
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
    if _response_key(first) != _response_key(second):
        one, two = _response_key(first), _response_key(second)
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


@check(
    "ROB-002",
    "robustness",
    "mandatory",
    "Jobs do not rely on globals surviving between calls",
    """Windows promises nothing about script globals between calls (usbmon-js-api.md §6): per-job
    state belongs in JobPropertyBag, as in Microsoft's sample. The job is run again with the script
    reloaded before every call.""",
)
def job_without_globals(facts: Facts) -> Verdict:
    if why := matrix_skip(facts):
        return skipped(why)
    fresh, fast = facts.fresh_engine, facts.fast
    if fresh is None or fast is None:
        return skipped("the fresh-engine run was not made")
    problems = _same_job(fast, fresh, "script reloaded before every call")
    return judge(problems, "prints the same with the script reloaded before every call")


@check(
    "ROB-003",
    "robustness",
    "mandatory",
    "Bidi does not rely on globals surviving between calls",
    """As for jobs: getSchemas must answer the same when the script is reloaded before every call
    (including between requery rounds).""",
)
def bidi_without_globals(facts: Facts) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    if facts.bidi_xml is None or facts.bidi is None:
        return skipped("no Bidi XML given (--bidi-xml, or BidiUSBFile in the manifest)")
    normal, fresh = facts.bidi.get_all, facts.bidi.fresh_get_all
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


@check(
    "ROB-004",
    "robustness",
    "mandatory",
    "A second job prints like the first",
    """The engine lives as long as the port, so one job's leftovers (globals, counters, unread
    printer replies) must not change the next job.""",
)
def consecutive_jobs(facts: Facts) -> Verdict:
    if why := matrix_skip(facts):
        return skipped(why)
    if len(facts.consecutive) < 2:
        return skipped("two consecutive jobs were not run")
    first, second = facts.consecutive[0], facts.consecutive[1]
    return judge(_same_job(first, second, "second job on the same port"), "both jobs printed the same")


@check(
    "ROB-005",
    "robustness",
    "mandatory",
    "WritePort buffer boundaries do not matter",
    """The spooler's WritePort buffer size is not fixed (decisions.md): a page or a command can
    straddle buffers, and the printer must receive the same bytes whatever the size.""",
)
def buffer_sizes(facts: Facts) -> Verdict:
    if why := matrix_skip(facts):
        return skipped(why)
    fast = facts.fast
    assert fast is not None
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
    """Each engine has a heap and a stack limit (64 MiB, decisions.md); a script that exceeds it fails
    the call, and in the spooler it would take memory from every other printer.""",
)
def within_memory(facts: Facts) -> Verdict:
    return _limit(facts, "memory")


def _limit(facts: Facts, kind: str) -> Verdict:
    if why := facts.unavailable():
        return skipped(why)
    problems = run_errors(facts.job_runs(), kind)
    if facts.bidi is not None:
        problems += [
            error_evidence(label, error)
            for label, report in facts.bidi.reports()
            for error in report.errors
            if error.kind == kind
        ]
    runs = sum(1 for _ in facts.job_runs()) + (sum(1 for _ in facts.bidi.reports()) if facts.bidi else 0)
    return judge(problems, f"no {kind} error in {runs} run(s)")


@check(
    "ROB-008",
    "robustness",
    "mandatory",
    "A cancel mid-job is handled",
    """The spooler can cancel a job at any time (decisions.md, "Cancellation"): the job ends
    cancelled, endPrintJob runs exactly once for clean-up, and no byte reaches the printer after
    the cancel.""",
)
def cancel_handled(facts: Facts) -> Verdict:
    if why := matrix_skip(facts):
        return skipped(why)
    run = facts.matrix.get("cancel")
    if run is None or run.cancel is None:
        return skipped("the cancel scenario was not run")
    cancel = run.cancel
    if not cancel.fired:
        return skipped(f"the job ended ({run.outcome}) before the cancel at {cancel.after_s:g} s")
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
    return passed(
        Evidence(
            message=f"cancelled at t={cancel.t:g} s; endPrintJob ran once; nothing sent afterwards",
            scenario=run.label,
            bytes=f"{cancel.device_bytes} bytes before the cancel",
        )
    )


@check(
    "ROB-009",
    "robustness",
    "advisory",
    "Clean-up after a cancel does not fail",
    """After a cancel endPrintJob runs once so the script can clean up; the printer stream refuses
    writes by then, so clean-up code should not need the printer.""",
)
def cancel_cleanup(facts: Facts) -> Verdict:
    if why := matrix_skip(facts):
        return skipped(why)
    run = facts.matrix.get("cancel")
    if run is None or run.cancel is None or not run.cancel.fired:
        return skipped("no cancel happened mid-job (ROB-008)")
    cancelled_at = run.cancel.t or 0.0
    problems = [
        error_evidence(run.label, error)
        for error in run.errors
        if error.entry == "endPrintJob" and error.t >= cancelled_at
    ]
    return judge(problems, "endPrintJob cleaned up without an error")
