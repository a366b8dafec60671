"""What a Bidi request answered: the contract's `bidi get`/`bidi set` JSON."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.portmon.report import JobError, JobEvent, PortStatusChange

AnswerSource = Literal["script", "cache", "const", "builtin"]


class BidiValueResult(BaseModel):
    path: str
    type: str | None = None
    value: Any = None
    error: int | None = Field(None, description="Bidi error code (winspool.h), null when answered")
    error_name: str | None = None
    message: str | None = None
    source: AnswerSource | None = Field(None, description="who answered: the script, the cache, the XML")
    t: float = 0.0


class BidiReport(BaseModel):
    action: Literal["get", "set", "poll"]
    results: list[BidiValueResult] = Field(default_factory=list)
    calls: dict[str, int] = Field(default_factory=dict)
    return_codes: dict[str, dict[str, int]] = Field(default_factory=dict)
    responses: list[BidiResponse] = Field(default_factory=list)
    events: list[JobEvent] = Field(default_factory=list)
    port_status: list[PortStatusChange] = Field(default_factory=list)
    notifications: list[str] = Field(
        default_factory=list, description="drvPrinterEvent values whose change is pushed to the driver"
    )
    errors: list[JobError] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    bytes_to_device: int = 0
    bytes_from_device: int = 0
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return all(result.error is None for result in self.results)
