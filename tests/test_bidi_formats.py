"""The Bidi extension XML and driver events XML: loading, schema paths, and one message per kind
of mistake, each naming the file, the line and the problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_values import convert_bidi_value
from usbmon_js.formats.bidi_xml import BidiSchema, load_bidi_xml, parse_bidi_xml
from usbmon_js.formats.driver_events import (
    DriverEvents,
    check_events_against_schema,
    load_driver_events,
    parse_driver_events,
)

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
BIDI_NS = "http://schemas.microsoft.com/windows/2010/09/printing/usbbidi"
EVENTS_NS = "http://schemas.microsoft.com/windows/2011/08/printing/driverevents"
GUID = "{3F8A2C61-7D45-4E0B-A1C9-5B62E0D47F38}"
OTHER_GUID = "{0B7E2D14-93C6-4A58-8F21-6D0C3E9A7B45}"

# Same shape as Microsoft's USBMon-Bidi-Extension sample (spec §3.2), written for these tests.
SAMPLE = f"""<?xml version="1.0" encoding="utf-8"?>
<bidi:Schema xmlns:bidi="{BIDI_NS}">
  <Property name="Printer">
    <Property name="DeviceInfo">
      <Const name="Category" type="BIDI_STRING" value="DeviceCategory"/>
      <Value name="QueueProperty" type="BIDI_STRING" accessType="Get" queryKey="Configuration"
             refreshInterval="60" drvPrinterEvent="true"/>
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
      <!-- values the script reads and writes -->
      <Value name="ChangeableData" type="BIDI_INT" accessType="GetSet" drvPrinterEvent="false"/>
      <Value name="DeviceAction" type="BIDI_BOOL" accessType="Set"/>
      <Value name="IntegerValue" type="BIDI_INT" accessType="GetSet" queryKey="IntKey" drvPrinterEvent="1"/>
      <Value name="StringValue" type="BIDI_STRING" accessType="Get" refreshInterval="15"/>
      <Value name="StatusData" type="BIDI_INT" accessType="Get" queryKey="IntKey"/>
    </Property>
  </Property>
</bidi:Schema>
"""
SAMPLE_PATHS = [
    "\\Printer.DeviceInfo:Category",
    "\\Printer.DeviceInfo:QueueProperty",
    "\\Printer.Configuration.DuplexUnit:Installed",
    "\\Printer.Configuration.Memory:Size",
    "\\Printer.Extension:ChangeableData",
    "\\Printer.Extension:DeviceAction",
    "\\Printer.Extension:IntegerValue",
    "\\Printer.Extension:StringValue",
    "\\Printer.Extension:StatusData",
]


def bidi_doc(body: str) -> str:
    """A Bidi extension XML whose root's children are `body`; `body` starts on line 3."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<bidi:Schema xmlns:bidi="{BIDI_NS}">\n{body}\n'
        "</bidi:Schema>\n"
    )


