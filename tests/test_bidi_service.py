"""Bidi Get/Set on a port (decisions.md, "Bidi"): query keys, requery, Set retry, error codes,
the cache and refreshInterval polling, built-in values, events and drvPrinterEvent notifications.

The script below answers from its own state so each rule is visible in isolation; the sample
drivers in scripts/ are exercised against their printers in test_cli_bidi.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeDevice

from usbmon_js.clock import VirtualClock
from usbmon_js.com.bidi import BidiResponse
from usbmon_js.devices.model import DeviceGone, DeviceInfo
from usbmon_js.engine.script import DriverScript
from usbmon_js.formats.bidi_xml import parse_bidi_xml
from usbmon_js.formats.driver_events import parse_driver_events
from usbmon_js.portmon.bidi.cache import BidiCache
from usbmon_js.portmon.bidi.results import BidiReport
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.job import JobData
from usbmon_js.portmon.port import PortMonitor

XML = b"""<?xml version="1.0"?>
<bidi:Schema xmlns:bidi="http://schemas.microsoft.com/windows/2010/09/printing/usbbidi">
  <Property name="Printer">
    <Property name="DeviceInfo">
      <Const name="Category" type="BIDI_STRING" value="DeviceCategory"/>
    </Property>
    <Property name="Configuration">
      <Property name="DuplexUnit">
        <Value name="Installed" type="BIDI_BOOL" accessType="Get" queryKey="Configuration"
               refreshInterval="60" drvPrinterEvent="true"/>
      </Property>
      <Property name="Memory">
        <Value name="Size" type="BIDI_INT" accessType="Get" queryKey="Configuration"
               refreshInterval="60" drvPrinterEvent="true"/>
      </Property>
    </Property>
    <Property name="Extension">
      <Value name="ChangeableData" type="BIDI_INT" accessType="GetSet"/>
      <Value name="DeviceAction" type="BIDI_BOOL" accessType="Set"/>
      <Value name="IntegerValue" type="BIDI_INT" accessType="GetSet" queryKey="IntKey"/>
      <Value name="StringValue" type="BIDI_STRING" accessType="Get" refreshInterval="15"/>
      <Value name="StatusData" type="BIDI_INT" accessType="Get" queryKey="IntKey"/>
      <Event name="Alert"/>
    </Property>
  </Property>
</bidi:Schema>
"""

EVENTS = b"""<?xml version="1.0"?>
<de:DriverEvents xmlns:de="http://schemas.microsoft.com/windows/2011/08/printing/driverevents"
                 schemaVersion="4.0">
  <DriverEvent eventId="{11111111-2222-3333-4444-555555555555}">
    <Transport>USB</Transport>
    <Query>\\Printer.Extension</Query>
    <Trigger result="\\Printer.Extension:Alert" comparison="EqualTo" value="">
      <StandardMessage resourceId="1100"/>
    </Trigger>
    <Trigger result="\\Printer.Configuration.Memory:Size" comparison="LessThan" value="256">
      <StandardMessage resourceId="1200"/>
    </Trigger>
  </DriverEvent>
