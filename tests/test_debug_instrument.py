"""The instrumenter keeps the vendor's lines and columns, and instrumented scripts behave the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from usbmon_js.clock import VirtualClock
from usbmon_js.debugging.instrument import InstrumentationError, instrument
from usbmon_js.debugging.probe import Probe
from usbmon_js.devices.spec import open_device
from usbmon_js.engine.script import DriverScript
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "scripts").glob("*.js"))


def _without_insertions(line: str, insertions: list[tuple[int, int]]) -> str:
    """Undo the inserted spans of one instrumented line (positions are original columns)."""
    out = line
    for column, length in insertions:  # left to right: what is left of `column` is original again
        out = out[:column] + out[column + length :]
    return out


@pytest.mark.parametrize("mode", ["coverage", "debug"])
@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_instrumenting_only_inserts_text_on_the_same_lines(path: Path, mode: str) -> None:
    script = DriverScript.from_file(path)
    result = instrument(script.source, script.name, mode)  # type: ignore[arg-type]
    original = script.source.split("\n")
    instrumented = result.source.split("\n")
    assert len(instrumented) == len(original)
    for number, (before, after) in enumerate(zip(original, instrumented, strict=True), start=1):
        assert _without_insertions(after, result.map.insertions.get(number, [])) == before, number
    assert result.map.statements, "no statement found"


def test_columns_of_the_instrumented_text_map_back_to_the_original() -> None:
    source = "function f(a) { if (a) return a.b; return 0; }\nf(1);\n"
    result = instrument(source, "v.js", "debug")
    line = result.source.split("\n")[0]
    original = source.split("\n")[0]
    for column, char in enumerate(original, start=1):
        if char in "ab":  # every `a` and `b` of the original, found again in the instrumented line
            shift = sum(n for at, n in result.map.insertions[1] if at <= column - 1)
            assert line[column - 1 + shift] == char
            assert result.map.original_column(1, column + shift) == column


def test_statements_functions_and_branches_are_found_with_their_lines() -> None:
    source = (
        "var x = 1;\n"
        "function pick(n) {\n"
        "  if (n) { return n > 1 ? 'many' : 'one'; }\n"
        "  switch (n) { case 0: return 'none'; default: return n || 'x'; }\n"
        "}\n"
        "debugger;\n"
    )
    probe_map = instrument(source, "v.js", "coverage").map
    assert [(s.line, s.debugger) for s in probe_map.statements] == [
        (1, False),
        (3, False),
        (3, False),
        (4, False),
        (4, False),
        (4, False),
        (6, True),
    ]
    assert [(f.name, f.line, f.names) for f in probe_map.functions] == [
        ("<top level>", 1, ("x", "pick")),
        ("pick", 2, ("n",)),
    ]
    assert [(b.line, b.kind, b.arms) for b in probe_map.branches] == [
        (3, "if", ("then", "else")),
        (3, "?:", ("then", "else")),
        (4, "switch", ("case 1", "default")),
        (4, "||", ("short-circuit", "right side")),
    ]


def test_a_script_esprima_cannot_parse_is_bad_input_naming_the_place() -> None:
    with pytest.raises(InstrumentationError, match=r"^v\.js:2:\d+: cannot instrument .*esprima"):
        instrument("var a = {};\nvar b = a?.b;\n", "v.js", "debug")


def _job_on(script: DriverScript) -> tuple[str, dict[str, dict[str, int]], bytes]:
    clock = VirtualClock()
    device = open_device("sim", clock)
    received = io.BytesIO()
    with PortMonitor(script, device.model, device.info, clock=clock, device_out=received) as port:
        report = port.print_job(JobData.default())
    return report.outcome, report.return_codes, received.getvalue()


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_instrumented_samples_print_exactly_as_the_plain_ones(path: Path) -> None:
    script = DriverScript.from_file(path)
    plain = _job_on(script)
    for mode in ("coverage", "debug"):
        with Probe(script, mode).watching():  # type: ignore[arg-type]
            assert _job_on(script) == plain, mode
