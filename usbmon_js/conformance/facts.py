"""What the conformance runner observed: the facts every check is judged on.

Running the script is the expensive part, so the runner does it once per scenario and keeps
everything a check could want (the job report, the exact bytes the printer received and when,
the call trace, TemporaryStreams left over, PrintedPageCount as the script set it); checks then
only read these facts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.conformance.scenarios import Expectation
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import BidiSchema
from usbmon_js.formats.driver_events import DriverEvents
from usbmon_js.formats.manifest import DriverManifest
from usbmon_js.lint.findings import Finding
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.report import JobError, JobReport

JOB_ENTRIES = ("startPrintJob", "writePrintData", "endPrintJob")


@dataclass
class CancelInfo:
    """A spooler-side cancel scheduled at a virtual instant of a job."""

    after_s: float
    fired: bool = False
    t: float | None = None  # when it fired, seconds from the job's start
    device_bytes: int = 0  # what the printer had received from the job by then


@dataclass
class JobRun:
    """One job through the script on one simulated printer."""

    label: str
    title: str
    expect: Expectation
    job_size: int
    report: JobReport | None = None
    device_bytes: bytes = b""  # what the printer accepted during the job, in order
    device_writes: list[tuple[float, int]] = field(default_factory=list)  # (t from job start, accepted)
    temp_pending: list[int] = field(default_factory=list)  # TemporaryStreams[i] bytes left at job end
    page_history: list[int] = field(default_factory=list)  # every PrintedPageCount the script set
    trace: list[dict[str, Any]] = field(default_factory=list)  # --trace records, t from the job's start
    cancel: CancelInfo | None = None
    hung: bool = False  # the host did not end the job within the real-time watchdog
    crash: str | None = None  # the host itself failed (an internal error, reported as such)
    fresh_engines: bool = False

    @property
    def outcome(self) -> str:
        if self.report is not None:
            return self.report.outcome
        return "hung" if self.hung else "crashed"

    @property
    def completed(self) -> bool:
        return self.outcome == "completed"

    @property
    def errors(self) -> list[JobError]:
        return self.report.errors if self.report is not None else []

    @property
    def responses(self) -> list[BidiResponse]:
        return self.report.responses if self.report is not None else []

    def calls(self, entry: str) -> list[dict[str, Any]]:
        """The trace's `call` records of one entry point."""
        return [r for r in self.trace if r.get("event") == "call" and r.get("entry") == entry]

    def first_return(self, entry: str, code: int) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The first call of `entry` that returned `code`, and its return record."""
        pending: dict[str, Any] | None = None
        for record in self.trace:
            if record.get("entry") != entry:
                continue
            if record.get("event") == "call":
                pending = record
            elif record.get("event") == "return" and record.get("result") == code:
                return pending, record
        return None, None


@dataclass
class BidiFacts:
    """Bidi requests asked of the script, all on the vendor's printer unless said otherwise."""

    get_all: BidiReport | None = None  # a Get of every declared value at once
    get_each: dict[str, BidiReport] = field(default_factory=dict)  # per query key, each on a fresh port
    set_read_only: dict[str, BidiReport] = field(default_factory=dict)  # Set of each non-settable value
    set_settable: dict[str, BidiReport] = field(default_factory=dict)  # Set of each settable value
    silent: BidiReport | None = None  # Get of everything on a printer that never answers
    fresh_get_all: BidiReport | None = None  # get_all with a fresh engine for every call

    def reports(
        self, *, reference_only: bool = False, gets_only: bool = False
    ) -> Iterator[tuple[str, BidiReport]]:
        """(label, report) of every request; `reference_only` leaves out the silent printer and the
        fresh-engine Get, `gets_only` the Sets."""
        if self.get_all is not None:
            yield "bidi get \\Printer", self.get_all
        for key, report in self.get_each.items():
            yield f"bidi get key {key}", report
        if not gets_only:
            for path, report in [*self.set_read_only.items(), *self.set_settable.items()]:
                yield f"bidi set {path}", report
        if not reference_only:
            if self.silent is not None:
                yield "bidi get on a silent printer", self.silent
            if self.fresh_get_all is not None:
                yield "bidi get, fresh engine per call", self.fresh_get_all


@dataclass
class SourceFacts:
    """What the script's text says, independent of running it (see source.py)."""

    parsed: bool = True
    parse_error: str | None = None
    # global name -> (line, kind) for every top-level function declaration, var and assignment
    globals: dict[str, tuple[int, str]] = field(default_factory=dict)
    beyond_es5: list[Finding] = field(default_factory=list)  # the linter's ES5 syntax findings
    non_ascii_line: int | None = None  # first line with a character outside ASCII


@dataclass
class Facts:
    script_path: Path
    raw: bytes
    device_spec: str
    job: bytes
    script: DriverScript | None = None
    decode_error: str | None = None
    load_error: str | None = None
    load_failure: str | None = None  # "syntax" | "toplevel"
    source: SourceFacts | None = None
    entry_points: dict[str, list[str]] = field(default_factory=dict)
    manifest: DriverManifest | None = None
    bidi_xml: BidiSchema | None = None
    events: DriverEvents | None = None
    baseline: JobRun | None = None
    baseline_again: JobRun | None = None
    matrix: dict[str, JobRun] = field(default_factory=dict)
    empty: JobRun | None = None
    consecutive: list[JobRun] = field(default_factory=list)
    buffers: dict[int, JobRun] = field(default_factory=dict)
    fresh_engine: JobRun | None = None
    bidi: BidiFacts | None = None
    vendor: dict[str, JobRun] = field(default_factory=dict)  # by vendor scenario name
    notes: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.script is not None and self.load_error is None

    def unavailable(self) -> str | None:
        """Why nothing can be run (every check that runs the script is skipped), or None."""
        if self.decode_error is not None:
            return "the script file cannot be decoded (LOAD-002)"
        if self.load_failure == "syntax":
            return "the script does not parse (LOAD-001)"
        if self.load_error is not None:
            return "the script fails while loading (LOAD-003)"
        return None

    @property
    def has_job_functions(self) -> bool:
        return any(entry in self.entry_points for entry in JOB_ENTRIES)

    @property
    def fast(self) -> JobRun | None:
        return self.matrix.get("fast")

    def job_runs(self) -> Iterator[JobRun]:
        """Every job run, vendor scenarios included."""
        for run in (self.baseline, self.baseline_again, self.empty, self.fresh_engine):
            if run is not None:
                yield run
        yield from self.matrix.values()
        yield from self.consecutive
        yield from self.buffers.values()
        yield from self.vendor.values()

    def reference_runs(self) -> Iterator[JobRun]:
        """The runs on the vendor's own printer, as it behaves normally."""
        for run in (self.baseline, self.baseline_again):
            if run is not None:
                yield run

    def all_responses(self) -> Iterator[tuple[str, BidiResponse]]:
        """(run label, response) of every Bidi response any entry point reported."""
        for run in self.job_runs():
            for response in run.responses:
                yield run.label, response
        if self.bidi is not None:
            for label, report in self.bidi.reports():
                for response in report.responses:
                    yield label, response
