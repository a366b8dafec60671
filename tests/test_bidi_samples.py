"""The three Bidi sample drivers in scripts/ against their device fixtures, at engine level.

Each test drives the script's entry points the way USBMon would (getSchemas with query keys,
setSchema with one element, getStatus/requestStatus while a job prints) over a DeviceChannel on
a VirtualClock, so every Read timeout and busy wait costs no real time. The host-side Bidi
service and `usbmon-js bidi` are tested elsewhere with the same scripts and fixtures.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import esprima
import pytest

from usbmon_js.clock import VirtualClock
from usbmon_js.com.bidi import BidiSchemaElement, BidiSchemaResponses, BidiType
from usbmon_js.com.contexts import ScriptContext, UsbJobContext, WritePrintDataProgress
from usbmon_js.com.property_bag import PropertyBag
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import ChannelTimeouts, DeviceChannel
from usbmon_js.devices.model import PrinterModel, model_status_interface
from usbmon_js.devices.sim.fixture import FixturePrinter, load_fixture
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import Bytes, ScriptEngine
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import load_bidi_xml
from usbmon_js.formats.manifest import load_manifest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"
SAMPLES = ("binary_bidi", "pjl_info_bidi", "http_bidi")


@dataclass
class Rig:
    """One port: a script engine, a fixture printer and the channel between them."""

    engine: ScriptEngine
    printer: FixturePrinter
    channel: DeviceChannel
    clock: VirtualClock
    context: ScriptContext = field(
        default_factory=lambda: ScriptContext(
            PropertyBag("DriverProperties", writable=False), PropertyBag("QueueProperties", writable=True)
        )
    )

    def stream(
        self, *, read_only_for: str | None = None, channel: DeviceChannel | None = None
    ) -> PrinterStream:
        return PrinterStream(channel or self.channel, read_only_for=read_only_for)

    def get(self, *keys: str) -> tuple[CallResult, BidiSchemaResponses]:
        responses = BidiSchemaResponses("getSchemas")
        result = self.engine.call("getSchemas", [self.context, self.stream(), list(keys), responses])
        return result, responses

    def set(self, path: str, bidi_type: BidiType, value: Any) -> CallResult:
        element = BidiSchemaElement(path, bidi_type, value)
        return self.engine.call("setSchema", [self.context, self.stream(), element])

    def status(self, entry: str, stream: PrinterStream) -> tuple[CallResult, BidiSchemaResponses]:
        responses = BidiSchemaResponses(entry)
        return self.engine.call(entry, [self.context, stream, responses]), responses


def rig(sample: str, fixture: str | None = None) -> Rig:
    clock = VirtualClock()
    script = DriverScript.from_file(SCRIPTS / f"{sample}.js")
    engine = ScriptEngine(script, SandboxLimits(), clock)
    printer = FixturePrinter(load_fixture(DEVICES / f"{fixture or sample + '_printer'}.yaml"), clock)
    return Rig(engine, printer, DeviceChannel(model=printer, clock=clock), clock)


@pytest.fixture
def binary() -> Iterator[Rig]:
    port = rig("binary_bidi")
    yield port
    port.engine.close()


@pytest.fixture
def pjl() -> Iterator[Rig]:
    port = rig("pjl_info_bidi")
    yield port
    port.engine.close()


@pytest.fixture
def http() -> Iterator[Rig]:
    port = rig("http_bidi")
    yield port
    port.engine.close()


def values(responses: BidiSchemaResponses) -> dict[str, tuple[str, Any]]:
    """path -> (type, value); each path must be reported once."""
    found: dict[str, tuple[str, Any]] = {}
    for response in responses.responses:
        assert response.path not in found, f"{response.path} reported twice"
        found[response.path] = (response.type, response.value)
    return found


def ok(result: CallResult, code: int = 0) -> None:
    assert result.failure is None, result.failure
    assert result.return_code == code, result


# --- the driver packages ----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
def test_package_files_load_and_agree(sample: str) -> None:
    manifest = load_manifest(SCRIPTS / f"{sample}-manifest.ini")
    assert manifest.script == SCRIPTS / f"{sample}.js"
    assert manifest.bidi_xml == SCRIPTS / f"{sample}.xml"
    schema = load_bidi_xml(SCRIPTS / f"{sample}.xml")
    assert schema.values
    source = (SCRIPTS / f"{sample}.js").read_text(encoding="utf-8")
    for declared in schema.values.values():
        if declared.kind == "Const":
            continue  # answered by USBMon from the XML
        # Every declared value is reported under its path (a JS string, backslashes doubled; the
        # binary driver composes its consumables paths from the supply names) ...
        path = declared.path.replace("\\", "\\\\")
        parts = declared.path.lstrip("\\").replace(":", ".").split(".")
        assert path in source or all(part in source for part in parts), f"{declared.path} never reported"
        # ... and getSchemas handles the key USBMon asks for it with.
        if declared.kind == "Value" and declared.gettable:
            key = declared.request_key.replace("\\", "\\\\")
            assert f'"{key}"' in source or f"{key}:" in source, f"{declared.path}: key {key} not handled"
    engine = ScriptEngine(DriverScript.from_file(SCRIPTS / f"{sample}.js"), SandboxLimits(), VirtualClock())
    try:
        assert engine.has("getSchemas")
    finally:
        engine.close()


_NOT_ES5 = {
    "ArrowFunctionExpression", "ClassDeclaration", "ClassExpression", "TemplateLiteral",
    "TaggedTemplateExpression", "SpreadElement", "RestElement", "ArrayPattern", "ObjectPattern",
    "AssignmentPattern", "ForOfStatement", "YieldExpression", "AwaitExpression", "MetaProperty",
}  # fmt: skip


def _nodes(node: object) -> Iterator[Any]:
    if isinstance(node, esprima.nodes.Node):
        yield node
        for child in vars(node).values():
            yield from _nodes(child)
    elif isinstance(node, list):
        for child in node:
            yield from _nodes(child)


@pytest.mark.parametrize("sample", SAMPLES)
def test_scripts_stay_within_es5(sample: str) -> None:
    source = (SCRIPTS / f"{sample}.js").read_text(encoding="utf-8")
    for node in _nodes(esprima.parseScript(source)):
        assert node.type not in _NOT_ES5, f"{sample}.js uses {node.type}, which is not ES5"
        if node.type == "VariableDeclaration":
            assert node.kind == "var", f"{sample}.js declares with {node.kind}"
        if node.type in ("FunctionDeclaration", "FunctionExpression"):
            assert not node.generator and not node.isAsync, f"{sample}.js has a generator/async function"
        if node.type == "Property":
            assert not node.shorthand and not node.computed and not node.method, f"{sample}.js: ES2015 syntax"


def test_binary_manifest_names_the_status_interface() -> None:
    manifest = load_manifest(SCRIPTS / "binary_bidi-manifest.ini")
    assert manifest.status_interfaces == ("USB\\VID_1A2B&PID_3C4D&MI_01",)
    assert not manifest.host_based
    assert load_manifest(SCRIPTS / "pjl_info_bidi-manifest.ini").host_based


# --- binary_bidi.js ---------------------------------------------------------------------------------


def test_binary_consumables_warm_up_then_requery(binary: Rig) -> None:
    result, responses = binary.get("Consumables", "Configuration")
    ok(result, 1)
    assert responses.requery_keys == ["Consumables"]
    assert values(responses) == {
        "\\Printer.Configuration.DuplexUnit:Installed": ("BIDI_BOOL", True),
        "\\Printer.Configuration.Memory:Size": ("BIDI_INT", 524288),
    }

    result, responses = binary.get(*responses.requery_keys)
    ok(result)
    assert responses.requery_keys == []
    assert values(responses) == {
        "\\Printer.Consumables.BlackToner:Level": ("BIDI_INT", 85),
        "\\Printer.Consumables.CyanToner:Level": ("BIDI_INT", 40),
        "\\Printer.Consumables.MagentaToner:Level": ("BIDI_INT", 5),
        "\\Printer.Consumables.YellowToner:Level": ("BIDI_INT", -1),
    }


def test_binary_sends_exactly_one_frame_per_requested_key(binary: Rig) -> None:
    result, responses = binary.get("Engine", "Engine", "\\Printer.Unknown:Thing")
    ok(result)
    assert binary.channel.bytes_to_device == 5  # one ENGINE frame, nothing for the unknown key
    assert values(responses) == {
        "\\Printer.Extension.Engine:FuserTemperature": ("BIDI_FLOAT", 182.5),
        "\\Printer.Extension.Engine:CounterBlock": ("BIDI_BLOB", "00003039000001f40007"),
    }
    result, responses = binary.get()
    ok(result)
    assert responses.responses == [] and binary.channel.bytes_to_device == 5


def test_binary_status_key_on_the_print_interface(binary: Rig) -> None:
    result, responses = binary.get("Status")
    ok(result)
    assert values(responses) == {
        "\\Printer.Status.Summary:State": ("BIDI_STRING", "Idle"),
        "\\Printer.Status.Summary:StateReason": ("BIDI_STRING", "None"),
    }


def test_binary_request_status_on_the_secondary_interface_until_it_is_switched_off(binary: Rig) -> None:
    interface = model_status_interface(binary.printer)
    assert interface is not None
    status_channel = DeviceChannel(model=interface, clock=binary.clock)
    stream = binary.stream(channel=status_channel)

    result, responses = binary.status("requestStatus", stream)
    ok(result)
    assert values(responses) == {
        "\\Printer.Status.Summary:State": ("BIDI_STRING", "Processing"),
        "\\Printer.Status.Summary:StateReason": ("BIDI_STRING", "None"),
    }
    result, responses = binary.status("requestStatus", stream)
    ok(result)
    assert values(responses)["\\Printer.Status.Summary:StateReason"] == ("BIDI_STRING", "MarkerSupplyLow")
    result, responses = binary.status("requestStatus", stream)
    ok(result, 2)
    assert responses.responses == []
    # Everything went over the status interface, nothing over the print interface.
    assert binary.channel.bytes_to_device == 0 and status_channel.bytes_to_device == 18


class _Silent:
    """A device that takes everything and never answers."""

    def write(self, data: bytes) -> int:
        return len(data)

    def read(self, size: int) -> bytes:
        return b""


def test_binary_request_status_with_a_silent_interface_keeps_polling(binary: Rig) -> None:
    silent = DeviceChannel(model=_Silent(), clock=binary.clock)
    result, responses = binary.status("requestStatus", binary.stream(channel=silent))
    ok(result)
    assert responses.responses == []


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("Consumables", "reply to CONSUMABLES (0x10) has checksum 0x4f, expected 0x15"),
        ("Configuration", "reply to CONFIGURATION (0x20) is not a reply frame: it starts with 3F 53 59 4E"),
        ("Engine", "reply to ENGINE (0x30) is truncated: got 12 of 21 bytes"),
        ("Status", "reply to STATUS (0x40) answers CONFIGURATION (0x20) instead"),
    ],
)
def test_binary_garbage_makes_get_schemas_throw(key: str, message: str) -> None:
    port = rig("binary_bidi", "binary_bidi_garbage")
    try:
        result, _ = port.get(key)
    finally:
        port.engine.close()
    assert result.failure is not None and result.failure.kind == "exception", result
    assert result.failure.message.startswith("Error: binary_bidi: ")
    assert message in result.failure.message
    assert result.failure.location is not None and result.failure.location.startswith("binary_bidi.js:")


def test_binary_silent_printer_is_an_error_not_a_guess(binary: Rig) -> None:
    binary.channel = DeviceChannel(model=_Silent(), clock=binary.clock)
    started = binary.clock.now()
    result, _ = binary.get("Configuration")
    assert result.failure is not None and result.failure.kind == "exception"
    assert "the printer did not answer CONFIGURATION (0x20)" in result.failure.message
    assert binary.clock.now() - started == pytest.approx(0.25, abs=0.06)  # five empty 50 ms reads


# --- pjl_info_bidi.js -------------------------------------------------------------------------------

UEL = b"\x1b%-12345X"


def test_pjl_get_every_query_key(pjl: Rig) -> None:
    result, responses = pjl.get(
        "Status", "Config", "\\Printer.Extension:EconoMode", "\\Printer.Extension:PageCount"
    )
    ok(result)
    assert responses.requery_keys == []
    assert values(responses) == {
        "\\Printer.Status.Summary:State": ("BIDI_STRING", "Idle"),
        "\\Printer.Status.Summary:StateReason": ("BIDI_STRING", "None"),
        "\\Printer.Extension:PanelDisplay": ("BIDI_STRING", "Ready"),
        "\\Printer.Configuration.Memory:Size": ("BIDI_INT", 131072),
        "\\Printer.Configuration.DuplexUnit:Installed": ("BIDI_BOOL", True),
        "\\Printer.Layout.InputBins.Tray1:Installed": ("BIDI_BOOL", True),
        "\\Printer.Extension:EconoMode": ("BIDI_ENUM", "OFF"),
        "\\Printer.Extension:PageCount": ("BIDI_INT", 4711),
    }


def test_pjl_queries_only_what_was_asked(pjl: Rig) -> None:
    sink = io.BytesIO()
    pjl.channel.sink = sink
    result, responses = pjl.get("Config", "Config", "Consumables")
    ok(result)
    assert sink.getvalue() == UEL + b"@PJL\r\n@PJL INFO CONFIG\r\n" + UEL
    assert set(values(responses)) == {
        "\\Printer.Configuration.Memory:Size",
        "\\Printer.Configuration.DuplexUnit:Installed",
        "\\Printer.Layout.InputBins.Tray1:Installed",
    }


def test_pjl_reply_is_found_behind_unsolicited_status(pjl: Rig) -> None:
    assert pjl.channel.write(b"\x00" * 60000) == 60000  # the printer queues two USTATUS DEVICE messages
    assert pjl.printer.pending_in > 0
    result, responses = pjl.get("Status")
    ok(result)
    assert values(responses)["\\Printer.Status.Summary:State"] == ("BIDI_STRING", "Idle")


def test_pjl_silent_printer_asks_for_a_requery(pjl: Rig) -> None:
    pjl.channel = DeviceChannel(model=_Silent(), clock=pjl.clock)
    result, responses = pjl.get("Status", "\\Printer.Extension:PageCount")
    ok(result, 1)
    assert responses.requery_keys == ["Status", "\\Printer.Extension:PageCount"]
    assert responses.responses == []


def test_pjl_econo_mode_set_is_retried_until_the_printer_applies_it(pjl: Rig) -> None:
    sink = io.BytesIO()
    pjl.channel.sink = sink
    ok(pjl.set("\\Printer.Extension:EconoMode", BidiType.BIDI_ENUM, "ON"), 1)  # busy: read back OFF
    ok(pjl.set("\\Printer.Extension:EconoMode", BidiType.BIDI_ENUM, "ON"))
    block = UEL + b"@PJL\r\n@PJL DEFAULT ECONOMODE=ON\r\n@PJL DINQUIRE ECONOMODE\r\n" + UEL
    assert sink.getvalue() == block * 2
    ok(pjl.set("\\Printer.Extension:EconoMode", BidiType.BIDI_ENUM, "off"))


@pytest.mark.parametrize(
    ("path", "bidi_type", "value", "message"),
    [
        ("\\Printer.Extension:EconoMode", BidiType.BIDI_ENUM, "MAYBE", "EconoMode is ON or OFF, not 'MAYBE'"),
        ("\\Printer.Extension:EconoMode", BidiType.BIDI_INT, 1, "set with an enum value, not BidiType 1"),
        ("\\Printer.Maintenance:CleanHead", BidiType.BIDI_STRING, "yes", "set with a bool value"),
        ("\\Printer.Extension:PageCount", BidiType.BIDI_INT, 5, "PageCount cannot be set by this driver"),
    ],
)
def test_pjl_bad_sets_throw(pjl: Rig, path: str, bidi_type: BidiType, value: Any, message: str) -> None:
    result = pjl.set(path, bidi_type, value)
    assert result.failure is not None and result.failure.kind == "exception"
    assert message in result.failure.message


def test_pjl_clean_head_is_a_set_only_action(pjl: Rig) -> None:
    sink = io.BytesIO()
    pjl.channel.sink = sink
    ok(pjl.set("\\Printer.Maintenance:CleanHead", BidiType.BIDI_BOOL, False))
    assert sink.getvalue() == b""
    ok(pjl.set("\\Printer.Maintenance:CleanHead", BidiType.BIDI_BOOL, True))
    assert sink.getvalue() == UEL + b"@PJL\r\n@PJL EXECUTE CLEANHEAD\r\n" + UEL


def test_pjl_get_status_with_nothing_pending(pjl: Rig) -> None:
    result, responses = pjl.status("getStatus", pjl.stream(read_only_for="getStatus"))
    ok(result)
    assert responses.responses == []


class _Feed:
    """A device that takes everything and sends what the test feeds it."""

    def __init__(self) -> None:
        self.pending = bytearray()

    def feed(self, data: bytes) -> None:
        self.pending += data

    def write(self, data: bytes) -> int:
        return len(data)

    def read(self, size: int) -> bytes:
        data = bytes(self.pending[:size])
        del self.pending[:size]
        return data


def test_pjl_get_status_keeps_a_cut_message_for_the_next_call(pjl: Rig) -> None:
    device = _Feed()
    stream = pjl.stream(read_only_for="getStatus", channel=DeviceChannel(model=device, clock=pjl.clock))
    message = b'@PJL USTATUS DEVICE\r\nCODE=41002\r\nDISPLAY="Load paper"\r\nONLINE=TRUE\r\n\f'
    device.feed(b"@PJL USTATUS JOB\r\nEND\r\nPAGES=2\r\n\f" + message[:25])
    result, responses = pjl.status("getStatus", stream)
    ok(result)
    assert responses.responses == []
    device.feed(message[25:])
    result, responses = pjl.status("getStatus", stream)
    ok(result)
    assert values(responses) == {
        "\\Printer.Status.Summary:State": ("BIDI_STRING", "Stopped"),
        "\\Printer.Status.Summary:StateReason": ("BIDI_STRING", "MediaEmpty"),
        "\\Printer.Extension:PanelDisplay": ("BIDI_STRING", "Load paper"),
    }


def test_pjl_job_passthrough_with_unsolicited_status_while_printing(pjl: Rig) -> None:
    """startPrintJob / writePrintData / endPrintJob, with getStatus polled between the writes in
    its own engine instance on a read-only stream, as USBMon's status thread does."""
    sink = io.BytesIO()
    pjl.channel.sink = sink
    job = (ROOT / "fixtures" / "jobs" / "pages_10.prn").read_bytes()
    context = UsbJobContext()
    poller = ScriptEngine(DriverScript.from_file(SCRIPTS / "pjl_info_bidi.js"), SandboxLimits(), pjl.clock)
    status_stream = pjl.stream(read_only_for="getStatus")
    seen: list[tuple[str, str]] = []
    codes: list[int] = []

    def poll() -> int:
        responses = BidiSchemaResponses("getStatus")
        result = poller.call("getStatus", [pjl.context, status_stream, responses])
        assert result.failure is None, result.failure
        found = values(responses)
        if found:
            seen.append(
                (found["\\Printer.Status.Summary:State"][1], found["\\Printer.Status.Summary:StateReason"][1])
            )
        assert result.return_code is not None
        return result.return_code

    try:
        ok(pjl.engine.call("startPrintJob", [context, pjl.stream(), BidiSchemaResponses("startPrintJob")]))
        polling = poll() == 0
        offset = 0
        while offset < len(job):
            chunk = job[offset : offset + 8192]
            progress = WritePrintDataProgress()
            result = pjl.engine.call(
                "writePrintData",
                [context, Bytes(chunk), pjl.stream(), progress, BidiSchemaResponses("writePrintData")],
            )
            ok(result)
            codes.append(result.return_code or 0)
            assert progress.processed == len(chunk)
            offset += progress.processed
            if polling:
                polling = poll() == 0
        ok(pjl.engine.call("endPrintJob", [context, pjl.stream(), BidiSchemaResponses("endPrintJob")]))
    finally:
        poller.close()
        context.close()

    assert not polling, "getStatus returned 2 after USTATUSOFF"
    assert seen == [("Processing", "None"), ("Stopped", "DoorOpen"), ("Processing", "None")]
    assert set(codes) == {0}
    assert sink.getvalue() == UEL + b"@PJL\r\n@PJL USTATUS DEVICE=ON\r\n" + UEL + job
    # 20000 bytes/s behind a 16 KiB buffer: the job took simulated time, and the status polls'
    # empty 50 ms reads add a little.
    assert (len(job) + 48 - 16384) / 20000 <= pjl.clock.now() <= (len(job) + 48) / 20000 + 1.0


