"""The COM host objects as a script sees them, through a real engine.

Requirements: decisions.md "Host objects (COM faithfulness)" and "Property bags and device data",
usbmon-js-api.md §2.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest
from helpers import FakeDevice, Recorder, make_engine, run_snippet

from usbmon_js.clock import VirtualClock
from usbmon_js.com.bidi import BidiSchemaElement, BidiSchemaResponses, BidiType
from usbmon_js.com.contexts import ScriptContext, UsbJobContext, WritePrintDataProgress
from usbmon_js.com.property_bag import Property, PropertyBag
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.engine.quickjs import Bytes

# `caught(f)` runs f and gives null, or [error class, message] of what it threw.
CAUGHT = """
function caught(f) {
    try { f(); return null; }
    catch (e) {
        var kind = e instanceof RangeError ? "RangeError" : e instanceof TypeError ? "TypeError"
                 : e instanceof Error ? "Error" : typeof e;
        return [kind, String(e.message)];
    }
}
"""


def js(body: str, **host_args: Any) -> list[Any]:
    return run_snippet(CAUGHT + body, **host_args)


def printer_stream(device: FakeDevice | None = None, **kwargs: Any) -> PrinterStream:
    clock = VirtualClock()
    channel = DeviceChannel(device or FakeDevice(), clock, ChannelTimeouts(write=0.5))
    return PrinterStream(channel, **kwargs)


def script_context() -> ScriptContext:
    driver = PropertyBag(
        "DriverProperties",
        {"Model": Property("String", "LaserJet"), "Pages": Property("Int32", 12)},
        writable=False,
    )
    queue = PropertyBag(
        "QueueProperties",
        {"Config:DuplexUnit": Property("String", "Installed"), "Tray": Property("Int32", 2)},
        writable=True,
    )
    return ScriptContext(driver, queue)


# -- members -------------------------------------------------------------------------------------


def test_member_names_are_case_insensitive() -> None:
    device = FakeDevice()
    job = UsbJobContext()
    responses = BidiSchemaResponses("getSchemas")
    results = js(
        """
        out.Put(stream.write([1]) + stream.Write([2]) + stream.WRITE([3]) + stream.wRiTe([4]));
        out.Put(stream.write === stream.Write && stream.Write === stream.WRITE);
        responses.addInt32("\\\\a", 1);
        responses.AddInt32("\\\\b", 2);
        responses.ADDINT32("\\\\c", 3);
        responses.addnull("\\\\d");
        out.Put(job.jobPropertyBag === job.JobPropertyBag && job.JOBPROPERTYBAG === job.jobpropertybag);
        job.printedPageCount = 5;
        out.Put(job.PrintedPageCount);
        out.Put([job.returnCodes.success, job.ReturnCodes.abortthejob]);
        """,
        stream=printer_stream(device),
        responses=responses,
        job=job,
    )
    assert results == [4, True, True, 5, [0, 4]]
    assert device.received == b"\x01\x02\x03\x04"
    assert [(r.path, r.type, r.value) for r in responses.responses] == [
        ("\\a", "BIDI_INT", 1),
        ("\\b", "BIDI_INT", 2),
        ("\\c", "BIDI_INT", 3),
        ("\\d", "BIDI_NULL", None),
    ]
    assert job.printed_pages == 5


def test_idl_properties_are_properties_and_methods_are_functions() -> None:
    element = BidiSchemaElement("\\Printer.Extension:DeviceAction", BidiType.BIDI_STRING, "Clean")
    results = js(
        """
        out.Put([typeof ctx.DriverProperties, typeof ctx.QueueProperties]);
        out.Put([typeof job.JobPropertyBag, typeof job.PrintedPageCount, typeof job.ReturnCodes,
                 typeof job.TemporaryStreams, typeof job.ReturnCodes.Success]);
        out.Put([typeof progress.ProcessedByteCount, typeof element.Name, typeof element.BidiType,
                 typeof element.Value]);
        out.Put([typeof ctx.DriverProperties.GetString, typeof stream.Read, typeof stream.Write,
                 typeof responses.AddNull]);
        out.Put(caught(function () { ctx.DriverProperties(); })[0]);
        out.Put(caught(function () { job.ReturnCodes.Success(); })[0]);
        out.Put([responses.AddNull("\\\\e"), job.JobPropertyBag.SetInt32("n", 1)]);
        """,
        ctx=script_context(),
        job=UsbJobContext(),
        progress=WritePrintDataProgress(),
        element=element,
        stream=printer_stream(),
        responses=BidiSchemaResponses("getSchemas"),
    )
    assert results == [
        ["object", "object"],
        ["object", "number", "object", "object", "number"],
        ["number", "string", "number", "string"],
        ["function", "function", "function", "function"],
        "TypeError",
        "TypeError",
        [None, None],  # methods without a retval give undefined
    ]


def test_reading_an_unknown_member_is_undefined() -> None:
    results = js(
        """
        out.Put([stream.type, stream.foo, stream[0], stream.length, stream.Seek, stream.Commit]);
        out.Put([job.Cancel, job.JobPropertyBag.GetFloat, job.ReturnCodes.Busy]);
        out.Put(["Read" in stream, "read" in stream, "type" in stream, "Seek" in stream]);
        """,
        stream=printer_stream(),
        job=UsbJobContext(),
    )
    assert results == [[None] * 6, [None] * 3, [True, True, False, False]]


def test_assigning_unknown_or_read_only_members_throws_type_error() -> None:
    results = js(
        """
        var rc = job.ReturnCodes;
        out.Put(caught(function () { stream.type = 1; }));
        out.Put(caught(function () { rc.Success = 5; }));
        out.Put(caught(function () { job.JobPropertyBag = null; }));
        out.Put(caught(function () { job.TemporaryStreams = []; }));
        out.Put(caught(function () { stream.Write = function () { return 0; }; }));
        out.Put(caught(function () { delete stream.Write; }));
        out.Put(caught(function () { "use strict"; rc.retry = 9; }));
        out.Put(caught(function () { Object.defineProperty(stream, "x", { value: 1 }); })[0]);
        out.Put([rc.Success, rc.Retry, typeof stream.Write, stream.type]);
        """,
        stream=printer_stream(),
        job=UsbJobContext(),
    )
    kinds = [r[0] for r in results[:7]]
    assert kinds == ["TypeError"] * 7
    assert "type" in results[0][1]
    assert "Success" in results[1][1] and "read-only" in results[1][1]
    assert results[7] == "TypeError"
    assert results[8] == [0, 2, "function", None]


# -- bytes -----------------------------------------------------------------------------------------

ARRAY_CHECK = """
function arrayFacts(a) {
    var keys = [];
    for (var k in a) keys.push(k);
    var copy = a.slice();
    var first = copy.shift();
    return [Array.isArray(a), Object.getPrototypeOf(a) === Array.prototype, a.length, keys,
            Object.keys(a), first, copy, a.concat([7]), a.slice(1), JSON.stringify(a)];
}
"""


def facts(data: list[int]) -> list[Any]:
    return [
        True,
        True,
        len(data),
        [str(i) for i in range(len(data))],
        [str(i) for i in range(len(data))],
        data[0],
        data[1:],
        [*data, 7],
        data[1:],
        "[" + ",".join(map(str, data)) + "]",
    ]


def test_bytes_handed_to_scripts_are_real_arrays() -> None:
    job = UsbJobContext()
    job.job_bag.properties["Blob"] = Property("Bytes", b"\x05\x06\xff")
    element = BidiSchemaElement("\\Printer.Extension:Blob", BidiType.BIDI_BLOB, b"\x00\x80")
    results = js(
        ARRAY_CHECK
        + """
        out.Put(arrayFacts(printData));
        out.Put(arrayFacts(stream.Read(3)));
        out.Put(arrayFacts(job.JobPropertyBag.GetBytes("Blob")));
        out.Put(arrayFacts(element.Value));
        var streams = job.TemporaryStreams;
        var keys = [];
        for (var k in streams) keys.push(k);
        out.Put([Array.isArray(streams), streams.length, keys]);
        """,
        printData=Bytes(b"\x01\x02\x03\x04"),
        stream=printer_stream(FakeDevice([b"\x0a\x0b\x0c\x0d"])),
        job=job,
        element=element,
    )
    assert results == [
        facts([1, 2, 3, 4]),
        facts([10, 11, 12]),
        facts([5, 6, 255]),
        facts([0, 128]),
        [True, 2, ["0", "1"]],
    ]


@pytest.mark.parametrize(
    ("expr", "sent"),
    [
        ("[1, 2, 255, 0]", b"\x01\x02\xff\x00"),
        ("new Uint8Array([1, 2, 255, 0])", b"\x01\x02\xff\x00"),
        ("new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4)", b"\x01\x02\x03"),
        ("new Uint8ClampedArray([1, 2, 3])", b"\x01\x02\x03"),
        ("new Int8Array([1, 2, 127])", b"\x01\x02\x7f"),
        ("new Uint16Array([1, 2, 255])", b"\x01\x02\xff"),
        ("new Int32Array([0, 200])", b"\x00\xc8"),
        ("new Float64Array([1, 2, 3])", b"\x01\x02\x03"),
        ("new Uint8Array([4, 5, 6]).buffer", b"\x04\x05\x06"),
        ("new ArrayBuffer(2)", b"\x00\x00"),
        ("[]", b""),
    ],
)
def test_write_accepts_byte_arrays(expr: str, sent: bytes) -> None:
    device = FakeDevice()
    results = js(f"out.Put(stream.Write({expr}));", stream=printer_stream(device))
    assert results == [len(sent)]
    assert bytes(device.received) == sent


@pytest.mark.parametrize(
    ("expr", "error"),
    [
        ('"abc"', "TypeError"),
        ("42", "TypeError"),
        ("undefined", "TypeError"),
        ("null", "TypeError"),
        ("{ length: 1, 0: 1 }", "TypeError"),
        ("new DataView(new ArrayBuffer(2))", "TypeError"),
        ("[1, 256]", "RangeError"),
        ("[1, -1]", "RangeError"),
        ("[1, 1.5]", "RangeError"),
        ("[1, NaN]", "RangeError"),
        ("new Int16Array([1, 300])", "RangeError"),
        ("new Int8Array([1, -1])", "RangeError"),
        ("new Float32Array([1, 0.5])", "RangeError"),
        ('[1, "2"]', "TypeError"),
        ("[1, null]", "TypeError"),
        ("[1, , 3]", "TypeError"),
        ("[1, 2n]", "TypeError"),
        ("[1, [2]]", "TypeError"),
    ],
)
def test_write_rejects_what_is_not_a_byte_array(expr: str, error: str) -> None:
    device = FakeDevice()
    results = js(f"out.Put(caught(function () {{ stream.Write({expr}); }}));", stream=printer_stream(device))
    assert results[0] is not None
    assert results[0][0] == error
    assert results[0][1].startswith("Write: ")
    assert device.received == b""


def test_other_byte_inputs_use_the_same_conversion() -> None:
    responses = BidiSchemaResponses("getSchemas")
    job = UsbJobContext()
    results = js(
        """
        responses.AddBlob("\\\\blob", new Uint8Array([0, 255, 16]));
        out.Put(caught(function () { responses.AddBlob("\\\\bad", "0aff"); }));
        job.JobPropertyBag.SetBytes("B", new Uint8Array([1, 2]).buffer);
        out.Put(caught(function () { job.JobPropertyBag.SetBytes("C", [300]); }));
        """,
        responses=responses,
        job=job,
    )
    assert results[0][0] == "TypeError" and results[0][1].startswith("AddBlob")
    assert results[1][0] == "RangeError" and results[1][1].startswith("SetBytes")
    assert [(r.path, r.type, r.value) for r in responses.responses] == [("\\blob", "BIDI_BLOB", "00ff10")]
    assert job.job_bag.properties == {"B": Property("Bytes", b"\x01\x02")}


# -- number and string coercion --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("42", 42),
        ('"42"', 42),
        ('" 7 "', 7),
        ('"-12"', -12),
        ('"1e3"', 1000),
        ("2**31", -(2**31)),
        ("2**32 + 5", 5),
        ("-(2**31) - 1", 2**31 - 1),
        ("3.99", 3),
        ("-1.9", -1),
        ("-0", 0),
    ],
)
def test_int32_arguments_coerce_like_variants(expr: str, value: int) -> None:
    responses = BidiSchemaResponses("getSchemas")
    js(f'responses.AddInt32("\\\\p", {expr});', responses=responses)
    assert [(r.type, r.value) for r in responses.responses] == [("BIDI_INT", value)]


@pytest.mark.parametrize(
    "expr", ['"4x"', "null", "undefined", '"abc"', '""', '"1_000"', "{}", "[]", "true", "NaN", "Infinity"]
)
def test_int32_arguments_that_cannot_convert_throw_type_error(expr: str) -> None:
    responses = BidiSchemaResponses("getSchemas")
    results = js(
        f'out.Put(caught(function () {{ responses.AddInt32("\\\\p", {expr}); }}));', responses=responses
    )
    assert results[0][0] == "TypeError"
    assert results[0][1].startswith("AddInt32: ")
    assert responses.responses == []


STRING_VALUES = [
    "5", "true", "false", "1.5", "-0", "NaN", "Infinity", "-Infinity", "0.000001", "1e-7", "-2.5e-8",
    "123.456", "1e21", "2**66", "2**53 + 2", "1/3", "100", "0.1 + 0.2", '"text"', '""',
]  # fmt: skip


@pytest.mark.parametrize("member", ["AddString", "AddText", "AddEnum"])
def test_string_arguments_convert_like_js_string(member: str) -> None:
    responses = BidiSchemaResponses("getSchemas")
    values = ", ".join(STRING_VALUES)
    expected = js(
        f"""
        var values = [{values}];
        for (var i = 0; i < values.length; i++) responses.{member}("\\\\v" + i, values[i]);
        out.Put(values.map(function (v) {{ return String(v); }}));
        """,
        responses=responses,
    )[0]
    assert [r.value for r in responses.responses] == expected
    assert expected[:4] == ["5", "true", "false", "1.5"]
    assert {r.type for r in responses.responses} == {f"BIDI_{member[3:].upper()}"}


@pytest.mark.parametrize("member", ["AddString", "AddText", "AddEnum"])
@pytest.mark.parametrize("expr", ["null", "undefined", "{}", "[1]"])
def test_string_arguments_reject_null_undefined_and_objects(member: str, expr: str) -> None:
    responses = BidiSchemaResponses("getSchemas")
    results = js(
        f'out.Put(caught(function () {{ responses.{member}("\\\\p", {expr}); }}));', responses=responses
    )
    assert results[0][0] == "TypeError"
    assert results[0][1].startswith(f"{member}: ")
    assert responses.responses == []


def test_set_string_converts_and_rejects_like_add_string() -> None:
    job = UsbJobContext()
    results = js(
        """
        var bag = job.JobPropertyBag;
        bag.SetString("n", 5);
        bag.SetString("b", true);
        out.Put(caught(function () { bag.SetString("x", null); })[0]);
        out.Put([bag.GetString("n"), bag.GetString("b")]);
        """,
        job=job,
    )
    assert results == ["TypeError", ["5", "true"]]
    assert "x" not in job.job_bag.properties


# -- property bags -------------------------------------------------------------------------------


def test_driver_properties_are_read_only() -> None:
    ctx = script_context()
    results = js(
        """
        var bag = ctx.DriverProperties;
        out.Put([bag.GetString("Model"), bag.GetInt32("Pages")]);
        out.Put(caught(function () { bag.SetString("Model", "Other"); }));
        out.Put(caught(function () { bag.SetInt32("Pages", 1); })[0]);
        out.Put(caught(function () { bag.SetBool("New", true); })[0]);
        out.Put(caught(function () { bag.SetBytes("New", [1]); })[0]);
        out.Put(caught(function () { bag.GetWriteStream("New"); })[0]);
        out.Put(bag.GetString("Model"));
        """,
        ctx=ctx,
    )
    assert results[0] == ["LaserJet", 12]
    assert results[1][0] == "Error" and "read-only" in results[1][1] and results[1][1].startswith("SetString")
    assert results[2:6] == ["Error"] * 4
    assert results[6] == "LaserJet"
    assert ctx.driver.snapshot() == {
        "Model": {"type": "String", "value": "LaserJet"},
        "Pages": {"type": "Int32", "value": 12},
    }


def test_queue_properties_are_read_write() -> None:
    ctx = script_context()
    results = js(
        """
        var bag = ctx.QueueProperties;
        out.Put(bag.GetString("Config:DuplexUnit"));
        bag.SetString("Config:DuplexUnit", "NotInstalled");
        bag.SetInt32("Tray", "3");
        bag.SetBool("Stapler", 1);
        out.Put([bag.GetString("Config:DuplexUnit"), bag.GetInt32("Tray"), bag.GetBool("Stapler")]);
        """,
        ctx=ctx,
    )
    assert results == ["Installed", ["NotInstalled", 3, True]]
    assert ctx.queue.properties["Tray"] == Property("Int32", 3)
    assert ctx.queue.properties["Stapler"] == Property("Bool", True)


def test_user_properties_getter_throws() -> None:
    results = js("out.Put(caught(function () { return ctx.UserProperties; }));", ctx=script_context())
    assert results[0][0] == "Error"
    assert results[0][1].startswith("UserProperties: ")


def test_job_property_bag_starts_empty_and_set_creates_or_overwrites() -> None:
    job = UsbJobContext()
    results = js(
        """
        var bag = job.JobPropertyBag;
        out.Put(caught(function () { bag.GetInt32("PagesProcessed"); }));
        bag.SetInt32("PagesProcessed", 1);
        bag.SetInt32("PagesProcessed", bag.GetInt32("PagesProcessed") + 1);
        bag.SetBool("ManualDuplexJob", true);
        bag.SetBytes("Header", [27, 69]);
        out.Put([bag.GetInt32("PagesProcessed"), bag.GetBool("ManualDuplexJob"), bag.GetBytes("Header")]);
        """,
        job=job,
    )
    assert results[0] == ["Error", "GetInt32: property 'PagesProcessed' not found in JobPropertyBag"]
    assert results[1] == [2, True, [27, 69]]
    assert job.job_bag.snapshot() == {
        "PagesProcessed": {"type": "Int32", "value": 2},
        "ManualDuplexJob": {"type": "Bool", "value": True},
        "Header": {"type": "Bytes", "value": "1b45"},
    }


@pytest.mark.parametrize("member", ["GetBool", "GetInt32", "GetString", "GetBytes", "GetReadStream"])
def test_get_of_a_missing_property_names_member_and_property(member: str) -> None:
    results = js(
        f'out.Put(caught(function () {{ ctx.QueueProperties.{member}("Foo"); }}));', ctx=script_context()
    )
    kind, message = results[0]
    assert kind == "Error"
    assert message.startswith(f"{member}: property 'Foo' not found")


@pytest.mark.parametrize(
    ("member", "name"),
    [("GetInt32", "Config:DuplexUnit"), ("GetString", "Tray"), ("GetBool", "Tray"), ("GetBytes", "Tray"),
     ("GetReadStream", "Tray")],
)  # fmt: skip
def test_get_of_the_wrong_type_throws(member: str, name: str) -> None:
    results = js(
        f'out.Put(caught(function () {{ ctx.QueueProperties.{member}("{name}"); }}));', ctx=script_context()
    )
    assert results[0] is not None
    assert results[0][1].startswith(f"{member}: property '{name}'")


def test_write_stream_seek_set_size_and_commit() -> None:
    job = UsbJobContext()
    results = js(
        """
        var bag = job.JobPropertyBag;
        var s = bag.GetWriteStream("Blob");
        out.Put([typeof s.Seek, typeof s.SetSize, typeof s.Commit]);
        out.Put(s.Write([1, 2, 3, 4, 5]));
        out.Put(s.Seek(0, 0));
        out.Put(s.Read(2));
        out.Put(s.Seek(1, 1));
        out.Put(s.Read(10));
        out.Put(s.Seek(-2, 2));
        s.Write([9]);
        out.Put(caught(function () { bag.GetBytes("Blob"); })[0]);  // nothing persisted yet
        s.Commit();
        out.Put(bag.GetBytes("Blob"));
        s.SetSize(2);
        out.Put(s.Seek(0, 2));
        s.SetSize(4);
        s.Commit();
        out.Put(bag.GetBytes("Blob"));
        out.Put(caught(function () { s.Seek(0, 3); })[0]);
        out.Put(caught(function () { s.Seek(-1, 0); })[0]);
        """,
        job=job,
    )
    assert results == [
        ["function", "function", "function"],
        5,
        0,
        [1, 2],
        3,
        [4, 5],
        3,
        "Error",
        [1, 2, 3, 9, 5],
        2,
        [1, 2, 0, 0],
        "RangeError",
        "RangeError",
    ]
    assert job.job_bag.properties["Blob"] == Property("Bytes", b"\x01\x02\x00\x00")


def test_write_stream_starts_from_the_existing_value() -> None:
    job = UsbJobContext()
    job.job_bag.properties["Blob"] = Property("Bytes", b"\x07\x08")
    results = js(
        """
        var s = job.JobPropertyBag.GetWriteStream("Blob");
        out.Put(s.Read(10));
        s.Write([9]);
        s.Commit();
        out.Put(job.JobPropertyBag.GetBytes("Blob"));
        """,
        job=job,
    )
    assert results == [[7, 8], [7, 8, 9]]


def test_read_stream_is_read_only() -> None:
    ctx = script_context()
    ctx.driver.properties["Table"] = Property("Bytes", b"\x01\x02\x03")
    results = js(
        """
        var s = ctx.DriverProperties.GetReadStream("Table");
        out.Put(s.Read(2));
        out.Put(caught(function () { s.Write([4]); }));
        out.Put(caught(function () { s.SetSize(0); })[0]);
        out.Put(s.Seek(0, 0));
        out.Put(s.Read(5));
        s.Commit();
        out.Put(ctx.DriverProperties.GetBytes("Table"));
        """,
        ctx=ctx,
    )
    assert results[0] == [1, 2]
    assert results[1][0] == "Error" and "read-only" in results[1][1]
    assert results[2:] == ["Error", 0, [1, 2, 3], [1, 2, 3]]
    assert ctx.driver.properties["Table"] == Property("Bytes", b"\x01\x02\x03")


# -- job context -----------------------------------------------------------------------------------


def test_temporary_streams_are_two_independent_fifos() -> None:
    job = UsbJobContext()
    engine = make_engine(
        CAUGHT
        + """
        function writePrintData(out, job) {
            var ts = job.TemporaryStreams;
            out.Put([ts.length, ts[0] !== ts[1], ts[0] === job.TemporaryStreams[0], typeof ts[0].Seek]);
            out.Put(ts[0].Write([1, 2, 3]));
            ts[1].Write([9]);
            out.Put(ts[0].Read(2));
            ts[0].Write([4, 5]);
            return 0;
        }
        function endPrintJob(out, job) {
            var ts = job.TemporaryStreams;
            out.Put(ts[0].Read(100));
            out.Put(ts[0].Read(100));
            out.Put(ts[1].Read(100));
            return 0;
        }
        """
    )
    out = Recorder()
    assert engine.call("writePrintData", [out, job]).return_code == 0
    assert [s.pending for s in job.temporary_streams] == [3, 1]
    assert engine.call("endPrintJob", [out, job]).return_code == 0
    assert out.values == [[2, True, True, "undefined"], 3, [1, 2], [3, 4, 5], [], [9]]
    assert [s.pending for s in job.temporary_streams] == [0, 0]


def test_temporary_streams_spill_to_a_file_and_keep_the_data() -> None:
    job = UsbJobContext(spill_threshold=64)
    results = js(
        """
        var ts = job.TemporaryStreams;
        var chunk = [];
        for (var i = 0; i < 100; i++) chunk.push(i);
        for (var n = 0; n < 10; n++) ts[0].Write(chunk.map(function (b) { return (b + n) & 255; }));
        ts[1].Write([1, 2, 3]);
        out.Put("written");
        var back = [];
        var part;
        while ((part = ts[0].Read(333)).length) back = back.concat(part);
        var ok = back.length === 1000;
        for (var j = 0; ok && j < 1000; j++) ok = back[j] === ((j % 100 + Math.floor(j / 100)) & 255);
        out.Put([back.length, ok]);
        out.Put(ts[1].Read(10));
        """,
        job=job,
    )
    assert results == ["written", [1000, True], [1, 2, 3]]
    first, second = job.temporary_streams
    assert first.spilled
    assert not second.spilled


def test_temporary_stream_spill_state_is_visible_while_data_is_parked() -> None:
    job = UsbJobContext(spill_threshold=64)
    js("job.TemporaryStreams[1].Write(new Array(200).fill(7));", job=job)
    assert job.temporary_streams[1].spilled
    assert not job.temporary_streams[0].spilled
    assert job.temporary_streams[1].read(1000) == b"\x07" * 200


def test_return_codes() -> None:
    results = js(
        """
        var rc = job.ReturnCodes;
        out.Put([rc.Success, rc.Failure, rc.Retry, rc.DeviceBusy, rc.AbortTheJob]);
        out.Put(caught(function () { rc.Success = 1; })[0]);
        out.Put(rc.Success);
        """,
        job=UsbJobContext(),
    )
    assert results == [[0, 1, 2, 3, 4], "TypeError", 0]


def test_processed_byte_count_and_printed_page_count_are_settable() -> None:
    job = UsbJobContext()
    progress = WritePrintDataProgress()
    results = js(
        """
        out.Put([progress.ProcessedByteCount, job.PrintedPageCount]);
        progress.ProcessedByteCount = 17;
        progress.processedByteCount += 3;
        job.PrintedPageCount++;
        job.PrintedPageCount++;
        out.Put([progress.ProcessedByteCount, job.PrintedPageCount]);
        out.Put(caught(function () { job.PrintedPageCount = "many"; })[0]);
        """,
        job=job,
        progress=progress,
    )
    assert results == [[0, 0], [20, 2], "TypeError"]
    assert progress.processed == 20
    assert job.printed_pages == 2
    assert job.page_history == [1, 2]


# -- Bidi ------------------------------------------------------------------------------------------


def test_bidi_responses_record_type_and_value() -> None:
    responses = BidiSchemaResponses("getStatus", t=2.5)
    js(
        """
        responses.AddNull("\\\\Printer.Extension:PaperJam");
        responses.AddBool("\\\\Printer.Configuration.DuplexUnit:Installed", 1);
        responses.AddInt32("\\\\Printer.Consumables.Black:Level", "80");
        responses.AddFloat("\\\\Printer.Extension:Temperature", 0.1);
        responses.AddString("\\\\Printer.Extension:Serial", "SN1");
        responses.AddText("\\\\Printer.Extension:Note", "hello");
        responses.AddEnum("\\\\Printer.Extension:State", "Idle");
        responses.AddBlob("\\\\Printer.Extension:Raw", [0, 255, 16]);
        responses.AddRequeryKey("Status");
        responses.addRequeryKey("Levels");
        """,
        responses=responses,
    )
    float32_of_01 = struct.unpack("f", struct.pack("f", 0.1))[0]
    assert float32_of_01 != 0.1
    assert [(r.path, r.type, r.value) for r in responses.responses] == [
        ("\\Printer.Extension:PaperJam", "BIDI_NULL", None),
        ("\\Printer.Configuration.DuplexUnit:Installed", "BIDI_BOOL", True),
        ("\\Printer.Consumables.Black:Level", "BIDI_INT", 80),
        ("\\Printer.Extension:Temperature", "BIDI_FLOAT", float32_of_01),
        ("\\Printer.Extension:Serial", "BIDI_STRING", "SN1"),
        ("\\Printer.Extension:Note", "BIDI_TEXT", "hello"),
        ("\\Printer.Extension:State", "BIDI_ENUM", "Idle"),
        ("\\Printer.Extension:Raw", "BIDI_BLOB", "00ff10"),
    ]
    assert {(r.entry, r.t) for r in responses.responses} == {("getStatus", 2.5)}
    assert responses.requery_keys == ["Status", "Levels"]


def test_bidi_schema_element_properties_are_read_only() -> None:
    element = BidiSchemaElement("\\Printer.Extension:DeviceAction", BidiType.BIDI_ENUM, "Clean")
    results = js(
        """
        out.Put([element.Name, element.BidiType, element.Value, element.name, element.value]);
        out.Put(caught(function () { element.Value = "Other"; })[0]);
        out.Put(element.Value);
        """,
        element=element,
    )
    assert results == [
        ["\\Printer.Extension:DeviceAction", 6, "Clean", "\\Printer.Extension:DeviceAction", "Clean"],
        "TypeError",
        "Clean",
    ]


# -- the printer stream ----------------------------------------------------------------------------


def test_printer_stream_write_reaches_the_device_and_returns_the_accepted_count() -> None:
    device = FakeDevice(capacity=5)
    stream = printer_stream(device)
    results = js(
        """
        out.Put(stream.Write([1, 2, 3]));
        out.Put(stream.Write([4, 5, 6, 7, 8]));
        out.Put(stream.Write([9]));
        """,
        stream=stream,
    )
    assert results == [3, 2, 0]
    assert device.received == b"\x01\x02\x03\x04\x05"
    assert stream.channel.bytes_to_device == 5


def test_printer_stream_read_returns_at_most_n_available_bytes() -> None:
    device = FakeDevice([b"\x01\x02\x03\x04\x05"])
    results = js(
        """
        out.Put(stream.Read(2));
        out.Put(stream.read(10));
        out.Put(stream.Read(10));
        out.Put(stream.Read("1"));
        out.Put(caught(function () { stream.Read(-1); })[0]);
        """,
        stream=printer_stream(device),
    )
    assert results == [[1, 2], [3, 4, 5], [], [], "RangeError"]


def test_read_only_printer_stream_refuses_write() -> None:
    device = FakeDevice([b"\x10"])
    results = js(
        """
        out.Put(caught(function () { stream.Write([1, 2]); }));
        out.Put(stream.Read(4));
        """,
        stream=printer_stream(device, read_only_for="getStatus"),
    )
    assert results[0] == ["Error", "Write: the printer stream is read-only in getStatus"]
    assert results[1] == [16]
    assert device.received == b""


# -- lifetime and errors ---------------------------------------------------------------------------


def test_released_objects_are_no_longer_valid_in_later_calls() -> None:
    engine = make_engine(
        CAUGHT
        + """
        var saved = null, savedCodes = null;
        function startPrintJob(out, job) {
            saved = job.JobPropertyBag;
            savedCodes = job.ReturnCodes;
            saved.SetInt32("n", 1);
            return 0;
        }
        function endPrintJob(out, job) {
            out.Put(caught(function () { saved.GetInt32("n"); }));
            out.Put(caught(function () { return savedCodes.Success; }));
            out.Put(job.JobPropertyBag.GetInt32("n"));
            return 0;
        }
        """
    )
    old_job = UsbJobContext()
    out = Recorder()
    assert engine.call("startPrintJob", [out, old_job]).return_code == 0
    engine.release([old_job.job_bag, old_job.ReturnCodes])
    new_job = UsbJobContext()
    new_job.job_bag.properties["n"] = Property("Int32", 5)
    assert engine.call("endPrintJob", [out, new_job]).return_code == 0
    assert out.values[0][0] == "Error"
    assert out.values[0][1].startswith("GetInt32: ") and "no longer valid" in out.values[0][1]
    assert out.values[1][0] == "Error" and "no longer valid" in out.values[1][1]
    assert out.values[2] == 5


def test_host_error_messages_reach_the_script_intact() -> None:
    name = 'Fo\'o "q" \u20ac\U0001f600\\n'
    results = js(
        """
        var bag = job.JobPropertyBag;
        try { bag.GetString(NAME); } catch (e) {
            out.Put([e.message, e.name, e instanceof Error, e instanceof TypeError]);
        }
        try { responses.AddInt32("\\\\p", "4x"); } catch (e) {
            out.Put([e.message, e.name, e instanceof TypeError, e.constructor === TypeError]);
        }
        try { bag.GetString(); } catch (e) {
            out.Put([e.message, e instanceof TypeError]);
        }
        """.replace("NAME", '"Fo\'o \\"q\\" \u20ac\U0001f600\\\\n"'),
        job=UsbJobContext(),
        responses=BidiSchemaResponses("getSchemas"),
    )
    assert results == [
        [f"GetString: property '{name}' not found in JobPropertyBag", "Error", True, False],
        ["AddInt32: '4x' is not a number", "TypeError", True, True],
        ["GetString: expected 1 argument, got 0", True],
    ]
