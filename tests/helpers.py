"""Small helpers shared by the tests: engines over inline JavaScript, a recording host object
and a fake device model.

`run_snippet` is the usual way to ask "what does a script see?": it wraps a JS function body in
an entry point whose first parameter is a `Recorder` (`out.Put(value)` hands any JS value to
Python, converted the way jsbox converts it) and whose other parameters are the keyword
arguments, by name.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from usbmon_js.clock import Clock, RealClock
from usbmon_js.com.members import HostObject, com_method
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.engine.script import DriverScript

SCRIPT_NAME = "vendor.js"


def load_script(source: str | bytes, name: str = SCRIPT_NAME) -> DriverScript:
    """A driver script as if read from `name`; a str is stored as UTF-8."""
    raw = source.encode("utf-8") if isinstance(source, str) else source
    return DriverScript.from_bytes(Path(name), raw)


def make_engine(
    source: str | bytes, *, clock: Clock | None = None, name: str = SCRIPT_NAME, **limits: Any
) -> ScriptEngine:
    """An engine running `source`; keyword arguments are `SandboxLimits` fields."""
    return ScriptEngine(load_script(source, name), SandboxLimits(**limits), clock or RealClock())


class Recorder(HostObject):
    """A host object whose `Put(value)` keeps whatever the script passes, as Python sees it."""

    com_interface = "TestRecorder"

    def __init__(self) -> None:
        self.values: list[Any] = []

    @com_method
    def Put(self, value: object) -> None:
        self.values.append(value)


def run_entry(
    body: str, *, entry: str = "getSchemas", clock: Clock | None = None, **host_args: Any
) -> tuple[CallResult, list[Any]]:
    """Run `body` as `function entry(out, <host_args names>) { body }` once; result and `out` values."""
    params = ", ".join(["out", *host_args])
    engine = make_engine(f"function {entry}({params}) {{\n{body}\n}}\n", clock=clock)
    out = Recorder()
    result = engine.call(entry, [out, *host_args.values()])
    return result, out.values


def run_snippet(body: str, *, clock: Clock | None = None, **host_args: Any) -> list[Any]:
    """Run `body` (which must not fail) and return what it handed to `out.Put`, in order."""
    result, values = run_entry(body + "\nreturn 0;", clock=clock, **host_args)
    assert result.failure is None, result.failure
    assert result.return_code == 0, result
    return values


class FakeDevice:
    """A device model that records what it is sent and answers reads from queued replies.

    `capacity` bounds how many bytes it accepts in total (None: unlimited); after that every
    write returns 0, as a device that stopped accepting data does.
    """

    def __init__(self, replies: Iterable[bytes] = (), capacity: int | None = None) -> None:
        self.received = bytearray()
        self.writes: list[bytes] = []
        self.replies: deque[bytes] = deque(replies)
        self.capacity = capacity
        self.read_calls = 0

    def write(self, data: bytes) -> int:
        room = len(data) if self.capacity is None else max(self.capacity - len(self.received), 0)
        accepted = bytes(data[: min(len(data), room)])
        if accepted:
            self.writes.append(accepted)
            self.received += accepted
        return len(accepted)

    def read(self, size: int) -> bytes:
        self.read_calls += 1
        return self.replies.popleft() if self.replies else b""