</de:DriverEvents>
"""

SCRIPT = r"""
var configRounds = 0, setTries = 0, changeable = 7, memory = 512, strings = 0;
function getSchemas(scriptContext, printerStream, schemaRequests, responses) {
  responses.AddString("\\Printer.Debug:Keys", schemaRequests.join("|"));
  var requery = false;
  for (var i = 0; i < schemaRequests.length; i++) {
    var key = schemaRequests[i];
    if (key === "Configuration") {
      configRounds++;
      if (configRounds === 1) {          // the duplex unit answers, the memory is not ready yet
        responses.AddBool("\\Printer.Configuration.DuplexUnit:Installed", true);
        responses.AddRequeryKey("Configuration");
        requery = true;
      } else {
        responses.AddInt32("\\Printer.Configuration.Memory:Size", memory);
      }
    } else if (key === "IntKey") {
      responses.AddInt32("\\Printer.Extension:IntegerValue", 42);
      responses.AddString("\\Printer.Extension:StatusData", "not a number");
    } else if (key === "\\Printer.Extension:StringValue") {
      strings++;
      responses.AddString("\\Printer.Extension:StringValue", "fetch " + strings);
    } else if (key === "\\Printer.Extension:ChangeableData") {
      responses.AddInt32("\\Printer.Extension:ChangeableData", changeable);
    } else if (key === "\\Printer.Extension:Alert") {
      responses.AddNull("\\Printer.Extension:Alert");
    }
  }
  return requery ? 1 : 0;
}
function setSchema(scriptContext, printerStream, element) {
  if (element.Name === "\\Printer.Extension:ChangeableData") {
    setTries++;
    if (setTries === 1) return 1;        // busy the first time
    changeable = element.Value;
    return 0;
  }
  if (element.Name === "\\Printer.Extension:DeviceAction") {
    throw new Error("head cleaning failed");
  }
  return 0;
}
"""

DEVICE_ID = "MFG:Acme;MDL:Laser 9;CMD:PJL;CLS:PRINTER;SN:X123;"


def open_port(source: str = SCRIPT, *, events: bool = True, xml: bytes = XML):
    clock = VirtualClock()
    port = PortMonitor(
        DriverScript.from_bytes(Path("vendor.js"), source.encode()),
        FakeDevice(),
        DeviceInfo("sim", "sim", DEVICE_ID),
        clock=clock,
        bidi_schema=parse_bidi_xml(xml, "ext.xml"),
        driver_events=parse_driver_events(EVENTS, "events.xml") if events else None,
    )
    return port, clock


@pytest.fixture
def port():
    port, clock = open_port()
    port.test_clock = clock  # type: ignore[attr-defined]
    yield port
    port.close()


def results(report: BidiReport) -> dict[str, tuple[object, object, object]]:
    return {r.path: (r.type, r.value, r.error) for r in report.results}


def keys_asked(report: BidiReport) -> list[str]:
    return [r.value for r in report.responses if r.path == "\\Printer.Debug:Keys"]


def test_a_requery_round_asks_only_the_requery_keys_and_keeps_earlier_responses(port):
    report = port.bidi_get(["\\Printer.Configuration"])
    assert results(report) == {
        "\\Printer.Configuration.DuplexUnit:Installed": ("BIDI_BOOL", True, None),
        "\\Printer.Configuration.Memory:Size": ("BIDI_INT", 512, None),
    }
    assert report.calls == {"getSchemas": 2}
    assert report.return_codes == {"getSchemas": {"0": 1, "1": 1}}
    assert keys_asked(report) == ["Configuration", "Configuration"]
    assert port.test_clock.now() == pytest.approx(0.1)  # one 100 ms wait between the rounds


def test_query_keys_are_deduplicated_and_values_without_a_key_use_their_path(port):
    report = port.bidi_get(["\\Printer.Extension:IntegerValue", "\\Printer.Extension"])
    asked = keys_asked(report)[0].split("|")
    assert asked.count("IntKey") == 1
    assert "\\Printer.Extension:StringValue" in asked and "\\Printer.Extension:ChangeableData" in asked
    values = results(report)
    assert values["\\Printer.Extension:IntegerValue"] == ("BIDI_INT", 42, None)
    assert "\\Printer.Extension:DeviceAction" not in values  # Set-only: not part of a property Get
    assert values["\\Printer.Extension:Alert"] == ("BIDI_NULL", None, None)


def test_a_set_only_value_asked_by_name_is_write_only(port):
    assert (
        results(port.bidi_get(["\\Printer.Extension:DeviceAction"]))["\\Printer.Extension:DeviceAction"][2]
        == 13010
    )


def test_const_is_answered_from_the_xml_without_the_script(port):
    report = port.bidi_get(["\\Printer.DeviceInfo:Category"])
    assert results(report) == {"\\Printer.DeviceInfo:Category": ("BIDI_STRING", "DeviceCategory", None)}
    assert report.results[0].source == "const"
    assert report.calls == {}


def test_builtin_device_info_comes_from_the_1284_id(port):
    report = port.bidi_get(
        [
            "\\Printer.DeviceInfo:Manufacturer",
            "\\Printer.DeviceInfo:ModelName",
            "\\Printer.DeviceInfo:SerialNumber",
        ]
    )
    assert [r.value for r in report.results] == ["Acme", "Laser 9", "X123"]
    assert {r.source for r in report.results} == {"builtin"}
    missing = port.bidi_get(["\\Printer.DeviceInfo:CompatibleId"]).results[0]
    assert missing.error == 232 and "CompatibleId" in (missing.message or "")


def test_undeclared_path_is_not_supported(port):
    result = port.bidi_get(["\\Printer.Nowhere:Thing"]).results[0]
    assert (result.error, result.error_name) == (13005, "ERROR_BIDI_SCHEMA_NOT_SUPPORTED")


def test_responses_to_undeclared_paths_are_kept_with_a_warning_and_type_mismatches_flagged(port):
    report = port.bidi_get(["\\Printer.Extension:StatusData"])
    assert any(r.path == "\\Printer.Debug:Keys" for r in report.responses)
    assert any("\\Printer.Debug:Keys" in w and "does not declare" in w for w in report.warnings)
    assert any("StatusData as BIDI_STRING" in w and "declares BIDI_INT" in w for w in report.warnings)


@pytest.mark.parametrize(
    ("path", "value", "kind", "code"),
    [
        ("\\Printer.Extension:StatusData", "5", None, 13002),  # accessType=Get
        ("\\Printer.DeviceInfo:Category", "x", None, 13002),  # a Const
        ("\\Printer.Extension:ChangeableData", "abc", None, 13006),  # not an int
        ("\\Printer.Extension:ChangeableData", "5", "BIDI_STRING", 13006),  # request of another type
        ("\\Printer.Extension:Missing", "5", None, 13005),
        ("\\Printer.Extension", "5", None, 13007),  # a property, not one value
    ],
)
def test_set_checks_access_and_type_before_calling_the_script(port, path, value, kind, code):
    report = port.bidi_set(path, value, kind)
    assert report.results[0].error == code
    assert report.calls == {}


def test_set_retries_after_not_ready_and_the_next_get_sees_the_new_value(port):
    report = port.bidi_set("\\Printer.Extension:ChangeableData", "9")
    assert report.ok
    assert report.calls == {"setSchema": 2}
    assert report.return_codes == {"setSchema": {"0": 1, "1": 1}}
    assert results(port.bidi_get(["\\Printer.Extension:ChangeableData"]))[
        "\\Printer.Extension:ChangeableData"
    ] == ("BIDI_INT", 9, None)


def test_a_script_exception_answers_device_offline_and_records_the_js_error(port):
    report = port.bidi_set("\\Printer.Extension:DeviceAction", "true")
    assert report.results[0].error == 13004
    [error] = report.errors
    assert error.kind == "exception" and "head cleaning failed" in error.message
    assert error.location is not None and error.location.startswith("vendor.js:")


def test_getschemas_exception_and_invalid_return_answer_device_offline():
    for body, kind in (("throw new TypeError('parse error');", "exception"), ("return 7;", "invalid_return")):
        port, _ = open_port(f"function getSchemas(c, s, keys, r) {{ {body} }}")
        with port:
            report = port.bidi_get(["\\Printer.Extension:StringValue"])
        assert report.results[0].error == 13004, body
        assert [e.kind for e in report.errors] == [kind]


def test_requery_gives_up_after_ten_rounds():
    source = "function getSchemas(c, s, keys, r) { r.AddRequeryKey(keys[0]); return 1; }"
    port, clock = open_port(source)
    with port:
        report = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert report.calls == {"getSchemas": 10}
    assert report.results[0].error == 13004
    assert clock.now() == pytest.approx(0.9)
    assert any("after 10 rounds" in w for w in report.warnings)


def test_set_gives_up_after_ten_retries():
    port, _ = open_port("function setSchema(c, s, e) { return 1; }")
    with port:
        report = port.bidi_set("\\Printer.Extension:ChangeableData", "1")
    assert report.calls == {"setSchema": 11}
    assert report.results[0].error == 13004


def test_a_value_is_fresh_for_its_refresh_interval(port):
    first = port.bidi_get(["\\Printer.Extension:StringValue"])
    again = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert again.calls == {} and again.results[0].source == "cache"
    assert again.results[0].value == first.results[0].value == "fetch 1"
    port.test_clock.advance(16)
    later = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert later.results[0].value == "fetch 2" and later.calls == {"getSchemas": 1}


def test_values_without_refresh_interval_are_asked_every_time(port):
    port.bidi_get(["\\Printer.Extension:ChangeableData"])
    assert port.bidi_get(["\\Printer.Extension:ChangeableData"]).calls == {"getSchemas": 1}


def test_refresh_polling_backs_off_three_six_nine_times_and_resets_on_a_client_get(port):
    clock = port.test_clock
    port.bidi_get(["\\Printer.Extension:StringValue"])
    start = clock.now()
    assert port.bidi_next_poll_due() == pytest.approx(start + 45)
    assert port.bidi_poll_due() is None  # nothing due yet
    clock.advance(45)
    poll = port.bidi_poll_due()
    assert poll is not None and poll.calls == {"getSchemas": 1}
    assert [(r.path, r.value) for r in poll.results] == [("\\Printer.Extension:StringValue", "fetch 2")]
    assert port.bidi_next_poll_due() == pytest.approx(clock.now() + 90)
    clock.advance(90)
    port.bidi_poll_due()
    assert port.bidi_next_poll_due() == pytest.approx(clock.now() + 135)
    port.bidi_get(["\\Printer.Extension:StringValue"])  # a client asks again: back to 3 × 15 s
    assert port.bidi_next_poll_due() == pytest.approx(clock.now() + 45)


def test_changed_drv_printer_event_values_notify_the_driver(port):
    report = port.bidi_get(["\\Printer.Configuration"])
    assert set(report.notifications) == {
        "\\Printer.Configuration.DuplexUnit:Installed",
        "\\Printer.Configuration.Memory:Size",
    }
    port.test_clock.advance(1)
    assert port.bidi_get(["\\Printer.Configuration"]).notifications == []  # cached, unchanged


def test_events_and_triggers_report_the_message_the_user_would_see(port):
    report = port.bidi_get(["\\Printer.Extension:Alert"])
    [event] = report.events
    assert (event.path, event.declared, event.shows_message, event.message_id) == (
        "\\Printer.Extension:Alert",
        True,
        True,
        1100,
    )
    assert event.event_id == "{11111111-2222-3333-4444-555555555555}"
    memory = port.bidi_get(["\\Printer.Configuration.Memory:Size"])
    assert memory.events == []  # 512 is not LessThan 256


def test_a_numeric_trigger_fires_on_its_comparison():
    port, _ = open_port(SCRIPT.replace("memory = 512", "memory = 128"))
    with port:
        report = port.bidi_get(["\\Printer.Configuration.Memory:Size"])
    assert [(e.path, e.message_id, e.comparison) for e in report.events] == [
        ("\\Printer.Configuration.Memory:Size", 1200, "LessThan")
    ]


def test_a_port_without_bidi_functions_reports_not_supported():
    port, _ = open_port("function startPrintJob(a, b, c) { return 0; }")
    with port:
        get = port.bidi_get(["\\Printer.Extension:StringValue"])
        set_ = port.bidi_set("\\Printer.Extension:ChangeableData", "1")
    assert get.results[0].error == 13004 and "no getSchemas" in (get.results[0].message or "")
    assert set_.results[0].error == 13005


BLOB_XML = XML.replace(
    b'<Event name="Alert"/>', b'<Event name="Alert"/><Value name="Key" type="BIDI_BLOB" accessType="Set"/>'
)


def test_a_blob_set_reaches_the_script_as_a_byte_array():
    source = r"""
