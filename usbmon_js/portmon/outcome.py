"""Return codes of the job entry points and the spooler actions they map to."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

JobOutcome = Literal["completed", "failed", "aborted", "cancelled"]

EXIT_STATUS: dict[JobOutcome, int] = {"completed": 0, "failed": 3, "aborted": 4, "cancelled": 5}


class ReturnCode(IntEnum):
    SUCCESS = 0
    FAILURE = 1
    RETRY = 2
    DEVICE_BUSY = 3
    ABORT_THE_JOB = 4
