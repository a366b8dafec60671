"""Port-monitor policies where Windows is silent (decisions.md), each configurable."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from usbmon_js.engine.limits import SandboxLimits

WriteSignature = Literal["auto", "sample", "docs"]


class PipelineSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    buffer_size: int = Field(64 * 1024, ge=1, le=64 << 20, description="WritePort buffer size in bytes")
    write_signature: WriteSignature = "auto"
    busy_backoff_s: float = Field(0.05, ge=0, description="first wait after DeviceBusy; doubles per busy")
    busy_backoff_max_s: float = Field(1.0, ge=0)
    no_progress_timeout_s: float = Field(60.0, gt=0, description="fail a job that consumes nothing this long")
    end_retry_delay_s: float = Field(0.1, ge=0, description="wait before re-calling endPrintJob after Retry")
    end_retry_limit_s: float = Field(300.0, gt=0, description="give up on endPrintJob Retry after this long")
    soft_reset_on_cancel: bool = False
    write_timeout_s: float = Field(10.0, gt=0)
    read_timeout_s: float = Field(0.05, ge=0)
    temp_spill_bytes: int = Field(8 << 20, ge=0, description="TemporaryStreams move to disk past this size")
    bidi_retry_delay_s: float = Field(
        0.1, ge=0, description="wait before a getSchemas requery round or a setSchema retry"
    )
    bidi_requery_rounds: int = Field(10, ge=1, description="getSchemas calls per request at most")
    bidi_set_retries: int = Field(10, ge=0, description="setSchema retries after return 1")
    status_interval_s: float = Field(
        0.5, gt=0, description="period of getStatus/requestStatus polling while a job prints"
    )
    fresh_engine_per_call: bool = Field(
        False, description="reload the script before every call (conformance: no reliance on globals)"
    )
    limits: SandboxLimits = SandboxLimits()