var seen = null;
function setSchema(c, s, element) {
  if (!(element.Value instanceof Array)) throw new TypeError("not an Array");
  seen = element.Value.join(",") + ":" + element.BidiType;
  return 0;
}
function getSchemas(c, s, keys, r) { r.AddString("\\Printer.Debug:Seen", seen); return 0; }
"""
    port, _ = open_port(source, xml=BLOB_XML)
    with port:
        report = port.bidi_set("\\Printer.Extension:Key", "0a ff 00")
        assert report.ok, report.errors
        seen = port.bidi_get(["\\Printer.Extension:StringValue"]).responses[0].value
    assert seen == "10,255,0:7"


def test_a_device_that_vanishes_during_getschemas_answers_device_offline():
    class Vanishing(FakeDevice):
        def write(self, data: bytes) -> int:
            raise DeviceGone("unplugged")

    source = r"""
function getSchemas(c, stream, keys, r) {
  try { stream.Write([1, 2, 3]); } catch (e) { r.AddString("\\Printer.Debug:Error", String(e.message)); }
  return 0;
}
"""
    clock = VirtualClock()
    with PortMonitor(
        DriverScript.from_bytes(Path("vendor.js"), source.encode()),
        Vanishing(),
        DeviceInfo("sim", "sim", DEVICE_ID),
        clock=clock,
        bidi_schema=parse_bidi_xml(XML, "ext.xml"),
    ) as port:
        report = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert report.results[0].error == 13004
    assert [e.kind for e in report.errors] == ["device"]
    assert report.results[0].message == "the device disappeared"


def test_a_getschemas_that_never_returns_times_out_as_device_offline():
    port, _ = open_port("function getSchemas(c, s, k, r) { for (;;) {} }")
    with port:
        report = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert report.results[0].error == 13004
    assert [e.kind for e in report.errors] == ["timeout"]


def test_finished_requests_leave_nothing_behind_in_the_host_bridge(port):
    """Each request's printer stream ends with it; a long-running port must not accumulate them."""
    # No refreshInterval, so every request runs the script with a new printer stream.
    paths = ["\\Printer.Extension:IntegerValue", "\\Printer.Extension:StatusData"]
    for _ in range(3):
        assert port.bidi_get(paths).calls["getSchemas"] >= 1
    settled = len(port.engine.bridge._objects)
    for _ in range(30):
        port.bidi_get(paths)
        port.bidi_set("\\Printer.Extension:ChangeableData", "2")
    assert len(port.engine.bridge._objects) == settled