def test_pjl_write_print_data_reports_device_busy_when_nothing_is_taken(pjl: Rig) -> None:
    # A write timeout shorter than the 10 s call deadline, as the host's wait budget gives.
    full = DeviceChannel(model=_Full(), clock=pjl.clock, timeouts=ChannelTimeouts(write=1.0))
    context = UsbJobContext()
    progress = WritePrintDataProgress()
    try:
        result = pjl.engine.call(
            "writePrintData",
            [
                context,
                Bytes(b"data"),
                pjl.stream(channel=full),
                progress,
                BidiSchemaResponses("writePrintData"),
            ],
        )
    finally:
        context.close()
    ok(result, 3)
    assert progress.processed == 0


class _Full:
    def write(self, data: bytes) -> int:
        return 0

    def read(self, size: int) -> bytes:
        return b""


# --- http_bidi.js -----------------------------------------------------------------------------------

SLEEP = "\\Printer.Extension.Settings:SleepMinutes"
DESCRIPTION = ("BIDI_TEXT", "Drucker im Büro 2 – Fenster")


def test_http_get_status_info_and_a_value_without_query_key(http: Rig) -> None:
    sink = io.BytesIO()
    http.channel.sink = sink
    result, responses = http.get("Info", "\\Printer.Extension.Settings:SleepMinutes")
    ok(result)
    assert values(responses) == {
        "\\Printer.DeviceInfo:FirmwareVersion": ("BIDI_STRING", "2.31.4"),
        "\\Printer.Extension.Info:Description": DESCRIPTION,
        "\\Printer.Configuration.DuplexUnit:Installed": ("BIDI_BOOL", True),
        "\\Printer.Extension.Settings:SleepMinutes": ("BIDI_INT", 15),
    }
    assert sink.getvalue() == (
        b"GET /bidi/info HTTP/1.1\r\nHost: printer\r\n\r\n"
        b"GET /bidi/settings/SleepMinutes HTTP/1.1\r\nHost: printer\r\n\r\n"
    )


