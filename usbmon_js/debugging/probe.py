"""The Python half of the probe: one instrumented script, attached to every engine that runs it.

`Probe` instruments the script once and, while `watching()`, hands every `ScriptEngine` made for
that script an `AttachedProbe` (the engine's view, engine/probes.py). Coverage counters from
all of them add up in `Probe.counts`; stops and host calls go to the probe's listener, the
debug session.
"""

from __future__ import annotations

import contextlib
import json
import threading
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Protocol

from usbmon_js.debugging.instrument import Mode, instrument
from usbmon_js.debugging.probe_map import ProbeMap
from usbmon_js.engine.probes import probing
from usbmon_js.engine.quickjs import check_syntax
from usbmon_js.engine.script import DriverScript

_PROBE_SOURCE = resources.files("usbmon_js.debugging").joinpath("probe.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class HostCall:
    """One call the script made to a host object (or a console line), as the trace sees it."""

    interface: str
    member: str
    args: Any
    result: Any


class ProbeListener(Protocol):
    """What a debugger does when an engine stops, polls or calls the host (engine threads)."""

    def state_for_call(self, engine: AttachedProbe, entry: str) -> dict[str, Any]: ...

    def stopped(self, engine: AttachedProbe, message: dict[str, Any]) -> dict[str, Any]: ...

    def poll(self, engine: AttachedProbe) -> bool: ...

    def host_call(self, engine: AttachedProbe, call: HostCall) -> None: ...


@dataclass
class CoverageCounts:
    """Executions per statement, entries per function, and how often each branch arm was taken."""

    statements: list[int]
    functions: list[int]
    arms: list[int]

    @classmethod
    def zero(cls, probe_map: ProbeMap) -> CoverageCounts:
        return cls([0] * len(probe_map.statements), [0] * len(probe_map.functions), [0] * probe_map.arm_count)


class Probe:
    def __init__(self, script: DriverScript, mode: Mode, listener: ProbeListener | None = None) -> None:
        self.script = script
        check_syntax(script)  # a real syntax error is reported as QuickJS (and USBMon) sees it
        self.instrumented = instrument(script.source, script.name, mode)
        self.map = self.instrumented.map
        self.listener = listener
        self.counts = CoverageCounts.zero(self.map)
        self._lock = threading.Lock()
        self.config: dict[str, Any] = {
            "debug": mode == "debug",
            "statements": len(self.map.statements),
            "functions": len(self.map.functions),
            "arms": self.map.arm_count,
            "lines": [s.line for s in self.map.statements],
        }

    @contextlib.contextmanager
    def watching(self) -> Iterator[Probe]:
        with probing(self.script, self):
            yield self

    def attach(self, script: DriverScript) -> AttachedProbe | None:
        return AttachedProbe(self) if script.source == self.script.source else None

    def snapshot(self) -> CoverageCounts:
        with self._lock:
            counts = self.counts
            return CoverageCounts(list(counts.statements), list(counts.functions), list(counts.arms))

    def add(self, delta: CoverageCounts) -> None:
        with self._lock:
            for total, more in (
                (self.counts.statements, delta.statements),
                (self.counts.functions, delta.functions),
                (self.counts.arms, delta.arms),
            ):
                for index, value in enumerate(more):
                    if value:
                        total[index] += value


@dataclass(eq=False)
class AttachedProbe:
    """The probe inside one engine (one JS realm at a time): engine/probes.py's `EngineProbe`."""

    probe: Probe
    entry: str = ""  # the entry point being called ("" while the script loads)
    last_host_call: HostCall | None = None
    _last: CoverageCounts | None = field(default=None, repr=False)

    module_source = _PROBE_SOURCE
    counts_expression = "__usbmon_counts__()"

    @property
    def source(self) -> str:
        return self.probe.instrumented.source

    @property
    def map(self) -> ProbeMap:
        return self.probe.map

    def bindings(self) -> Mapping[str, Any]:
        config = dict(self.probe.config)
        listener = self.probe.listener
        if listener is not None and config["debug"]:
            self.entry = ""
            config["initial"] = listener.state_for_call(self, "")
        return {
            "__usbmon_probe_config": config,
            "__usbmon_probe_stop": self._stopped,
            "__usbmon_probe_poll": self._poll,
        }

    def before_call(self, entry: str) -> str:
        self.entry = entry
        self.last_host_call = None
        listener = self.probe.listener
        if listener is None or not self.probe.config["debug"]:
            return ""
        state = listener.state_for_call(self, entry)
        return f"__usbmon_sync__({json.dumps(state)})"

    def record_counts(self, counts: Any) -> None:
        now = CoverageCounts(_decode(counts["s"]), _decode(counts["f"]), _decode(counts["a"]))
        last = self._last
        self._last = now
        if last is None:
            self.probe.add(now)
            return
        self.probe.add(
            CoverageCounts(
                [a - b for a, b in zip(now.statements, last.statements, strict=True)],
                [a - b for a, b in zip(now.functions, last.functions, strict=True)],
                [a - b for a, b in zip(now.arms, last.arms, strict=True)],
            )
        )

    def original_column(self, line: int, column: int) -> int:
        return self.map.original_column(line, column)

    def host_call(self, interface: str, member: str, args: Any, result: Any) -> None:
        call = HostCall(interface, member, args, result)
        if interface != "console":
            self.last_host_call = call
        if self.probe.listener is not None:
            self.probe.listener.host_call(self, call)

    def realm_closed(self) -> None:
        self._last = None

    def _stopped(self, message: dict[str, Any]) -> dict[str, Any]:
        listener = self.probe.listener
        return listener.stopped(self, message) if listener is not None else {"op": "resume"}

    def _poll(self) -> bool:
        listener = self.probe.listener
        return listener.poll(self) if listener is not None else False


def _decode(raw: bytes) -> list[int]:
    values = array("d")
    values.frombytes(raw)
    return [int(v) for v in values]
