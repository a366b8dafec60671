"""The driver events XML (EventFile= in the v4 manifest): Bidi results that make Windows show a
standard message to the printing user.

Each DriverEvent names the transports it applies to, one Bidi query, and triggers comparing one
result of that query with a value. Parsed and validated like the Bidi extension XML (our own
data/schemas/driverevents.xsd), then checked for what a schema cannot see; every problem is a
BadInput naming file and line, and doubtful but legal content becomes a warning.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict

from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_values import NUMERIC_TYPES, convert_bidi_value
from usbmon_js.formats.bidi_xml import (
    BidiSchema,
    check_root,
    child_elements,
    local_name,
    parse_xml_safely,
    validate_xml,
)
from usbmon_js.formats.loading import read_bytes

NAMESPACE = "http://schemas.microsoft.com/windows/2011/08/printing/driverevents"
WHAT = "driver events XML"

Comparison = Literal["EqualTo", "NotEqualTo", "GreaterThan", "LessThan"]

# Values USBMon answers by itself for every USB printer, with no extension XML (spec §3.4).
USBMON_BUILTIN_VALUES: dict[str, str] = {
    f"\\Printer.DeviceInfo:{name}": "BIDI_STRING"
    for name in (
        "Manufacturer",
        "ModelName",
        "IEEE1284DeviceId",
        "HardwareId",
        "CompatibleId",
        "SerialNumber",
    )
}

_VALUE_PATH = re.compile(r"\\\w+(?:\.\w+)*:\w+")
_ANY_PATH = re.compile(r"\\\w+(?:\.\w+)*(?::\w+)?")


class MessageParameter(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    resource_id: int


class EventTrigger(BaseModel):
    """Show StandardMessage `message_id` when `result` compares to `value` as `comparison` says."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    result: str
    comparison: Comparison
    value: str
    message_id: int
    parameters: list[MessageParameter] = []
    line: int


class DriverEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str
    transports: list[str]
    query: str
    triggers: list[EventTrigger]
    line: int


class DriverEvents(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    events: list[DriverEvent]
    warnings: list[str] = []

    @property
    def name(self) -> str:
        return PurePath(self.source).name or self.source

    def usb_events(self) -> list[DriverEvent]:
        """The events USBMon can raise: the others are for the SNMP (TCP/IP) and WSD monitors."""
        return [event for event in self.events if "USB" in event.transports]


def parse_driver_events(data: bytes, source: str) -> DriverEvents:
    """The driver events XML in `data` (UTF-8 or UTF-16 with BOM); `source` names it in messages."""
    root = parse_xml_safely(data, source, WHAT)
    check_root(root, source, WHAT, root_name="DriverEvents", namespace=NAMESPACE, prefix="de")
    validate_xml(root, "driverevents.xsd", source, WHAT)
    events: list[DriverEvent] = []
    warnings: list[str] = []
    first_line: dict[str, int] = {}
    for element in child_elements(root):
        event = _event(element, source, warnings)
        key = event.event_id.upper()  # GUIDs compare case-insensitively
        if key in first_line:
            raise BadInput(
                f"{source}:{event.line}: invalid {WHAT}: duplicate eventId {event.event_id} "
                f"(first used on line {first_line[key]})"
            )
        first_line[key] = event.line
        events.append(event)
    return DriverEvents(source=source, events=events, warnings=warnings)


def load_driver_events(path: Path) -> DriverEvents:
    return parse_driver_events(read_bytes(path, WHAT), str(path))


def _event(element: etree._Element, source: str, warnings: list[str]) -> DriverEvent:
    line = element.sourceline or 0
    event_id = element.get("eventId", "")
    transports: list[str] = []
    query = ""
    triggers: list[EventTrigger] = []
    for child in child_elements(element):
        kind = local_name(child)
        if kind == "Transport":
            transports.append((child.text or "").strip())
        elif kind == "Query":
            query = " ".join((child.text or "").split())
            if not _ANY_PATH.fullmatch(query):
                warnings.append(
                    f"{source}:{child.sourceline}: event {event_id} queries '{query}', which is not a "
                    "schema path like \\Printer.Extension, so the event can never fire"
                )
        else:
            triggers.append(_trigger(child, source, query, event_id, warnings))
    if "USB" not in transports:
        warnings.append(
            f"{source}:{line}: event {event_id} has no USB transport ({', '.join(transports)}), "
            "so it is never raised by USBMon"
        )
    return DriverEvent(event_id=event_id, transports=transports, query=query, triggers=triggers, line=line)


def _trigger(
    element: etree._Element, source: str, query: str, event_id: str, warnings: list[str]
) -> EventTrigger:
    line = element.sourceline or 0
    result = element.get("result", "")
    if not _VALUE_PATH.fullmatch(result):
        raise BadInput(
            f"{source}:{line}: invalid {WHAT}: trigger result '{result}' is not a schema value path "
            "like \\Printer.Extension:Name"
        )
    if _ANY_PATH.fullmatch(query) and not (result == query or result.startswith((query + ".", query + ":"))):
        warnings.append(
            f"{source}:{line}: trigger result {result} is not beneath event {event_id}'s Query {query}, "
            "so the query's answer never contains it"
        )
    message = next(child_elements(element))  # the schema requires exactly one StandardMessage
    parameters = [
        MessageParameter(index=int(p.get("index", "0")), resource_id=int(p.get("resourceId", "0")))
        for p in child_elements(message)
    ]
    return EventTrigger(
        result=result,
        comparison=element.get("comparison", ""),  # type: ignore[arg-type]
        value=element.get("value", ""),
        message_id=int(message.get("resourceId", "0")),
        parameters=parameters,
        line=line,
    )


def check_events_against_schema(events: DriverEvents, schema: BidiSchema) -> list[str]:
    """Warnings for USB events that cannot work with this Bidi extension XML: a query or trigger
    path it does not declare, an order comparison on a non-numeric value, or a trigger value that
    does not convert to the declared type. Non-USB events are skipped: other monitors, other schemas."""
    warnings: list[str] = []
    for event in events.usb_events():
        if schema.expand(event.query) is None and event.query not in USBMON_BUILTIN_VALUES:
            warnings.append(
                f"{events.source}:{event.line}: event {event.event_id} queries {event.query}, "
                f"which {schema.name} does not declare"
            )
        for trigger in event.triggers:
            where = f"{events.source}:{trigger.line}"
            declared = schema.lookup(trigger.result)
            bidi_type = declared.type if declared else USBMON_BUILTIN_VALUES.get(trigger.result)
            if bidi_type is None:
                warnings.append(f"{where}: trigger result {trigger.result} is not declared in {schema.name}")
                continue
            if trigger.comparison in ("GreaterThan", "LessThan") and bidi_type not in NUMERIC_TYPES:
                warnings.append(
                    f"{where}: {trigger.comparison} on {trigger.result}, a {bidi_type} value; "
                    "only BIDI_INT and BIDI_FLOAT values have an order"
                )
            try:
                convert_bidi_value(bidi_type, trigger.value)  # type: ignore[arg-type]
            except ValueError as exc:
                warnings.append(f"{where}: trigger value for {trigger.result}: {exc}")
    return warnings
