"""What one entry-point call gave back: a return code, or why the script failed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

FailureKind = Literal["exception", "timeout", "memory", "invalid_return", "cancelled"]

_FRAME = re.compile(r"\((?:eval_script|check):(\d+):(\d+)\)|at (?:eval_script|check):(\d+):(\d+)")


@dataclass(frozen=True)
class ScriptFailure:
    kind: FailureKind
    message: str
    location: str | None = None
    stack: str = ""

    def to_json(self, entry: str) -> dict[str, object]:
        return {
            "entry": entry,
            "kind": self.kind,
            "message": self.message,
            "location": self.location,
            "stack": self.stack,
        }


class CallResult(NamedTuple):
    """Immutable like a frozen dataclass, and half the cost to make: one per entry-point call."""

    entry: str
    return_code: int | None = None
    failure: ScriptFailure | None = None
    skipped: bool = False  # the entry point is not defined: USBMon skips it


_POSITION = re.compile(r"(eval_script|check):(\d+):(\d+)")


def vendor_stack(
    stack: str,
    script_name: str,
    drop_last_eval: bool,
    column_of: Callable[[int, int], int] | None = None,
) -> tuple[str, str | None]:
    """Rewrite engine frames to `script:line:col`, drop the host's own frames, find the location.

    `column_of` maps columns of an instrumented script (debugger, coverage) back to the file's.
    """
    if column_of is not None:
        stack = _POSITION.sub(
            lambda m: f"{m[1]}:{m[2]}:{column_of(int(m[2]), int(m[3]))}",
            stack,
        )
    frames = [line.strip() for line in stack.splitlines() if line.strip()]
    frames = [f for f in frames if "usbmon-host" not in f and not f.endswith("(native)")]
    if drop_last_eval and frames and frames[-1].startswith("at <eval>"):
        frames.pop()
    location = None
    for frame in frames:
        match = _FRAME.search(frame)
        if match:
            line, col = (g for g in match.groups() if g is not None)
            location = f"{script_name}:{line}:{col}"
            break
    rewritten = "\n".join(
        "    " + f.replace("eval_script:", f"{script_name}:").replace("check:", f"{script_name}:")
        for f in frames
    )
    return rewritten, location
