"""The job report: what USBMon would have done with one job, as the contract's JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.portmon.outcome import JobOutcome

ErrorKind = Literal[
    "exception", "timeout", "memory", "invalid_return", "device", "no_progress", "cancelled", "crash"
]


class ScriptInfo(BaseModel):
    path: str
    sha256: str
    write_signature: Literal["sample", "docs"]
    encoding: str = "utf-8"


class DeviceReportInfo(BaseModel):
    spec: str
    transport: Literal["sim", "pyusb", "replay"]
    device_id: str


class JobError(BaseModel):
    entry: str
    kind: ErrorKind
    message: str
    location: str | None = None
    stack: str = ""
    t: float = 0.0


class JobEvent(BaseModel):
    """An event a script raised (AddNull of an `<Event>`) or a response a DriverEvents trigger matched."""

    path: str
    entry: str
    t: float = 0.0
    type: str = "BIDI_NULL"
    value: Any = None
    declared: bool = Field(False, description="the Bidi XML declares this path as an <Event>")
    event_id: str | None = Field(None, description="the DriverEvent whose trigger matched")
    comparison: str | None = None
    message_id: int | None = Field(None, description="StandardMessage resourceId shown to the user")
    shows_message: bool = Field(False, description="Windows would show the user a message for it")


PORT_STATUS_NAMES = {
    1: "PORT_STATUS_OFFLINE",
    2: "PORT_STATUS_PAPER_JAM",
    3: "PORT_STATUS_PAPER_OUT",
    4: "PORT_STATUS_OUTPUT_BIN_FULL",
    5: "PORT_STATUS_PAPER_PROBLEM",
    6: "PORT_STATUS_NO_TONER",
    7: "PORT_STATUS_DOOR_OPEN",
    8: "PORT_STATUS_USER_INTERVENTION",
    9: "PORT_STATUS_OUT_OF_MEMORY",
    10: "PORT_STATUS_TONER_LOW",
    11: "PORT_STATUS_WARMING_UP",
    12: "PORT_STATUS_POWER_SAVE",
}
SEVERITY_NAMES = {1: "error", 2: "warning", 3: "info"}


class PortStatusChange(BaseModel):
    """A `<PortStatus>` keyword seen in `\\Printer.Status.Summary:StateReason`: the spooler's port status."""

    keyword: str
    code: int
    status: str
    severity: str
    entry: str
    t: float = 0.0


class JobReport(BaseModel):
    outcome: JobOutcome
    script: ScriptInfo
    device: DeviceReportInfo
    job: dict[str, Any] = Field(default_factory=dict)
    bytes_submitted: int = 0
    bytes_consumed: int = 0
    bytes_to_device: int = 0
    pages_printed: int | None = None
    page_counts: list[int] = Field(
        default_factory=list, description="every value the script gave PrintedPageCount, in order"
    )
    temporary_bytes_left: list[int] = Field(
        default_factory=list, description="bytes still in TemporaryStreams[0] and [1] when the job ended"
    )
    calls: dict[str, int] = Field(default_factory=dict)
    return_codes: dict[str, dict[str, int]] = Field(default_factory=dict)
    responses: list[BidiResponse] = Field(default_factory=list)
    events: list[JobEvent] = Field(default_factory=list)
    port_status: list[PortStatusChange] = Field(default_factory=list)
    errors: list[JobError] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    duration_s: float = Field(0.0, description="job time on the host clock (simulated time for sim devices)")
    wall_s: float = Field(0.0, description="real time the run took")


class CallTally:
    """Counts calls and return codes per entry point while a job runs.

    Plain dicts, not Counters: a Bidi Get records one call, and a Counter's construction and
    update cost more than the rest of its bookkeeping (performance.md §2.9).
    """

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.codes: dict[str, dict[str, int]] = {}

    def record(self, entry: str, return_code: int | None) -> None:
        self.calls[entry] = self.calls.get(entry, 0) + 1
        if return_code is not None:
            self._count_code(entry, str(return_code), 1)

    def merge(self, other: CallTally) -> None:
        for entry, count in other.calls.items():
            self.calls[entry] = self.calls.get(entry, 0) + count
        for entry, codes in other.codes.items():
            for code, count in codes.items():
                self._count_code(entry, code, count)

    def _count_code(self, entry: str, code: str, times: int) -> None:
        codes = self.codes.get(entry)
        if codes is None:
            codes = self.codes[entry] = {}
        codes[code] = codes.get(code, 0) + times

    def calls_json(self) -> dict[str, int]:
        return dict(self.calls)

    def codes_json(self) -> dict[str, dict[str, int]]:
        return {entry: dict(sorted(c.items())) if len(c) > 1 else dict(c) for entry, c in self.codes.items()}
