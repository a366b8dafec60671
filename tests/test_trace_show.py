"""`--trace` with `--console`, and `usbmon-js trace show` turning a trace into a timeline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

LOGGING = """\
function startPrintJob(ctx, stream, responses) {
  console.log("starting", {copies: 2}, [27, 69]);
  responses.AddString("\\\\Printer.Status.Summary:State", "Busy");
  return 0;
}
function writePrintData(ctx, data, stream, progress) {
  console.warn("buffer of", data.length);
  progress.ProcessedByteCount = stream.Write(data);
  return 0;
}
"""


@pytest.fixture
def traced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    script, job, trace = tmp_path / "logging.js", tmp_path / "job.prn", tmp_path / "trace.jsonl"
    script.write_text(LOGGING)
    job.write_bytes(b"\x1bE hello")
    assert main(["run", str(script), "--job", str(job), "--trace", str(trace), "--console", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["outcome"] == "completed"  # stdout stays the report alone
    assert 'console.log: starting {"copies":2} [27,69]' in captured.err
    return trace


def test_console_lines_go_into_the_trace(traced: Path) -> None:
    records = [json.loads(line) for line in traced.read_text().splitlines()]
    console = [(r["entry"], r["level"], r["text"]) for r in records if r["event"] == "console"]
    assert console == [
        ("startPrintJob", "log", 'starting {"copies":2} [27,69]'),
        ("writePrintData", "warn", "buffer of 8"),
    ]


def test_without_console_the_script_has_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "logging.js"
    script.write_text(LOGGING)
    assert main(["run", str(script), "--json"]) == 3
    error = json.loads(capsys.readouterr().out)["errors"][0]
    assert error["message"] == "ReferenceError: console is not defined"  # as on Windows


def test_trace_show_prints_a_timeline_with_calls_bytes_responses_and_totals(
    traced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", "show", str(traced)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"Trace {traced}: ")
    assert any(
        "▶ startPrintJob(IPrinterScriptUsbJobContext, IPrinterScriptableSequentialStream" in x for x in lines
    )
    assert any('console.log starting {"copies":2} [27,69]' in x for x in lines)
    assert any(
        'response IPrinterBidiSchemaResponses.AddString("\\\\Printer.Status.Summary:State"' in x
        for x in lines
    )
    assert any("◀ startPrintJob → 0 Success" in x for x in lines)
    assert any("Write(8 bytes 1b 45 20 68 65 6c 6c 6f |.E hello|) → 8" in x for x in lines)
    assert "Write calls took 8 bytes" in out and "Bidi responses 1; console lines 2" in out


def test_trace_show_filters_by_entry_point_and_limits(
    traced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", "show", str(traced), "--entry", "writePrintData", "--limit", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "▶ writePrintData(" in lines[1]  # startPrintJob's records are left out
    assert lines[2].strip() == "… 4 more records"  # console.warn, Write, ProcessedByteCount, return


def test_a_failed_call_is_shown_with_its_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = tmp_path / "trace.jsonl"
    main(["run", str(ROOT / "tests" / "scripts" / "throws.js"), "--trace", str(trace), "--json"])
    capsys.readouterr()
    assert main(["trace", "show", str(trace)]) == 0
    assert "◀ writePrintData failed: TypeError: checkHeader" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"t": 0, "event": "call"}\nnot json\n', "trace.jsonl:2: not a trace record: invalid JSON"),
        ('{"t": 0, "event": "call"}\n[1, 2]\n', "trace.jsonl:2: not a trace record: expected an object"),
        ('{"event": "mystery", "t": 0}\n', "trace.jsonl:1: not a trace record"),
    ],
)
def test_a_file_that_is_not_a_trace_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    trace = tmp_path / "trace.jsonl"
    trace.write_text(content)
    assert main(["trace", "show", str(trace)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_missing_trace_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "show", str(tmp_path / "none.jsonl")]) == 2
    assert "none.jsonl" in capsys.readouterr().err