def test_a_value_a_job_reported_is_fresh_for_a_get_after_the_job():
    """Responses from any function update the cache, at the time they were made."""
    source = r"""
    var fetched = 0;
    function startPrintJob(c, s, r) { return 0; }
    function writePrintData(c, d, s, p, r) { p.ProcessedByteCount = d.length; return 0; }
    function endPrintJob(c, s, r) {
      r.AddString("\\Printer.Extension:StringValue", "from the job");
      return 0;
    }
    function getSchemas(c, s, keys, r) {
      fetched++;
      r.AddString("\\Printer.Extension:StringValue", "fetch " + fetched);
      return 0;
    }
    """
    port, clock = open_port(source)
    with port:
        clock.advance(1000)  # a port open for a while: a job's own times are small, the clock's are not
        report = port.print_job(JobData.from_bytes(b"page"))
        assert report.outcome == "completed"
        clock.advance(5)  # within the value's refreshInterval of 15 s
        fresh = port.bidi_get(["\\Printer.Extension:StringValue"])
        clock.advance(16)
        stale = port.bidi_get(["\\Printer.Extension:StringValue"])
    assert fresh.calls == {} and results(fresh)["\\Printer.Extension:StringValue"][1] == "from the job"
    assert fresh.results[0].source == "cache"
    assert stale.calls == {"getSchemas": 1} and stale.results[0].value == "fetch 1"


def test_the_cache_counts_freshness_from_when_a_value_was_reported():
    value = SupportedSchema(parse_bidi_xml(XML, "ext.xml"), "").lookup("\\Printer.Configuration.Memory:Size")
    assert value is not None and value.refresh_interval_s == 60
    cache = BidiCache()
    reported = BidiResponse(entry="getSchemas", path=value.path, type="BIDI_INT", value=64, t=5.0)
    cache.store([reported], origin=100.0)  # reported 5 s into a request that started at 100
    assert cache.fresh(value, 164.9) is reported
    assert cache.fresh(value, 165.0) is None
    cache.forget(value.path)
    assert cache.get(value.path) is None and cache.fresh(value, 101.0) is None
