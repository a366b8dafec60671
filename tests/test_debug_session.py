"""The debug session's Python API: what the CLI and any other front end (an editor) build on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import FakeDevice

from usbmon_js.clock import VirtualClock
from usbmon_js.debugging.probe import Probe
from usbmon_js.debugging.session import DebugSession, Finished, Stop
from usbmon_js.devices.model import DeviceInfo
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor
from usbmon_js.portmon.report import JobReport
from usbmon_js.portmon.settings import PipelineSettings

SPIN = b"""\
function startPrintJob(ctx) {
  var spins = 0;
  while (true) {
    spins++;
  }
}
"""


def _session(source: bytes) -> tuple[DriverScript, Probe, DebugSession]:
    script = DriverScript.from_bytes(Path("driver.js"), source)
    probe = Probe(script, "debug")
    session = DebugSession(probe.map)
    probe.listener = session
    return script, probe, session


def _job(script: DriverScript, probe: Probe) -> JobReport:
    settings = PipelineSettings(limits=SandboxLimits(call_timeout_s=600))
    info = DeviceInfo(spec="fake", transport="sim", device_id="")
    with (
        probe.watching(),
        PortMonitor(script, FakeDevice(), info, clock=VirtualClock(), settings=settings) as port,
    ):
        return port.print_job(JobData.from_bytes(b"data"))


def test_an_interrupt_stops_a_script_spinning_in_javascript() -> None:
    script, probe, session = _session(SPIN)
    session.start(lambda: _job(script, probe))
    session.interrupt()  # Ctrl-C: the script checks every few thousand statements
    stop = session.next_event()
    assert isinstance(stop, Stop)
    assert (stop.reason, stop.line, stop.entry) == ("interrupt", 4, "startPrintJob")
    assert session.evaluate("spins > 0") == {"value": {"t": "boolean", "v": True}}
    session.detach(abort=True)  # ends the call as a cancel would
    finished = session.next_event()
    assert isinstance(finished, Finished) and finished.error is None
    assert finished.result.errors == []  # a cancelled call is not the script's error


def test_a_breakpoint_added_while_paused_applies_from_the_next_statement() -> None:
    script, probe, session = _session(
        b"function startPrintJob(ctx) {\n  var a = 1;\n  var b = 2;\n  var c = a + b;\n  return 0;\n}\n"
    )
    session.add_breakpoint("2")
    session.start(lambda: _job(script, probe))
    first = session.next_event()
    assert isinstance(first, Stop) and first.line == 2
    session.add_breakpoint("4")
    session.resume("continue")
    second = session.next_event()
    assert isinstance(second, Stop) and second.line == 4
    assert [(name, value) for name, value in session.locals()] == [
        ("ctx", {"t": "host", "v": "[object IPrinterScriptUsbJobContext]"}),
        ("a", {"t": "number", "v": 1}),
        ("b", {"t": "number", "v": 2}),
        ("c", {"t": "undefined"}),
    ]
    session.resume("continue")
    finished = session.next_event()
    assert isinstance(finished, Finished) and finished.result.outcome == "completed"


def _values(session: DebugSession, *expressions: str) -> list[Any]:
    return [session.evaluate(e)["value"].get("v") for e in expressions]


def test_a_catch_parameter_is_a_local_inside_its_catch_block() -> None:
    script, probe, session = _session(
        b"function startPrintJob(ctx) {\n"
        b"  try { undefinedThing(); } catch (problem) {\n"
        b"    var seen = problem.name;\n"
        b"  }\n"
        b"  return 0;\n"
        b"}\n"
    )
    session.add_breakpoint("3")
    session.start(lambda: _job(script, probe))
    assert isinstance(session.next_event(), Stop)
    assert [name for name, _ in session.locals()] == ["ctx", "seen", "problem"]
    assert _values(session, "problem.name", "typeof seen") == ["ReferenceError", "undefined"]
    session.resume("continue")
    assert isinstance(session.next_event(), Finished)
