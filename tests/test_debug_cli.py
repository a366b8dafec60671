"""`usbmon-js debug` driven by scripted commands, as CI would drive it (`--commands FILE --json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from usbmon_js.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"

# Line numbers matter below: they are what the tests expect the debugger to report.
DRIVER = """\
var PREFIX = [0x1b, 0x45];
function header(data) {
  var out = PREFIX.concat(data.slice(0, 2));
  return out;
}
function startPrintJob(ctx, stream, responses) {
  var sent = stream.Write(header([0x41, 0x42]));
  debugger;
  return sent === 4 ? 0 : 1;
}
function writePrintData(ctx, data, stream, progress) {
  var n = stream.Write(data);
  progress.ProcessedByteCount = n;
  return 0;
}
function endPrintJob(ctx, stream, responses) {
  return 0;
}
"""

THROWER = """\
function check(data) {
  var first = data[0];
  if (first !== 0x40) {
    throw new RangeError("bad first byte " + first);
  }
}
function writePrintData(ctx, data, stream, progress) {
  check(data);
  progress.ProcessedByteCount = stream.Write(data);
  return 0;
}
"""


@pytest.fixture
def job(tmp_path: Path) -> Path:
    path = tmp_path / "job.prn"
    path.write_bytes(b"\x1bE hello \x0c")
    return path


def debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str | Path, commands: list[str], *extra: str
) -> tuple[int, list[dict[str, Any]]]:
    """Run `debug --json` with these commands; the exit status and every JSON line it printed."""
    if isinstance(script, str):
        path = tmp_path / "driver.js"
        path.write_text(script)
        script = path
    command_file = tmp_path / "commands.txt"
    command_file.write_text("\n".join(commands) + "\n")
    status = main(["debug", str(script), "--commands", str(command_file), "--json", *extra])
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line.strip()]


def stops(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == "stop"]


def test_a_line_breakpoint_stops_at_that_line_with_the_call_stack(tmp_path, capsys, job) -> None:
    status, events = debug(
        tmp_path, capsys, DRIVER, ["break 3", "continue", "backtrace", "continue"], "--job", str(job)
    )
    stop = stops(events)[0]
    assert (stop["reason"], stop["location"], stop["function"], stop["entry"]) == (
        "breakpoint",
        "driver.js:3",
        "header",
        "startPrintJob",
    )
    trace = next(e for e in events if e["event"] == "backtrace")
    assert [(f["function"], f["location"]) for f in trace["frames"]] == [
        ("header", "driver.js:3"),
        ("startPrintJob", "driver.js:7"),
        ("<global scope>", "USBMon calls startPrintJob"),
    ]
    assert status == 0


def test_stepping_follows_the_source_into_over_out_and_across_calls(tmp_path, capsys, job) -> None:
    commands = ["break 7", "continue", "step", "next", "next", "next", "next", "finish", "continue"]
    _, events = debug(tmp_path, capsys, DRIVER, commands, "--job", str(job))
    assert [(s["line"], s["function"]) for s in stops(events)] == [
        (7, "startPrintJob"),  # the breakpoint
        (3, "header"),  # step into the call on line 7
        (4, "header"),  # next
        (8, "startPrintJob"),  # next: back in the caller, at the `debugger;` statement
        (9, "startPrintJob"),
        (12, "writePrintData"),  # next past the end of a call: where USBMon's next call starts
        (17, "endPrintJob"),  # finish writePrintData: the next call again
    ]


def test_locals_and_expressions_evaluate_in_the_paused_frame(tmp_path, capsys, job) -> None:
    commands = [
        "break 4",
        "continue",
        "locals",
        "print out.length * 10",
        "print data",
        "frame 2",
        "print PREFIX",
    ]
    _, events = debug(tmp_path, capsys, DRIVER, [*commands, "continue"], "--job", str(job))
    local_values = next(e for e in events if e["event"] == "locals")["locals"]
    assert local_values["data"] == {"t": "bytes", "v": "4142", "of": "Array"}
    assert local_values["out"] == {"t": "bytes", "v": "1b454142", "of": "Array"}
    values = [e["value"] for e in events if e["event"] == "value"]
    assert values == [
        {"t": "number", "v": 40},
        {"t": "bytes", "v": "4142", "of": "Array"},
        {"t": "bytes", "v": "1b45", "of": "Array"},  # frame 2: the global scope
    ]


def test_byte_arrays_print_as_hex_and_ascii(tmp_path, capsys, job) -> None:
    script = tmp_path / "driver.js"
    script.write_text(DRIVER)
    commands = tmp_path / "commands.txt"
    commands.write_text("break 13\ncontinue\ncontinue\nprint data\nhost\ncontinue\n")  # 1st stop: debugger;
    assert main(["debug", str(script), "--commands", str(commands), "--job", str(job)]) == 0
    out = capsys.readouterr().out
    assert "0000  1b 45 20 68 65 6c 6c 6f 20 0c" in out and "|.E hello .|" in out
    assert "IPrinterScriptableSequentialStream.Write(10 bytes 1b 45 20 68" in out  # the host call


def test_a_debugger_statement_stops_without_any_breakpoint(tmp_path, capsys, job) -> None:
    _, events = debug(tmp_path, capsys, DRIVER, ["continue", "print sent", "continue"], "--job", str(job))
    assert [(s["reason"], s["line"]) for s in stops(events)] == [("debugger", 8)]
    assert next(e for e in events if e["event"] == "value")["value"] == {"t": "number", "v": 4}


def test_an_uncaught_exception_stops_where_it_was_thrown(tmp_path, capsys, job) -> None:
    status, events = debug(
        tmp_path, capsys, THROWER, ["continue", "print first", "continue"], "--job", str(job)
    )
    stop = stops(events)[0]
    assert stop["reason"] == "uncaught"
    assert stop["error"]["name"] == "RangeError"
    assert (stop["location"], stop["function"]) == ("driver.js:4", "check")
    value = next(e for e in events if e["event"] == "value")["value"]
    assert value == {"t": "number", "v": 27}  # the throwing frame's locals are still there
    report = next(e for e in events if e["event"] == "report")["report"]
    # where QuickJS places a `throw new E(a + b)`: the last operand (as in a plain run, see below)
    assert stop["error_location"] == report["errors"][0]["location"] == "driver.js:4:46"
    assert status == 3  # the job failed, as it does without the debugger


def test_error_locations_are_the_same_as_without_the_debugger(tmp_path, capsys, job) -> None:
    script = tmp_path / "driver.js"
    script.write_text(THROWER)
    assert main(["run", str(script), "--job", str(job), "--json"]) == 3
    plain = json.loads(capsys.readouterr().out)["errors"][0]
    _, events = debug(tmp_path, capsys, THROWER, ["catch none", "continue"], "--job", str(job))
    debugged = next(e for e in events if e["event"] == "report")["report"]["errors"][0]
    assert (debugged["location"], debugged["stack"]) == (plain["location"], plain["stack"])
    assert not stops(events)  # catch none: the exception did not stop the script


def test_catch_all_also_stops_on_exceptions_the_script_catches(tmp_path, capsys, job) -> None:
    script = tmp_path / "driver.js"
    script.write_text(
        "function startPrintJob(ctx) {\n"
        "  try { ctx.JobPropertyBag.GetString('missing'); } catch (e) { return 0; }\n"
        "}\n"
    )
    _, events = debug(tmp_path, capsys, script, ["catch all", "continue", "print e.message", "continue"])
    assert [(s["reason"], s["line"]) for s in stops(events)] == [("caught", 2)]
    message = next(e for e in events if e["event"] == "value")["value"]["v"]
    assert "GetString" in message and "missing" in message


def test_a_job_under_the_debugger_delivers_the_same_bytes(tmp_path, capsys) -> None:
    script = SCRIPTS / "host_based_duplex.js"
    plain, debugged = tmp_path / "plain.prn", tmp_path / "debugged.prn"
    assert main(["run", str(script), "--device-out", str(plain), "--json"]) == 0
    capsys.readouterr()
    commands = ["break writePrintData", "continue", "next", "next", "step", "finish", "delete", "continue"]
    status, events = debug(tmp_path, capsys, script, commands, "--device-out", str(debugged))
    assert status == 0
    assert len(stops(events)) == 5
    assert plain.read_bytes() == debugged.read_bytes() and plain.stat().st_size > 200_000


def test_entry_point_and_conditional_breakpoints_in_a_bidi_request(tmp_path, capsys) -> None:
    commands = ["break 329 if key == 'Configuration'", "continue", "print key", "break exchange", "continue"]
    commands += ["print command", "info breakpoints", "continue"]
    status, events = debug(
        tmp_path,
        capsys,
        SCRIPTS / "binary_bidi.js",
        commands,
        "--bidi-xml",
        str(SCRIPTS / "binary_bidi.xml"),
        "--device",
        f"sim:{DEVICES / 'binary_bidi_printer.yaml'}",
        "--bidi-get",
        "\\Printer",
    )
    first, second = stops(events)[:2]
    assert (first["reason"], first["line"], first["entry"]) == ("breakpoint", 329, "getSchemas")
    assert (second["reason"], second["function"]) == ("breakpoint", "exchange")
    values = [e["value"]["v"] for e in events if e["event"] == "value"]
    assert values == ["Configuration", 0x20]  # the first key (Consumables) did not stop
    listing = next(e for e in events if e["event"] == "breakpoints")["breakpoints"]
    assert [(b["line"], b["hits"]) for b in listing] == [(329, 1), (229, 1)]
    report = next(e for e in events if e["event"] == "report")["report"]
    assert report["action"] == "get" and status == 0


def test_an_entry_point_breakpoint_stops_when_usbmon_calls_it(tmp_path, capsys, job) -> None:
    commands = ["break endPrintJob", "continue", "continue", "continue"]
    _, events = debug(tmp_path, capsys, DRIVER, commands, "--job", str(job))
    assert [(s["reason"], s["line"], s["entry"]) for s in stops(events)] == [
        ("debugger", 8, "startPrintJob"),
        ("entry", 17, "endPrintJob"),
    ]


def test_debugging_a_job_against_a_recorded_transcript_replays_it(tmp_path, capsys) -> None:
    script = SCRIPTS / "pjl_info_bidi.js"
    transcript, recorded, replayed = tmp_path / "session.json", tmp_path / "a.prn", tmp_path / "b.prn"
    printer = f"sim:{DEVICES / 'pjl_info_bidi_printer.yaml'}"
    small = str(ROOT / "fixtures" / "jobs" / "small_job.prn")
    run = ["run", str(script), "--device", printer, "--record", str(transcript), "--job", small]
    assert main([*run, "--device-out", str(recorded), "--json"]) == 0
    capsys.readouterr()
    commands = ["break startPrintJob", "continue", "next", "host", "continue"]
    status, events = debug(
        tmp_path,
        capsys,
        script,
        commands,
        "--device",
        f"replay:{transcript}",
        "--job",
        small,
        "--device-out",
        str(replayed),
    )
    assert status == 0
    assert [s["line"] for s in stops(events)] == [460, 461]
    host = next(e for e in events if e["event"] == "host_call")
    assert (host["member"], host["result"]) == ("Write", 48)  # the USTATUS request, replayed
    assert recorded.read_bytes() == replayed.read_bytes()


def test_quit_cancels_the_job(tmp_path, capsys, job) -> None:
    status, events = debug(tmp_path, capsys, DRIVER, ["break 12", "continue", "quit"], "--job", str(job))
    assert status == 5
    assert next(e for e in events if e["event"] == "report")["report"]["outcome"] == "cancelled"


def test_when_commands_run_out_the_job_runs_to_its_end(tmp_path, capsys, job) -> None:
    status, events = debug(tmp_path, capsys, DRIVER, ["break 12", "continue"], "--job", str(job))
    assert len(stops(events)) == 1  # the debugger statement on line 8 no longer stops it
    assert any(e["event"] == "message" and "commands ended" in e["text"] for e in events)
    assert status == 0


def test_a_mistyped_command_is_reported_and_the_session_goes_on(tmp_path, capsys, job) -> None:
    commands = ["brake 3", "print nothing_here", "break 3", "continue", "continue"]
    _, events = debug(tmp_path, capsys, DRIVER, commands, "--job", str(job))
    errors = [e["text"] for e in events if e["event"] == "error"]
    assert errors[0].startswith("unknown command 'brake'")
    assert "not running yet" in errors[1]
    assert [s["line"] for s in stops(events)] == [3, 8]


def test_console_output_is_captured_when_asked_for(tmp_path, capsys, job) -> None:
    script = "function startPrintJob() { console.log('hello', 42, [1, 2]); return 0; }\n"
    status, events = debug(tmp_path, capsys, script, ["continue"], "--console", "--job", str(job))
    assert {"event": "console", "level": "log", "text": "hello 42 [1,2]"} in events
    assert status == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--break", "999"], "--break 999: no statement on or after line 999"),
        (["--break", "nosuchfunction"], "--break nosuchfunction: no line or function 'nosuchfunction'"),
        (["--commands", "/nonexistent/commands.txt"], "--commands /nonexistent/commands.txt: cannot read it"),
        (["--type", "BIDI_INT"], "--type goes with --bidi-set"),
    ],
)
def test_bad_input_is_exit_2_with_one_message(tmp_path, capsys, arguments, message) -> None:
    script = tmp_path / "driver.js"
    script.write_text(DRIVER)
    assert main(["debug", str(script), *arguments]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_script_the_debugger_cannot_parse_is_bad_input(tmp_path, capsys) -> None:
    script = tmp_path / "modern.js"
    script.write_text("var a = {};\nfunction startPrintJob() { return a?.b ? 1 : 0; }\n")
    assert main(["debug", str(script)]) == 2
    assert "modern.js:2:" in capsys.readouterr().err


def test_step_before_the_run_stops_at_the_first_statement_of_the_script(tmp_path, capsys, job) -> None:
    _, events = debug(
        tmp_path, capsys, DRIVER, ["step", "next", "print PREFIX.length", "detach"], "--job", str(job)
    )
    assert [(s["line"], s["entry"], s["function"]) for s in stops(events)] == [
        (1, None, "<top level>"),  # while the script loads
        (7, "startPrintJob", "startPrintJob"),  # nothing else runs at load: next stops in the first call
    ]


def test_the_status_pollers_engine_stops_too_one_engine_at_a_time(tmp_path, capsys) -> None:
    commands = ["break getStatus", "break writePrintData", *["continue"] * 4, "delete", "continue"]
    device = f"sim:{DEVICES / 'pjl_info_bidi_printer.yaml'}"
    status, events = debug(tmp_path, capsys, SCRIPTS / "pjl_info_bidi.js", commands, "--device", device)
    assert [s["entry"] for s in stops(events)] == ["getStatus", "writePrintData", "getStatus", "getStatus"]
    report = next(e for e in events if e["event"] == "report")["report"]
    assert report["outcome"] == "completed" and report["calls"]["getStatus"] > 3
    assert status == 0
