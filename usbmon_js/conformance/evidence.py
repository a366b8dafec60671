"""Turning what a run recorded into evidence a vendor can act on: where, which call, which bytes."""

from __future__ import annotations

from collections.abc import Iterable

from usbmon_js.conformance.checks import Evidence
from usbmon_js.conformance.facts import BidiFacts, JobRun
from usbmon_js.portmon.report import JobError

EXCERPT = 16


def error_evidence(label: str, error: JobError) -> Evidence:
    first_frame = error.stack.strip().splitlines()[0].strip() if error.stack.strip() else None
    return Evidence(
        message=f"{error.kind}: {error.message}",
        scenario=label,
        call=error.entry,
        location=error.location or first_frame,
        t=error.t,
    )


def run_errors(runs: Iterable[JobRun], *kinds: str, entries: Iterable[str] = ()) -> list[Evidence]:
    """Evidence for every error of these kinds (all kinds when none given) in these runs."""
    wanted = set(entries)
    return [
        error_evidence(run.label, error)
        for run in runs
        for error in run.errors
        if (not kinds or error.kind in kinds) and (not wanted or error.entry in wanted)
    ]


def bidi_errors(
    bidi: BidiFacts | None, *kinds: str, reference_only: bool = False, gets_only: bool = False
) -> list[Evidence]:
    """Evidence for every error of these kinds (all kinds when none given) in the Bidi requests."""
    if bidi is None:
        return []
    return [
        error_evidence(label, error)
        for label, report in bidi.reports(reference_only=reference_only, gets_only=gets_only)
        for error in report.errors
        if not kinds or error.kind in kinds
    ]


def outcome_evidence(run: JobRun) -> list[Evidence]:
    """Why a job ended as it did: its outcome and its first errors."""
    head = Evidence(
        message=f"outcome {run.outcome} (expected {run.expect}); "
        f"{run.report.bytes_consumed if run.report else 0} of {run.job_size} job bytes consumed",
        scenario=run.label,
        bytes=f"{len(run.device_bytes)} bytes reached the printer",
    )
    if run.hung:
        head.message += "; the job did not end within the real-time watchdog"
    if run.crash:
        head.message += f"; the host failed: {run.crash}"
    return [head, *run_errors([run])[:4]]


def hex_excerpt(data: bytes, offset: int, length: int = EXCERPT) -> str:
    chunk = data[offset : offset + length]
    return chunk.hex(" ") if chunk else "(end)"


def byte_difference(expected: bytes, got: bytes) -> str | None:
    """None when equal, else where `got` first differs from `expected` and how much is missing."""
    if expected == got:
        return None
    common = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    size = len(got) - len(expected)
    change = f"{-size} bytes missing" if size < 0 else f"{size} bytes extra" if size > 0 else "same length"
    return (
        f"expected {len(expected)} bytes, got {len(got)} ({change}); first difference at offset {common}: "
        f"expected {hex_excerpt(expected, common)} | got {hex_excerpt(got, common)}"
    )


def first_call_evidence(run: JobRun, entry: str, code: int, message: str) -> Evidence:
    """Evidence pointing at the first call of `entry` that returned `code` in `run`."""
    call, returned = run.first_return(entry, code)
    return Evidence(
        message=message,
        scenario=run.label,
        call=entry,
        return_code=code,
        arguments=_summarise_args(call.get("args")) if call else None,
        t=returned.get("t") if returned else None,
    )


def _summarise_args(args: object) -> str:
    if not isinstance(args, list):
        return str(args)
    shown = []
    for arg in args:
        if isinstance(arg, dict) and "bytes" in arg:
            shown.append(f"[{arg['bytes']} bytes: {arg.get('head', '')}]")
        elif isinstance(arg, list):
            shown.append(f"[{', '.join(str(a) for a in arg[:6])}{', …' if len(arg) > 6 else ''}]")
        else:
            shown.append(str(arg))
    return ", ".join(shown)