def test_http_alert_in_the_status_body_raises_the_event(http: Rig) -> None:
    result, responses = http.get("Status")
    ok(result)
    assert values(responses) == {
        "\\Printer.Status.Summary:State": ("BIDI_STRING", "Idle"),
        "\\Printer.Status.Summary:StateReason": ("BIDI_STRING", "None"),
        "\\Printer.Extension.Panel:Message": ("BIDI_TEXT", "Ready"),
        "\\Printer.Extension.Panel:Alert": ("BIDI_TEXT", ""),
        "\\Printer.Extension.Counters:PageCount": ("BIDI_INT", 1234),
    }
    result, responses = http.get("Status")
    ok(result)
    found = values(responses)
    assert found["\\Printer.Extension:AlertEvent"] == ("BIDI_NULL", None)
    assert found["\\Printer.Extension.Panel:Alert"] == ("BIDI_TEXT", "Black toner is low")
    assert found["\\Printer.Status.Summary:StateReason"] == ("BIDI_STRING", "MarkerSupplyLow")


def test_http_set_is_retried_after_503(http: Rig) -> None:
    sink = io.BytesIO()
    http.channel.sink = sink
    ok(http.set("\\Printer.Extension.Settings:SleepMinutes", BidiType.BIDI_INT, 30), 1)
    ok(http.set("\\Printer.Extension.Settings:SleepMinutes", BidiType.BIDI_INT, 30))
    request = (
        b"POST /bidi/settings HTTP/1.1\r\nHost: printer\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 17\r\n\r\nSleepMinutes=30\r\n"
    )
    assert sink.getvalue() == request * 2
    assert http.printer.pending_in == 0  # each reply was read to its end


