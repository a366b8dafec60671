"""The script engine: loading vendor scripts, finding entry points, and every way a call ends.

Requirements: decisions.md "Script loading" and "Globals and sandbox" (limits), usbmon-js-api.md §1.
"""

from __future__ import annotations

import codecs
import threading
import time

import pytest
from helpers import SCRIPT_NAME, FakeDevice, Recorder, make_engine

from usbmon_js.clock import VirtualClock
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.engine.quickjs import ScriptLoadError
from usbmon_js.errors import BadInput


def position(source: str, token: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th `token` in `source` (LF, CR or CRLF line endings)."""
    text = source.replace("\r\n", "\n").replace("\r", "\n")
    at = -1
    for _ in range(occurrence):
        at = text.index(token, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


# -- script loading -----------------------------------------------------------------------------

NON_ASCII_SCRIPT = (
    "// Caf\u00e9: a driver whose strings are not ASCII\n"
    'var label = "\u00e9\u20ac\U0001f600";\n'
    "function getSchemas() {\n"
    "    // \u00e9 is one UTF-16 unit, \u20ac one, \U0001f600 two\n"
    "    if (label.length === 4 && label.charCodeAt(0) === 0xe9 && label.charCodeAt(1) === 0x20ac) {\n"
    "        return 3;\n"
    "    }\n"
    "    return 1;\n"
    "}\n"
)


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (NON_ASCII_SCRIPT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + NON_ASCII_SCRIPT.encode("utf-8"), "utf-8-bom"),
        (codecs.BOM_UTF16_LE + NON_ASCII_SCRIPT.replace("\n", "\r\n").encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + NON_ASCII_SCRIPT.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom-crlf", "utf16be-bom"],
)
def test_accepted_encodings_load_and_decode_text(raw: bytes, encoding: str) -> None:
    engine = make_engine(raw)
    assert engine.script.encoding == encoding
    assert "\ufeff" not in engine.script.source
    assert engine.call("getSchemas", []).return_code == 3


def test_mixed_line_endings_keep_line_numbers() -> None:
    source = (
        "// CRLF line\r\n"
        "// LF line\n"
        "// CR line\r"
        "function getStatus() {\r\n"
        "    var x = 1;\n"
        "    null.boom;\r"
        "    return x;\r\n"
        "}\n"
    )
    engine = make_engine(source)
    failure = engine.call("getStatus", []).failure
    assert failure is not None and failure.kind == "exception"
    line, col = position(source, "null.boom")
    assert (line, col) == (6, 5)
    assert failure.location == f"{SCRIPT_NAME}:{line}:{col}"


def test_raw_control_characters_in_comments_are_accepted() -> None:
    controls = "".join(chr(c) for c in range(1, 32) if chr(c) not in "\n\r") + "\x7f\x85"
    source = (
        f"// line comment with controls: [{controls}]\n"
        f"/* block comment with controls: [{controls}]\n"
        f"   second line [{controls}] */\n"
        "function getSchemas() {\n"
        "    return 2; // trailing [\x1a\x0c]\n"
        "}\n"
        "function getStatus() { undefined.boom; }\n"
    )
    for raw in (
        source.encode("utf-8"),
        codecs.BOM_UTF16_LE + source.replace("\n", "\r\n").encode("utf-16-le"),
    ):
        engine = make_engine(raw)
        assert engine.call("getSchemas", []).return_code == 2
        failure = engine.call("getStatus", []).failure
        assert failure is not None
        line, col = position(source, "undefined.boom")
        assert failure.location == f"{SCRIPT_NAME}:{line}:{col}"


# -- sloppy-mode classic script ---------------------------------------------------------------

SLOPPY_SCRIPT = """
topLevelImplicit = 5;
var topLevelVar = 6;
var topThis = this;
getSchemas = function (out) {
    function plain() { return this; }
    out.Put(plain() === globalThis);
    madeByAssignment = 41;
    out.Put(globalThis.madeByAssignment + 1);
    out.Put(topLevelImplicit + topLevelVar);
    out.Put(topThis === globalThis && globalThis.topLevelVar === 6);
    var settings = { width: 8, height: 3 };
    with (settings) {
        out.Put(width * height);
    }
    var visited = 0;
    outer: for (var i = 0; i < 5; i++) {
        inner: for (var j = 0; j < 5; j++) {
            if (j === 2) continue outer;
            if (i === 3) break outer;
            visited++;
        }
    }
    out.Put(visited);
    debugger;
    out.Put(010 + arguments.callee.length);
    return 0;
};
"""


def test_script_runs_in_sloppy_mode() -> None:
    engine = make_engine(SLOPPY_SCRIPT)
    out = Recorder()
    result = engine.call("getSchemas", [out])
    assert result.failure is None
    assert result.return_code == 0
    # this = global, implicit global, top-level vars, with, labels, debugger (no-op), octal 010 + callee
    assert out.values == [True, 42, 11, True, 24, 6, 9]


# -- entry points -----------------------------------------------------------------------------

ENTRY_SCRIPT = """
function getSchemas(scriptContext, printerStream, schemaRequests, printerBidiSchemaResponses) {
    return 10;
}
setSchema = function (scriptContext, printerStream, printerBidiSchemaElement) { return 11; };
var getStatus = function named(scriptContext, /* printerStream, */ responses) { return 12; };
globalThis.startPrintJob = function (jobContext,
                                     printerStream,   // the print pipe
                                     responses) { return 13; };
this.endPrintJob = function () { return 14; };
var requestStatus = 15;  // not a function: not an entry point
"""


def test_entry_points_are_found_however_defined() -> None:
    engine = make_engine(ENTRY_SCRIPT)
    assert engine.entry_points == {
        "getSchemas": ["scriptContext", "printerStream", "schemaRequests", "printerBidiSchemaResponses"],
        "setSchema": ["scriptContext", "printerStream", "printerBidiSchemaElement"],
        "getStatus": ["scriptContext", "responses"],
        "startPrintJob": ["jobContext", "printerStream", "responses"],
        "endPrintJob": [],
    }
    codes = {name: engine.call(name, []).return_code for name in engine.entry_points}
    assert codes == {
        "getSchemas": 10,
        "setSchema": 11,
        "getStatus": 12,
        "startPrintJob": 13,
        "endPrintJob": 14,
    }


@pytest.mark.parametrize("entry", ["requestStatus", "writePrintData"])
def test_missing_entry_point_is_skipped(entry: str) -> None:
    engine = make_engine(ENTRY_SCRIPT)
    assert not engine.has(entry)
    result = engine.call(entry, [Recorder()])
    assert result.skipped
    assert result.return_code is None and result.failure is None


# -- load errors ------------------------------------------------------------------------------

SYNTAX_ERROR_SCRIPT = (
    "// a driver with a typo\nvar ok = 1;\n  var = 2;\nfunction getSchemas() { return 0; }\n"
)


@pytest.mark.parametrize(
    "raw",
    [
        SYNTAX_ERROR_SCRIPT.encode("utf-8"),
        codecs.BOM_UTF16_LE + SYNTAX_ERROR_SCRIPT.replace("\n", "\r\n").encode("utf-16-le"),
    ],
    ids=["utf8-lf", "utf16le-crlf"],
)
def test_syntax_error_names_file_line_and_column(raw: bytes) -> None:
    with pytest.raises(ScriptLoadError) as caught:
        make_engine(raw, name="typo.js")
    assert isinstance(caught.value, BadInput)
    line, col = position(SYNTAX_ERROR_SCRIPT, "= 2")
    message = str(caught.value)
    assert message.startswith(f"typo.js:{line}:{col}: SyntaxError")
    assert (line, col) == (3, 7)


def test_syntax_error_is_reported_before_anything_runs() -> None:
    # The statement before the error would run away; it must never start.
    source = "while (true) {}\nfunction getSchemas() { return 0 }\nvar x = ;\n"
    started = time.monotonic()
    with pytest.raises(ScriptLoadError, match=r"vendor\.js:3:9: SyntaxError"):
        make_engine(source, call_timeout_s=5)
    assert time.monotonic() - started < 2


def test_throw_at_load_is_a_load_error_with_location() -> None:
    source = "var a = 1;\nfunction setup() {\n    var cfg = null;\n    return cfg.speed;\n}\nsetup();\n"
    with pytest.raises(ScriptLoadError) as caught:
        make_engine(source)
    line, col = position(source, "cfg.speed")
    message = str(caught.value)
    assert f"{SCRIPT_NAME}:{line}:{col}" in message
    assert "TypeError" in message and "speed" in message


def test_runaway_top_level_is_a_load_error() -> None:
    with pytest.raises(ScriptLoadError, match="timeout"):
        make_engine("var n = 0;\nwhile (true) { n++; }\n", call_timeout_s=0.3)


# -- exceptions in entry points ---------------------------------------------------------------

THROWING_SCRIPT = """\
function parseStatus(bytes) {
    if (bytes.length < 2) {
        throw new RangeError("status too short: " + bytes.length);
    }
    return bytes[1];
}
function readStatus(stream) {
    return parseStatus([1]);
}
function getStatus(scriptContext, printerStream, responses) {
    return readStatus(printerStream);
}
function requestStatus() { throw "device said no"; }
function startPrintJob() { throw 42; }
function endPrintJob() { var job = undefined; return job.pages; }
"""


def test_exception_reports_name_message_location_and_vendor_stack() -> None:
    engine = make_engine(THROWING_SCRIPT)
    failure = engine.call("getStatus", [None, None, None]).failure
    assert failure is not None
    assert failure.kind == "exception"
    assert failure.message == "RangeError: status too short: 1"
    # The location is the throw site in the vendor's file: its line, a column inside the statement.
    assert failure.location is not None
    name, line, col = failure.location.split(":")
    throw_line, throw_col = position(THROWING_SCRIPT, "throw new RangeError")
    assert (name, int(line)) == (SCRIPT_NAME, throw_line)
    assert (
        throw_col <= int(col) < throw_col + len('throw new RangeError("status too short: " + bytes.length);')
    )
    frames = failure.stack.splitlines()
    assert [f.split()[1] for f in frames] == ["parseStatus", "readStatus", "getStatus"]
    assert all(f"({SCRIPT_NAME}:" in f for f in frames)
    assert "usbmon-host" not in failure.stack
    assert "eval_script" not in failure.stack and "<eval>" not in failure.stack
    assert "invoke" not in failure.stack


def test_exception_location_column_is_exact() -> None:
    engine = make_engine(THROWING_SCRIPT)
    failure = engine.call("endPrintJob", []).failure
    assert failure is not None and failure.kind == "exception"
    assert failure.message.startswith("TypeError: ")
    line, col = position(THROWING_SCRIPT, "job.pages")
    assert failure.location == f"{SCRIPT_NAME}:{line}:{col}"
    assert failure.stack.strip() == f"at endPrintJob ({SCRIPT_NAME}:{line}:{col})"


@pytest.mark.parametrize(("entry", "shown"), [("requestStatus", "device said no"), ("startPrintJob", "42")])
def test_throwing_a_primitive_is_reported(entry: str, shown: str) -> None:
    engine = make_engine(THROWING_SCRIPT)
    result = engine.call(entry, [])
    assert result.return_code is None
    assert result.failure is not None
    assert result.failure.kind == "exception"
    assert shown in result.failure.message


def test_exception_leaves_the_engine_usable() -> None:
    engine = make_engine(THROWING_SCRIPT + "var calls = 0;\nfunction getSchemas() { return ++calls; }\n")
    assert engine.call("getSchemas", []).return_code == 1
    assert engine.call("endPrintJob", []).failure is not None
    assert engine.call("getSchemas", []).return_code == 2


# -- deadlines ---------------------------------------------------------------------------------


def test_infinite_loop_times_out_and_engine_survives() -> None:
    engine = make_engine(
        "var calls = 0;\n"
        "function getSchemas() { calls++; while (true) {} }\n"
        "function getStatus() { return calls; }\n"
    )
    started = time.monotonic()
    failure = engine.call("getSchemas", [], timeout=0.3).failure
    elapsed = time.monotonic() - started
    assert failure is not None and failure.kind == "timeout"
    assert "0.3 s" in failure.message
    assert 0.25 <= elapsed < 3
    assert engine.call("getStatus", []).return_code == 1


def test_loop_of_host_calls_times_out_in_virtual_time() -> None:
    clock = VirtualClock()
    engine = make_engine(
        "var reads = 0, swallowed = 0;\n"
        "function getStatus(ctx, printerStream) {\n"
        "    while (true) {\n"
        "        try { printerStream.Read(1); reads++; } catch (e) { swallowed++; }\n"
        "    }\n"
        "}\n"
        "function getSchemas() { return reads; }\n"
        "function setSchema() { return swallowed; }\n",
        clock=clock,
    )
    device = FakeDevice()
    stream = PrinterStream(DeviceChannel(device, clock))
    started = time.monotonic()
    failure = engine.call("getStatus", [None, stream], timeout=0.4).failure
    assert failure is not None and failure.kind == "timeout"
    assert "0.4 s" in failure.message
    assert time.monotonic() - started < 0.35  # virtual time: the empty Reads cost no real time
    assert clock.now() >= 0.4
    # Each empty Read waits the 50 ms read timeout (virtual), so about 8 fit in the deadline.
    reads = engine.call("getSchemas", []).return_code
    assert reads is not None and 5 <= reads <= 10
    assert device.read_calls >= reads
    # The deadline ended the call inside Read: the vendor's catch never ran.
    assert engine.call("setSchema", []).return_code == 0


# -- memory ------------------------------------------------------------------------------------

MEMORY_SCRIPT = """
function getSchemas() {
    var hoard = [];
    while (true) hoard.push(new Array(1000).fill("x" + hoard.length));
}
function setSchema() {
    var hoard = [];
    while (true) hoard.push([hoard.length, hoard.length + 1, {}]);
}
function getStatus() {
    function deeper(n) { return deeper(n + 1) + 1; }
    return deeper(0);
}
function requestStatus() { return 5; }
"""


@pytest.mark.parametrize("entry", ["getSchemas", "setSchema"], ids=["big-arrays", "small-objects"])
def test_memory_bomb_is_a_memory_failure_and_engine_survives(entry: str) -> None:
    engine = make_engine(MEMORY_SCRIPT, memory_limit_mib=16)
    failure = engine.call(entry, [], timeout=5).failure
    assert failure is not None
    assert failure.kind == "memory"
    assert "16 MiB" in failure.message
    assert engine.call("requestStatus", []).return_code == 5
    again = engine.call(entry, [], timeout=5).failure
    assert again is not None and again.kind == "memory"
    assert engine.call("requestStatus", []).return_code == 5


def test_an_out_of_memory_error_without_its_message_is_still_a_memory_failure() -> None:
    """When the heap runs out while QuickJS makes its own "out of memory" error, the message
    string cannot be allocated and the InternalError keeps only its prototype's ""."""
    engine = make_engine("function getStatus() { throw new InternalError(); }")
    failure = engine.call("getStatus", []).failure
    assert failure is not None and failure.kind == "memory", failure
    assert failure.location == f"{SCRIPT_NAME}:1:34"
    described = make_engine('function getStatus() { throw new InternalError("too much recursion"); }')
    assert described.call("getStatus", []).failure.kind == "exception"  # type: ignore[union-attr]


def test_runaway_recursion_is_a_memory_failure() -> None:
    engine = make_engine(MEMORY_SCRIPT, memory_limit_mib=16)
    failure = engine.call("getStatus", []).failure
    assert failure is not None
    assert failure.kind == "memory"
    assert "stack" in failure.message
    assert failure.location is not None and failure.location.startswith(f"{SCRIPT_NAME}:")
    assert engine.call("requestStatus", []).return_code == 5


# -- return values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "returned",
    ['"0"', "undefined", "null", "{ code: 0 }", "[0]", "1.5", "NaN", "Infinity", "true", "false"],
)
def test_non_integer_return_is_invalid(returned: str) -> None:
    engine = make_engine(f"function writePrintData() {{ return {returned}; }}\n")
    result = engine.call("writePrintData", [])
    assert result.return_code is None
    assert result.failure is not None
    assert result.failure.kind == "invalid_return"
    assert "writePrintData" in result.failure.message