def events_doc(body: str, version: str = "4.0") -> str:
    """A driver events XML whose root's children are `body`; `body` starts on line 3."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n'
        f'<de:DriverEvents xmlns:de="{EVENTS_NS}" schemaVersion="{version}">\n{body}\n</de:DriverEvents>\n'
    )


def event(
    *,
    event_id: str = GUID,
    transports: tuple[str, ...] = ("USB",),
    query: str = "\\Printer.Extension",
    result: str = "\\Printer.Extension:ManualDuplexEvent",
    comparison: str = "EqualTo",
    value: str = "",
    message: str = '<StandardMessage resourceId="1100"/>',
) -> str:
    """One DriverEvent on a single line, so it sits on a predictable line of `events_doc`."""
    kinds = "".join(f"<Transport>{t}</Transport>" for t in transports)
    return (
        f'<DriverEvent eventId="{event_id}">{kinds}<Query>{query}</Query>'
        f'<Trigger result="{result}" comparison="{comparison}" value="{value}">{message}</Trigger>'
        "</DriverEvent>"
    )


def write(tmp_path: Path, text: str | bytes, name: str = "driver.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def bad_input(load, path: Path) -> str:
    with pytest.raises(BadInput) as caught:
        load(path)
    return str(caught.value)


# --- valid files ---------------------------------------------------------------------------------


def test_microsoft_style_sample_paths_and_attributes() -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "USBMon-Bidi-Extension.xml")
    assert list(schema.values) == SAMPLE_PATHS
    assert schema.properties == [
        "\\Printer",
        "\\Printer.DeviceInfo",
        "\\Printer.Configuration",
        "\\Printer.Configuration.DuplexUnit",
        "\\Printer.Configuration.Memory",
        "\\Printer.Extension",
    ]
    category = schema.values["\\Printer.DeviceInfo:Category"]
    assert (category.kind, category.type, category.access, category.const_value) == (
        "Const",
        "BIDI_STRING",
        "Get",
        "DeviceCategory",
    )
    size = schema.values["\\Printer.Configuration.Memory:Size"]
    assert (size.kind, size.type, size.access, size.query_key) == (
        "Value",
        "BIDI_INT",
        "Get",
        "Configuration",
    )
    # libxml2 numbers an element by the line its start tag ends on: this <Value> spans lines 15-16.
    assert (size.refresh_interval_s, size.drv_printer_event, size.line) == (60, True, 16)
    assert schema.values["\\Printer.Extension:ChangeableData"].drv_printer_event is False
    assert schema.values["\\Printer.Extension:IntegerValue"].drv_printer_event is True  # "1" is true
    assert schema.values["\\Printer.Extension:StringValue"].refresh_interval_s == 15
    assert schema.values["\\Printer.Extension:StatusData"].refresh_interval_s is None
    assert schema.warnings == [] and schema.port_status == []
    assert schema.name == "USBMon-Bidi-Extension.xml"


def test_request_key_and_access() -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "sample.xml")
    assert schema.values["\\Printer.Configuration.Memory:Size"].request_key == "Configuration"
    assert schema.values["\\Printer.Extension:StatusData"].request_key == "IntKey"
    changeable = schema.values["\\Printer.Extension:ChangeableData"]
    assert changeable.request_key == "\\Printer.Extension:ChangeableData"
    assert (changeable.gettable, changeable.settable) == (True, True)
    action = schema.values["\\Printer.Extension:DeviceAction"]
    assert (action.gettable, action.settable) == (False, True)
    size = schema.values["\\Printer.Configuration.Memory:Size"]
    assert (size.gettable, size.settable) == (True, False)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("\\Printer.Configuration.Memory:Size", ["\\Printer.Configuration.Memory:Size"]),
        (
            "\\Printer.Configuration",
            ["\\Printer.Configuration.DuplexUnit:Installed", "\\Printer.Configuration.Memory:Size"],
        ),
        ("\\Printer.Configuration.Memory", ["\\Printer.Configuration.Memory:Size"]),
        ("\\Printer", SAMPLE_PATHS),
        ("\\Printer.Nothing", None),
        ("\\Printer.Config", None),  # a prefix of a property name is not that property
        ("\\Printer.Configuration.", None),
        ("\\Printer.Configuration.Memory:", None),
        ("\\printer.configuration.memory:size", None),  # exact and case-sensitive
        ("\\Printer.Configuration.Memory:Siz", None),
    ],
)
def test_expand(path: str, expected: list[str] | None) -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "sample.xml")
    found = schema.expand(path)
    assert (None if found is None else [value.path for value in found]) == expected


def test_lookup_and_declares_cover_values_not_properties() -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "sample.xml")
    assert schema.declares("\\Printer.Extension:StatusData")
    assert schema.lookup("\\Printer.Extension:StatusData") is schema.values["\\Printer.Extension:StatusData"]
    assert not schema.declares("\\Printer.Extension")
    assert schema.lookup("\\Printer.Extension") is None


def test_models_are_frozen() -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "sample.xml")
    with pytest.raises(ValidationError):
        schema.source = "other.xml"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        schema.values["\\Printer.Configuration.Memory:Size"].type = "BIDI_STRING"  # type: ignore[misc]


def test_bundled_sample_extension_files() -> None:
    pjl = load_bidi_xml(SCRIPTS / "pjl_passthrough.xml")
    assert list(pjl.values) == ["\\Printer.Status.Summary:State", "\\Printer.Extension:JobsSent"]
    assert pjl.values["\\Printer.Extension:JobsSent"].type == "BIDI_INT"
    assert pjl.source == str(SCRIPTS / "pjl_passthrough.xml") and pjl.name == "pjl_passthrough.xml"
    duplex = load_bidi_xml(SCRIPTS / "host_based_duplex.xml")
    raised = duplex.values["\\Printer.Extension:ManualDuplexEvent"]
    assert (raised.kind, raised.type, raised.access, raised.line) == ("Event", "BIDI_NULL", "Get", 7)
    assert duplex.warnings == []


def test_bundled_sample_driver_events_file() -> None:
    events = load_driver_events(SCRIPTS / "host_based_duplex_events.xml")
    assert events.warnings == [] and events.name == "host_based_duplex_events.xml"
    (only,) = events.events
    assert (only.event_id, only.transports, only.query, only.line) == (
        GUID,
        ["USB"],
        "\\Printer.Extension",
        5,
    )
    (trigger,) = only.triggers
    assert (trigger.result, trigger.comparison, trigger.value, trigger.message_id, trigger.line) == (
        "\\Printer.Extension:ManualDuplexEvent",
        "EqualTo",
        "",
        1100,
        8,
    )
    assert events.usb_events() == [only]
    assert check_events_against_schema(events, load_bidi_xml(SCRIPTS / "host_based_duplex.xml")) == []


def test_consts_builtins_indexed_properties_and_port_status() -> None:
    schema = parse_bidi_xml(
        bidi_doc(
            """<Property name="Printer">
  <Property name="Fixed">
    <Const name="Count" type="BIDI_INT" value=" -7 "/>
    <Const name="Ratio" type="BIDI_FLOAT" value="1.5"/>
    <Const name="On" type="BIDI_BOOL" value="TRUE"/>
    <Const name="Magic" type="BIDI_BLOB" value="0A ff"/>
    <Const name="Mode" type="BIDI_ENUM" value=" Fast "/>
    <BuiltIn name="Serial" id="usb.serial"/>
  </Property>
  <IndexedProperty name="Trays">
    <NonIndexedProperty name="Tray_1">
      <Value name="Level" type="BIDI_INT" accessType="Get"/></NonIndexedProperty>
  </IndexedProperty>
