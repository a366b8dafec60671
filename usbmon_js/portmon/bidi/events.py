"""Driver events: which responses would make Windows show the user a message.

A script raises an `<Event>` with `AddNull(path)`; the driver's DriverEvents file says, per
trigger (`result` path, `comparison`, `value`), which responses show which standard message. The
trigger value is read as the response's BIDI type; ordering comparisons only apply to numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from usbmon_js.com.bidi import BidiResponse
from usbmon_js.formats.bidi_values import convert_bidi_value
from usbmon_js.formats.driver_events import DriverEvents, EventTrigger
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.report import PORT_STATUS_NAMES, SEVERITY_NAMES, JobEvent, PortStatusChange

STATE_REASON = "\\Printer.Status.Summary:StateReason"

_NUMERIC = {"BIDI_INT", "BIDI_FLOAT"}


def trigger_matches(trigger: EventTrigger, response: BidiResponse) -> tuple[bool, str | None]:
    """Whether `response` fires `trigger`, and why not when the trigger cannot apply to it."""
    if response.type == "BIDI_NULL":
        # An event carries no value: it "equals" the empty value the samples compare it with.
        raised = trigger.value == ""
        if trigger.comparison == "EqualTo":
            return raised, None
        if trigger.comparison == "NotEqualTo":
            return not raised, None
        return False, f"trigger on {trigger.result} uses {trigger.comparison} on an event (it never fires)"
    try:
        wanted = convert_bidi_value(response.type, trigger.value)  # type: ignore[arg-type]
    except ValueError as exc:
        return False, f"trigger on {trigger.result}: {exc}"
    actual = response.value
    if trigger.comparison == "EqualTo":
        return actual == wanted, None
    if trigger.comparison == "NotEqualTo":
        return actual != wanted, None
    if response.type not in _NUMERIC:
        return False, f"trigger on {trigger.result} compares a {response.type} with {trigger.comparison}"
    if trigger.comparison == "GreaterThan":
        return actual > wanted, None  # type: ignore[operator]
    return actual < wanted, None  # type: ignore[operator]


class EventEvaluator:
    def __init__(self, schema: SupportedSchema, driver_events: DriverEvents | None) -> None:
        self.schema = schema
        self.events = driver_events.usb_events() if driver_events else []
        self.warnings: list[str] = []
        self._port_status = {m.keyword: m for m in schema.xml.port_status} if schema.xml else {}

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def evaluate(self, responses: Iterable[BidiResponse]) -> list[JobEvent]:
        raised: list[JobEvent] = []
        for response in responses:
            if not self.events and response.type != "BIDI_NULL":
                continue  # neither a trigger nor an event
            declared = self.schema.lookup(response.path)
            is_event = declared is not None and declared.kind == "Event"
            matched = False
            for event in self.events:
                for trigger in event.triggers:
                    if trigger.result != response.path:
                        continue
                    fires, problem = trigger_matches(trigger, response)
                    if problem:
                        self._warn(problem)
                    if fires:
                        matched = True
                        raised.append(
                            self._event(response, is_event, trigger.comparison, event.event_id, trigger)
                        )
            if response.type == "BIDI_NULL" and not matched:
                if not is_event:
                    self._warn(f"AddNull({response.path}) raises an event the Bidi XML does not declare")
                raised.append(self._event(response, is_event, None, None, None))
        return raised

    def port_status(self, responses: Iterable[BidiResponse]) -> list[PortStatusChange]:
        """StateReason keywords the XML's `<PortStatus>` maps to a port status (spec §3.2)."""
        mappings = self._port_status
        seen: list[PortStatusChange] = []
        for response in responses if mappings else ():
            if response.path != STATE_REASON or not isinstance(response.value, str):
                continue
            for keyword in response.value.split():
                mapping = mappings.get(keyword)
                if mapping is not None:
                    seen.append(
                        PortStatusChange(
                            keyword=keyword,
                            code=mapping.code,
                            status=PORT_STATUS_NAMES.get(mapping.code, f"PORT_STATUS {mapping.code}"),
                            severity=SEVERITY_NAMES.get(mapping.severity, str(mapping.severity)),
                            entry=response.entry,
                            t=response.t,
                        )
                    )
        return seen

    @staticmethod
    def _event(
        response: BidiResponse,
        declared: bool,
        comparison: str | None,
        event_id: str | None,
        trigger: EventTrigger | None,
    ) -> JobEvent:
        return JobEvent(
            path=response.path,
            entry=response.entry,
            t=response.t,
            type=response.type,
            value=response.value,
            declared=declared,
            event_id=event_id,
            comparison=comparison,
            message_id=trigger.message_id if trigger else None,
            shows_message=trigger is not None,
        )