def test_missing_return_is_invalid() -> None:
    engine = make_engine("function endPrintJob() { var x = 1; }\n")
    failure = engine.call("endPrintJob", []).failure
    assert failure is not None and failure.kind == "invalid_return"
    assert "undefined" in failure.message


@pytest.mark.parametrize(("returned", "code"), [("2.0", 2), ("0.5 * 4", 2), ("-0", 0), ("3", 3), ("-1", -1)])
def test_integral_numbers_are_return_codes(returned: str, code: int) -> None:
    engine = make_engine(f"function startPrintJob() {{ return {returned}; }}\n")
    result = engine.call("startPrintJob", [])
    assert result.failure is None
    assert result.return_code == code
    assert type(result.return_code) is int


# -- state and cancellation --------------------------------------------------------------------


def test_globals_persist_between_calls() -> None:
    engine = make_engine(
        "var pages = 0;\n"
        "function writePrintData() { pages += 2; cache = (typeof cache === 'undefined' ? '' : cache) + 'x';"
        " return 0; }\n"
        "function endPrintJob() { return pages * 10 + cache.length; }\n"
    )
    for _ in range(3):
        assert engine.call("writePrintData", []).return_code == 0
    assert engine.call("endPrintJob", []).return_code == 63


def test_set_interrupt_cancels_at_the_next_host_call() -> None:
    engine = make_engine(
        "var before = 0, after = 0;\n"
        "function writePrintData(out) {\n"
        "    before++;\n"
        "    try { out.Put('reached'); } catch (e) { }\n"
        "    after++;\n"
        "    return 0;\n"
        "}\n"
        "function endPrintJob() { return before * 10 + after; }\n"
    )
    out = Recorder()
    cancel = threading.Event()
    assert engine.call("writePrintData", [out], interrupt=cancel).return_code == 0
    cancel.set()
    result = engine.call("writePrintData", [out], interrupt=cancel)
    assert result.failure is not None
    assert result.failure.kind == "cancelled"
    assert out.values == ["reached"]  # the cancelled call's host call never ran
    assert engine.call("endPrintJob", []).return_code == 21  # and nothing after it ran


def test_an_entry_point_that_disappears_does_not_lose_host_object_layouts() -> None:
    from usbmon_js.com.contexts import WritePrintDataProgress

    engine = make_engine(
        "startPrintJob = function () { delete globalThis.startPrintJob; return 0; };\n"
        "function endPrintJob(p) { p.ProcessedByteCount = 7; return 0; }\n"
    )
    assert engine.call("startPrintJob", []).return_code == 0
    assert engine.call("startPrintJob", [WritePrintDataProgress()]).skipped
    progress = WritePrintDataProgress()
    assert engine.call("endPrintJob", [progress]).return_code == 0
    assert progress.processed == 7
