"""Per-engine sandbox settings (decisions.md: 10 s per call, 64 MiB heap, a stack limit, no console)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SandboxLimits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_timeout_s: float = Field(10.0, gt=0, description="wall-clock deadline of one entry-point call")
    memory_limit_mib: int = Field(64, ge=4, le=4096, description="heap limit of one engine instance")
    stack_limit_kib: int = Field(1024, ge=64, le=4096, description="JS stack limit (jsbox caps it at 4 MiB)")
    console: bool = Field(
        False, description="give the script a `console` (to stderr and the trace); Windows has none"
    )