@pytest.mark.parametrize(
    ("path", "bidi_type", "value", "message"),
    [
        (
            "\\Printer.Extension.Settings:SleepMinutes",
            BidiType.BIDI_INT,
            -5,
            "whole number of minutes, not -5",
        ),
        ("\\Printer.Extension.Settings:SleepMinutes", BidiType.BIDI_STRING, "5", "whole number of minutes"),
        ("\\Printer.DeviceInfo:FirmwareVersion", BidiType.BIDI_STRING, "3.0", "cannot be set by this driver"),
    ],
)
def test_http_bad_sets_throw(http: Rig, path: str, bidi_type: BidiType, value: Any, message: str) -> None:
    result = http.set(path, bidi_type, value)
    assert result.failure is not None and result.failure.kind == "exception"
    assert message in result.failure.message
    assert http.channel.bytes_to_device == 0


class _Trickle:
    """Passes another model through, but hands out at most `step` bytes per read."""

    def __init__(self, model: PrinterModel, step: int) -> None:
        self.model = model
        self.step = step

    def write(self, data: bytes) -> int:
        return self.model.write(data)

    def read(self, size: int) -> bytes:
        return self.model.read(min(size, self.step))


def test_http_reads_a_reply_split_over_many_transfers(http: Rig) -> None:
    http.channel = DeviceChannel(model=_Trickle(http.printer, 7), clock=http.clock)
    result, responses = http.get("Info")
    ok(result)
    assert values(responses)["\\Printer.Extension.Info:Description"] == (
        "BIDI_TEXT",
        "Drucker im Büro 2 – Fenster",
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"SYNTAX ERROR\r\n\r\n", 'not an HTTP response; the status line is "SYNTAX ERROR"'),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", 'invalid Content-Length "ten"'),
        (b"HTTP/1.1 200 OK\r\nbad header\r\n\r\n", 'malformed HTTP header line "bad header"'),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nstate=Idle", "10 of 20 body bytes"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "Transfer-Encoding 'chunked'"),
        (
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
            "answered 500 Internal Server Error",
        ),
    ],
)
def test_http_malformed_replies_throw(http: Rig, reply: bytes, message: str) -> None:
    device = _Feed()
    device.feed(reply)
    http.channel = DeviceChannel(model=device, clock=http.clock)
    result, _ = http.get("Status")
    assert result.failure is not None and result.failure.kind == "exception", result
    assert message in result.failure.message


class _Answering:
    """A device that answers each write with the next of the given replies."""

    def __init__(self, *replies: bytes) -> None:
        self.replies = list(replies)
        self.pending = b""

    def write(self, data: bytes) -> int:
        self.pending += self.replies.pop(0) if self.replies else b""
        return len(data)

    def read(self, size: int) -> bytes:
        data, self.pending = self.pending[:size], self.pending[size:]
        return data


def test_http_busy_and_missing_resources(http: Rig) -> None:
    device = _Answering(
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    )
    http.channel = DeviceChannel(model=device, clock=http.clock)
    result, responses = http.get("Status", "Info")
    ok(result, 1)
    assert responses.requery_keys == ["Status"]
    assert responses.responses == []
    http.channel = DeviceChannel(model=_Silent(), clock=http.clock)
    result, _ = http.get("Info")
    assert result.failure is not None and "no HTTP response to GET /bidi/info" in result.failure.message