</Property>
<PortStatus>
  <Status Keyword="MediaJam" Code="2" Severity="1"/>
  <Status Keyword="MarkerSupplyLow" Code="10" Severity="2"/>
</PortStatus>"""
        ).encode(),
        "fixed.xml",
    )
    consts = {path.rsplit(":", 1)[1]: value.const_value for path, value in schema.values.items()}
    assert consts["Count"] == -7 and consts["Ratio"] == 1.5 and consts["On"] is True
    assert consts["Magic"] == "0aff" and consts["Mode"] == " Fast "  # strings are kept verbatim
    serial = schema.values["\\Printer.Fixed:Serial"]
    assert (serial.kind, serial.type, serial.builtin_id) == ("BuiltIn", "BIDI_STRING", "usb.serial")
    assert "\\Printer.Trays.Tray_1:Level" in schema.values
    assert "\\Printer.Trays.Tray_1" in schema.properties
    assert [(s.keyword, s.code, s.severity, s.line) for s in schema.port_status] == [
        ("MediaJam", 2, 1, 18),
        ("MarkerSupplyLow", 10, 2, 19),
    ]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(
            lambda text: b"\xff\xfe" + text.replace("utf-8", "utf-16").encode("utf-16-le"), id="utf16le-bom"
        ),
        pytest.param(
            lambda text: b"\xfe\xff" + text.replace("utf-8", "utf-16").encode("utf-16-be"), id="utf16be-bom"
        ),
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="utf8-bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
    ],
)
def test_encodings_and_line_endings(encode, tmp_path: Path) -> None:
    schema = load_bidi_xml(write(tmp_path, encode(SAMPLE)))
    assert list(schema.values) == SAMPLE_PATHS
    assert schema.values["\\Printer.Configuration.Memory:Size"].line == 16
    # line numbers in errors are right in every encoding too
    broken = SAMPLE.replace(
        'type="BIDI_INT" accessType="Get" queryKey="Configuration"', 'type="INT" accessType="Get"'
    )
    message = bad_input(load_bidi_xml, write(tmp_path, encode(broken), "broken.xml"))
    assert message.startswith(
        f"{tmp_path / 'broken.xml'}:16: invalid Bidi extension XML: <Value> attribute type"
    )


def test_utf16_driver_events(tmp_path: Path) -> None:
    text = events_doc(event()).replace("utf-8", "utf-16")
    events = load_driver_events(write(tmp_path, b"\xff\xfe" + text.encode("utf-16-le")))
    assert events.events[0].triggers[0].message_id == 1100


# --- warnings ------------------------------------------------------------------------------------


def test_top_level_property_other_than_printer_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, bidi_doc('<Property name="Scanner">\n<Event name="Done"/>\n</Property>'))
    schema = load_bidi_xml(path)
    assert list(schema.values) == ["\\Scanner:Done"]
    assert len(schema.warnings) == 1
    assert schema.warnings[0].startswith(f"{path}:3: top-level property 'Scanner' is not 'Printer'")


def test_empty_query_key_is_a_warning_and_the_path_is_used(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        bidi_doc(in_printer('<Value name="X" type="BIDI_INT" accessType="Get" queryKey=""/>')),
    )
    schema = load_bidi_xml(path)
    assert schema.values["\\Printer:X"].request_key == "\\Printer:X"
    assert schema.warnings == [
        f"{path}:4: \\Printer:X has an empty queryKey; its path is used as the request key"
    ]


def test_event_without_usb_transport_is_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path, events_doc(event() + "\n" + event(event_id=OTHER_GUID, transports=("SNMP", "WSD")))
    )
    events = load_driver_events(path)
    assert [e.event_id for e in events.usb_events()] == [GUID]
    assert events.events[1].transports == ["SNMP", "WSD"]
    assert len(events.warnings) == 1
    assert events.warnings[0].startswith(f"{path}:4: event {OTHER_GUID} has no USB transport")
    assert "never raised by USBMon" in events.warnings[0]


def test_trigger_outside_its_query_is_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, events_doc(event(query="\\Printer.Status", result="\\Printer.Extension:X")))
    (warning,) = load_driver_events(path).warnings
    assert warning.startswith(f"{path}:3: trigger result \\Printer.Extension:X is not beneath")


def test_events_checked_against_the_bidi_schema(tmp_path: Path) -> None:
    schema = parse_bidi_xml(SAMPLE.encode(), "sample.xml")
    body = "\n".join(
        [
            event(query="\\Printer.Extension", result="\\Printer.Extension:Missing"),  # line 3
            event(
                event_id=OTHER_GUID,
                query="\\Printer.Extension",
                result="\\Printer.Extension:StatusData",
                comparison="GreaterThan",
                value="5",
            ),  # fine: numeric
            event(
                event_id="{11111111-2222-3333-4444-555555555555}",
                query="\\Printer.DeviceInfo",
                result="\\Printer.DeviceInfo:QueueProperty",
                comparison="LessThan",
                value="b",
            ),  # line 5
            event(
                event_id="{11111111-2222-3333-4444-666666666666}",
                query="\\Printer.Configuration",
                result="\\Printer.Configuration.Memory:Size",
                value="lots",
            ),  # line 6
            event(
                event_id="{11111111-2222-3333-4444-777777777777}",
                query="\\Printer.DeviceInfo:Manufacturer",
                result="\\Printer.DeviceInfo:Manufacturer",
                value="ACME",
            ),  # USBMon built-in: fine
            event(
                event_id="{11111111-2222-3333-4444-888888888888}",
                query="\\Printer.Nowhere",
                result="\\Printer.Nowhere:X",
            ),  # line 8: query and result undeclared
            event(
                event_id="{11111111-2222-3333-4444-999999999999}",
                transports=("WSD",),
                query="\\Printer.Wsd",
                result="\\Printer.Wsd:X",
            ),  # not USB: not checked against the USB schema
        ]
    )
    path = write(tmp_path, events_doc(body))
    warnings = check_events_against_schema(load_driver_events(path), schema)
    assert warnings == [
        f"{path}:3: trigger result \\Printer.Extension:Missing is not declared in sample.xml",
        f"{path}:5: LessThan on \\Printer.DeviceInfo:QueueProperty, a BIDI_STRING value; "
        "only BIDI_INT and BIDI_FLOAT values have an order",
        f"{path}:6: trigger value for \\Printer.Configuration.Memory:Size: "
        "'lots' is not a valid BIDI_INT (expected a whole number)",
        f"{path}:8: event {{11111111-2222-3333-4444-888888888888}} queries \\Printer.Nowhere, "
        "which sample.xml does not declare",
        f"{path}:8: trigger result \\Printer.Nowhere:X is not declared in sample.xml",
    ]


# --- errors: each names the file, the line and the problem ---------------------------------------

VALUE = '<Value name="X" type="BIDI_INT" accessType="Get"/>'


def in_printer(*lines: str) -> str:
    """`lines` inside \\Printer, the first of them on line 4 of `bidi_doc`."""
    return '<Property name="Printer">\n' + "\n".join(lines) + "\n</Property>"


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        pytest.param(
            bidi_doc(in_printer("<Value name='X' type='BIDI_INT' accessType='Get'>")),
            "5:12",
            "Opening and ending tag mismatch: Value line 4 and Property",
            id="malformed",
        ),
        pytest.param(
            bidi_doc(in_printer("<Value name='X' value='&xxe;'/>")),
            "4:29",
            "Entity 'xxe' not defined",
            id="undefined-entity",
        ),
        pytest.param(
            f'<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
            f'<bidi:Schema xmlns:bidi="{BIDI_NS}">'
            '<Property name="Printer"><Event name="E"/></Property></bidi:Schema>',
            "2",
            "a DOCTYPE declaration is not allowed",
            id="doctype",
        ),
        pytest.param(b"", "1", "the file is empty", id="empty"),
        pytest.param(b"\xef\xbb\xbf \r\n", "1", "the file is empty", id="blank-with-bom"),
        pytest.param(
            f'<?xml version="1.0"?>\n<bidi:Definition xmlns:bidi="{BIDI_NS}"/>',
            "2",
            f"the root element is <bidi:Definition>, expected <bidi:Schema> in namespace {BIDI_NS}",
            id="wrong-root",
        ),
        pytest.param(
            '<?xml version="1.0"?>\n\n<Schema><Property name="Printer"><Event name="E"/></Property></Schema>',
            "3",
            "the root element <Schema> is in no namespace",
            id="root-without-namespace",
        ),
        pytest.param(
            bidi_doc(in_printer('<bidi:Value name="X" type="BIDI_INT" accessType="Get"/>')),
            "4",
            f"<bidi:Value> is in namespace {BIDI_NS}; only the root element has a namespace",
            id="qualified-child",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, '<Value name="Y" type="BIDI_INT"/>')),
            "5",
            "<Value> is missing the required attribute accessType",
            id="missing-attribute",
        ),
        pytest.param(
            bidi_doc(in_printer('<Const name="Y" type="BIDI_INT"/>')),
            "4",
            "<Const> is missing the required attribute value",
            id="const-without-value",
        ),
        pytest.param(
            bidi_doc(in_printer('<Value name="Y" type="BIDI_NULL" accessType="Get"/>')),
            "4",
            "<Value> attribute type: 'BIDI_NULL' is not one of BIDI_INT, BIDI_ENUM, BIDI_STRING, BIDI_TEXT, "
            "BIDI_FLOAT, BIDI_BOOL, BIDI_BLOB",
            id="bad-type",
        ),
        pytest.param(
            bidi_doc(in_printer('<Value name="Y" type="BIDI_INT" accessType="Read"/>')),
            "4",
            "<Value> attribute accessType: 'Read' is not one of Get, Set, GetSet",
            id="bad-access-type",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, "", '<Value name="Y" type="BIDI_INT" accessType="Get" units="s"/>')),
            "6",
            "<Value> has an unknown attribute units",
            id="unknown-attribute",
        ),
        pytest.param(
            bidi_doc(in_printer('<Value name="Memory.Size" type="BIDI_INT" accessType="Get"/>')),
            "4",
            "<Value> attribute name: 'Memory.Size' is not a valid name (letters, digits and _; "
            "no '.', ':' or spaces)",
            id="bad-value-name",
        ),
        pytest.param(
            bidi_doc('<Property name="Printer:X">\n' + VALUE + "\n</Property>"),
            "3",
            "<Property> attribute name: 'Printer:X' is not a valid name",
            id="bad-property-name",
        ),
        pytest.param(
            bidi_doc(in_printer('<Value name="Y" type="BIDI_INT" accessType="Get" refreshInterval="-5"/>')),
            "4",
            "<Value> attribute refreshInterval: '-5' is not a whole number of 0 or more",
            id="negative-refresh",
        ),
        pytest.param(
            bidi_doc(in_printer('<Value name="Y" type="BIDI_INT" accessType="Get" drvPrinterEvent="yes"/>')),
            "4",
            "<Value> attribute drvPrinterEvent: 'yes' is not true, false, 1 or 0",
            id="bad-boolean",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, "<Setting/>")),
            "5",
            "<Setting> is not allowed here",
            id="unknown-element",
        ),
        pytest.param(
            bidi_doc(
                in_printer(
                    '<IndexedProperty name="T"><Const name="C" type="BIDI_INT" value="1"/></IndexedProperty>'
                )
            ),
            "4",
            "<Const> is not allowed here; expected one of <IndexedProperty>, <NonIndexedProperty>, <Value>, "
            "<BuiltIn>",
            id="const-in-indexed-property",
        ),
        pytest.param(
            bidi_doc('<Property name="Printer">\n<Property name="Empty"/>\n' + VALUE + "\n</Property>"),
            "4",
            "<Property> is missing a child element; expected one of <Property>, <IndexedProperty>",
            id="empty-property",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, "loose text")),
            "3",
            "<Property> must not contain text",
            id="text-content",
        ),
        pytest.param(
            bidi_doc(
                in_printer(VALUE)
                + f'\n<PortStatus><Status Keyword="{"K" * 65}" Code="2" Severity="1"/></PortStatus>'
            ),
            "6",
            "<Status> attribute Keyword is 65 characters long; at most 64 are allowed",
            id="keyword-too-long",
        ),
        pytest.param(
            bidi_doc(
                in_printer(VALUE) + '\n<PortStatus><Status Keyword="K" Code="two" Severity="1"/></PortStatus>'
            ),
            "6",
            "<Status> attribute Code: 'two' is not a whole number (32-bit)",
            id="non-integer-code",
        ),
        pytest.param(
            bidi_doc('<PortStatus><Status Keyword="K" Code="2" Severity="1"/></PortStatus>'),
            "3",
            "<PortStatus> is not allowed here; expected <Property>",
            id="no-property",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, '<Event name="Y"/>', '<Const name="X" type="BIDI_INT" value="1"/>')),
            "6",
            "duplicate schema path \\Printer:X (already declared on line 4)",
            id="duplicate-path",
        ),
        pytest.param(
            bidi_doc(
                '<Property name="Printer"><Property name="A">'
                + VALUE
                + '</Property></Property>\n<Property name="Printer">\n<Property name="A">\n<Event name="X"/>'
                "</Property></Property>"
            ),
            "6",
            "duplicate schema path \\Printer.A:X (already declared on line 3)",
            id="duplicate-path-across-repeated-properties",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE, '<Const name="C" type="BIDI_INT" value="lots"/>')),
            "5",
            "<Const> \\Printer:C: value 'lots' is not a valid BIDI_INT (expected a whole number)",
            id="bad-const-int",
        ),
        pytest.param(
            bidi_doc(in_printer('<Const name="C" type="BIDI_INT" value="2147483648"/>')),
            "4",
            "value '2147483648' is not a valid BIDI_INT (out of the Int32 range",
            id="const-int-overflow",
        ),
        pytest.param(
            bidi_doc(in_printer('<Const name="C" type="BIDI_BLOB" value="abc"/>')),
            "4",
            "value 'abc' is not a valid BIDI_BLOB (expected hex digits, two per byte)",
            id="bad-const-blob",
        ),
        pytest.param(
            bidi_doc(in_printer('<Const name="C" type="BIDI_BOOL" value="yes"/>')),
            "4",
            "value 'yes' is not a valid BIDI_BOOL (expected true, false, 1 or 0)",
            id="bad-const-bool",
        ),
    ],
)
def test_bidi_xml_errors(text: str | bytes, where: str, problem: str, tmp_path: Path) -> None:
    path = write(tmp_path, text)
    message = bad_input(load_bidi_xml, path)
    assert message.startswith(f"{path}:{where}: invalid Bidi extension XML: ")
    assert problem in message
    assert "{http" not in message  # no lxml {namespace} noise


def test_entity_expansion_bomb_is_refused(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    text = (
        f'<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY l0 "ha">{laughs}]>\n'
        f'<bidi:Schema xmlns:bidi="{BIDI_NS}">'
        '<Property name="Printer"><Const name="C" type="BIDI_STRING" value="&l9;"/></Property></bidi:Schema>'
    )
    message = bad_input(load_bidi_xml, write(tmp_path, text))
    # libxml2 stops the expansion itself while parsing; either way nothing is expanded.
    assert re.match(
        rf"{re.escape(str(tmp_path / 'driver.xml'))}:[23](:\d+)?: invalid Bidi extension XML: ", message
    )
    assert "haha" not in message


def test_doctype_line_is_found_in_utf16(tmp_path: Path) -> None:
    text = f'<?xml version="1.0" encoding="utf-16"?>\n\n<!DOCTYPE s>\n<bidi:Schema xmlns:bidi="{BIDI_NS}"/>'
    message = bad_input(load_bidi_xml, write(tmp_path, b"\xff\xfe" + text.encode("utf-16-le")))
    assert message.startswith(f"{tmp_path / 'driver.xml'}:3: invalid Bidi extension XML: a DOCTYPE")


@pytest.mark.parametrize(
    ("load", "what"), [(load_bidi_xml, "Bidi extension XML"), (load_driver_events, "driver events XML")]
)
def test_missing_file_or_directory(load, what: str, tmp_path: Path) -> None:
    assert bad_input(load, tmp_path / "nope.xml") == f"{what} {tmp_path / 'nope.xml'} does not exist."
    assert bad_input(load, tmp_path) == f"{what} {tmp_path} is a directory, not a file."


def parameter_without_index() -> str:
    return '<StandardMessage resourceId="1"><StringParameter resourceId="2"/></StandardMessage>'


@pytest.mark.parametrize(
    ("text", "where", "problem"),
    [
        pytest.param(
            events_doc(event(comparison="Equals")),
            "3",
            "<Trigger> attribute comparison: 'Equals' is not one of EqualTo, NotEqualTo, GreaterThan, "
            "LessThan",
            id="bad-comparison",
        ),
        pytest.param(
            events_doc(event(event_id="3F8A2C61-7D45-4E0B-A1C9-5B62E0D47F38")),
            "3",
            "<DriverEvent> attribute eventId: '3F8A2C61-7D45-4E0B-A1C9-5B62E0D47F38' is not a GUID in braces",
            id="guid-without-braces",
        ),
        pytest.param(
            events_doc(event(event_id="{3F8A2C61-7D45-4E0B-A1C9}")),
            "3",
            "is not a GUID in braces",
            id="short-guid",
        ),
        pytest.param(
            events_doc(event() + "\n" + event(event_id=GUID.lower())),
            "4",
            f"duplicate eventId {GUID.lower()} (first used on line 3)",
            id="duplicate-event-id",
        ),
        pytest.param(
            events_doc(event(result="ManualDuplexEvent")),
            "3",
            "trigger result 'ManualDuplexEvent' is not a schema value path like \\Printer.Extension:Name",
            id="result-not-a-path",
        ),
        pytest.param(
            events_doc(event(result="\\Printer.Extension")),
            "3",
            "trigger result '\\Printer.Extension' is not a schema value path",
            id="result-is-a-property",
        ),
        pytest.param(
            events_doc(event(), version="3.0"),
            "2",
            "<DriverEvents> attribute schemaVersion: '3.0' is not one of 4.0",
            id="bad-version",
        ),
        pytest.param(
            events_doc(event()).replace(' schemaVersion="4.0"', ""),
            "2",
            "<DriverEvents> is missing the required attribute schemaVersion",
            id="no-version",
        ),
        pytest.param(
            events_doc(event(transports=("USB3",))),
            "3",
            "<Transport>: 'USB3' is not one of USB, SNMP, WSD",
            id="bad-transport",
        ),
        pytest.param(
            events_doc(event(transports=("USB", "USB"))),
            "3",
            "<Transport> 'USB' is given more than once",
            id="duplicate-transport",
        ),
        pytest.param(
            events_doc(event(transports=("USB", "SNMP", "WSD", "USB"))),
            "3",
            "<Transport> is not allowed here; expected <Query>",
            id="four-transports",
        ),
        pytest.param(events_doc(event(query=" ")), "3", "<Query> must not be empty", id="empty-query"),
        pytest.param(
            events_doc(event(message="")),
            "3",
            "<Trigger> is missing a child element; expected <StandardMessage>",
            id="no-message",
        ),
        pytest.param(
            events_doc(event(message='<StandardMessage resourceId="x"/>')),
            "3",
            "<StandardMessage> attribute resourceId: 'x' is not a whole number",
            id="bad-resource-id",
        ),
        pytest.param(
            events_doc(event(message=parameter_without_index())),
            "3",
            "<StringParameter> is missing the required attribute index",
            id="parameter-without-index",
        ),
        pytest.param(
            bidi_doc(in_printer(VALUE)),
            "2",
            f"the root element is <bidi:Schema>, expected <de:DriverEvents> in namespace {EVENTS_NS}",
            id="bidi-file-given-as-events",
        ),
        pytest.param(
            events_doc(event()).replace("</Trigger>", "</Trigger"),
            "3",
            "expected '>'",
            id="malformed",
        ),
    ],
)
def test_driver_events_errors(text: str, where: str, problem: str, tmp_path: Path) -> None:
    path = write(tmp_path, text)
    message = bad_input(load_driver_events, path)
    assert message.startswith(f"{path}:{where}")
    assert ": invalid driver events XML: " in message
    assert problem in message
    assert "{http" not in message


def test_driver_events_with_parameters() -> None:
    body = event(
        message='<StandardMessage resourceId="1200"><StringParameter index="0" resourceId="7"/>'
        '<StringParameter index="1" resourceId="8"/></StandardMessage>',
        comparison="NotEqualTo",
        value="Idle",
        query="\\Printer.Status.Summary:State",
        result="\\Printer.Status.Summary:State",
    )
    events = parse_driver_events(events_doc(body).encode(), "events.xml")
    trigger = events.events[0].triggers[0]
    assert (trigger.comparison, trigger.value, trigger.message_id) == ("NotEqualTo", "Idle", 1200)
    assert [(p.index, p.resource_id) for p in trigger.parameters] == [(0, 7), (1, 8)]
    assert isinstance(events, DriverEvents) and events.warnings == []


def test_parse_from_bytes_uses_the_given_source_name() -> None:
    with pytest.raises(BadInput, match=r"^<inline>:5: invalid Bidi extension XML: <Value> is missing"):
        parse_bidi_xml(bidi_doc(in_printer(VALUE, "<Value/>")).encode(), "<inline>")
    assert isinstance(parse_bidi_xml(SAMPLE.encode(), "x.xml"), BidiSchema)


# --- values as text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bidi_type", "text", "expected"),
    [
        ("BIDI_INT", "42", 42),
        ("BIDI_INT", " -2147483648 ", -(2**31)),
        ("BIDI_INT", "+7", 7),
        ("BIDI_FLOAT", "1.5", 1.5),
        ("BIDI_FLOAT", "1.1", 1.100000023841858),  # rounded to float32, as AddFloat does
        ("BIDI_FLOAT", "-2e3", -2000.0),
        ("BIDI_BOOL", "True", True),
        ("BIDI_BOOL", "0", False),
        ("BIDI_BOOL", " false ", False),
        ("BIDI_BLOB", "DEADbeef", "deadbeef"),
        ("BIDI_BLOB", "de ad\nbe ef", "deadbeef"),
        ("BIDI_BLOB", "", ""),
        ("BIDI_STRING", " keep spaces ", " keep spaces "),
        ("BIDI_TEXT", "", ""),
        ("BIDI_ENUM", "Idle", "Idle"),
        ("BIDI_NULL", "", None),
    ],
)
def test_convert_bidi_value(bidi_type, text: str, expected) -> None:
    converted = convert_bidi_value(bidi_type, text)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize(
    ("bidi_type", "text", "reason"),
    [
        ("BIDI_INT", "4.0", "expected a whole number"),
        ("BIDI_INT", "1_000", "expected a whole number"),
        ("BIDI_INT", "٣", "expected a whole number"),  # non-ASCII digit
        ("BIDI_INT", "2147483648", "out of the Int32 range"),
        ("BIDI_INT", "", "expected a whole number"),
        ("BIDI_FLOAT", "nan", "expected a decimal number"),
        ("BIDI_FLOAT", "inf", "expected a decimal number"),
        ("BIDI_FLOAT", "1e39", "too large for a 32-bit float"),
        ("BIDI_BOOL", "yes", "expected true, false, 1 or 0"),
        ("BIDI_BLOB", "abc", "two per byte"),
        ("BIDI_BLOB", "0xff", "two per byte"),
        ("BIDI_NULL", "x", "an event carries no value"),
        ("BIDI_WHATEVER", "1", "unknown Bidi type"),
    ],
)
def test_convert_bidi_value_rejects(bidi_type, text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        convert_bidi_value(bidi_type, text)
