"""Probes: what lets the debugger and coverage see inside every engine that runs a script.

A port, its status poller and the conformance runner each make their own engines, on their own
threads. Rather than threading a debugger through all of them, a probe is registered for a
script (by its SHA-256) while a debug session or coverage run lasts, and every `ScriptEngine`
made for that script meanwhile asks it for an `EngineProbe`: an instrumented source with the
same lines, JavaScript to run after the host shim, and callbacks around each call.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from usbmon_js.engine.script import DriverScript


class EngineProbe(Protocol):
    source: str  # the script to evaluate instead of the vendor's (same lines)
    module_source: str  # JavaScript run once after the host shim, before the script

    def bindings(self) -> Mapping[str, Any]:
        """Callables (bound as host functions) and values (copied) the module picks up."""

    def before_call(self, entry: str) -> str:
        """JavaScript to evaluate just before an entry point runs ("" for none)."""

    counts_expression: str  # JavaScript whose value `record_counts` receives after every call

    def record_counts(self, counts: Any) -> None: ...

    def original_column(self, line: int, column: int) -> int:
        """A 1-based column of the instrumented script, as a column of the vendor's file."""

    def host_call(self, interface: str, member: str, args: Any, result: Any) -> None: ...

    def realm_closed(self) -> None:
        """The engine's JS realm is gone (closed or reset); its counters start again at zero."""


class ScriptProbe(Protocol):
    def attach(self, script: DriverScript) -> EngineProbe | None: ...


_lock = threading.Lock()
_active: dict[str, ScriptProbe] = {}


@contextlib.contextmanager
def probing(script: DriverScript, probe: ScriptProbe) -> Iterator[None]:
    """Attach `probe` to every engine made for this script's exact bytes until the block ends."""
    with _lock:
        previous = _active.get(script.sha256)
        _active[script.sha256] = probe
    try:
        yield
    finally:
        with _lock:
            if previous is None:
                _active.pop(script.sha256, None)
            else:
                _active[script.sha256] = previous


def probe_for(script: DriverScript) -> EngineProbe | None:
    with _lock:
        probe = _active.get(script.sha256)
    return probe.attach(script) if probe is not None else None
