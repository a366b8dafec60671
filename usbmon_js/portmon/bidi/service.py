"""Bidi Get and Set on a port, as USBMon answers them around `getSchemas` and `setSchema`.

decisions.md, "Bidi": query keys are de-duplicated; getSchemas returning 1 keeps the responses
so far and is called again after 100 ms with only the `AddRequeryKey` keys (10 rounds at most);
setSchema returning 1 is called again with the same element (10 times at most); `Const` and
built-in values never reach the script; responses are cached and checked against the XML.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from usbmon_js.clock import Clock
from usbmon_js.com.bidi import BidiResponse, BidiSchemaElement, BidiType
from usbmon_js.com.contexts import ScriptContext
from usbmon_js.com.streams import PrinterStream
from usbmon_js.devices.channel import DeviceChannel
from usbmon_js.engine.outcome import CallResult
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.formats.bidi_values import convert_bidi_value
from usbmon_js.formats.bidi_xml import DeclaredValue
from usbmon_js.portmon.bidi.cache import BidiCache, ValueChange
from usbmon_js.portmon.bidi.codes import BidiErrorCode
from usbmon_js.portmon.bidi.events import EventEvaluator
from usbmon_js.portmon.bidi.results import AnswerSource, BidiReport, BidiValueResult
from usbmon_js.portmon.bidi.supported import SupportedSchema
from usbmon_js.portmon.calls import CallLog, EntryCaller
from usbmon_js.portmon.settings import PipelineSettings
from usbmon_js.portmon.trace import TraceWriter


def _dedupe(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Request:
    """One Get/Set/poll: its call log, answers and device byte marks."""

    def __init__(self, service: BidiService, action: str) -> None:
        self.service = service
        self.action = action
        self.started = service.clock.now()
        self.log = CallLog(self.started)
        self.caller = EntryCaller(
            service.engine,
            service.clock,
            self.log,
            service.trace,
            fresh_engine=service.settings.fresh_engine_per_call,
        )
        self.results: list[BidiValueResult] = []
        self.changes: list[ValueChange] = []
        self.reported: set[str] = set()  # paths the script answered during this request
        self.marks = (service.channel.bytes_to_device, service.channel.bytes_from_device)
        self.device_gone = False
        self.stream = PrinterStream(
            service.channel,
            on_device_fault=self._device_fault,
            wait_budget=service.engine.bridge.device_wait_budget,
        )

    def _device_fault(self, reason: str, gone: bool) -> None:
        self.log.error(self.caller.current_entry, "device", reason, self.service.clock.now())
        self.device_gone = self.device_gone or gone

    def answer(
        self, path: str, code: BidiErrorCode | None = None, message: str | None = None, **kw: Any
    ) -> None:
        self.results.append(
            BidiValueResult(
                path=path,
                error=int(code) if code is not None else None,
                error_name=code.label if code is not None else None,
                message=message,
                t=self.log.since(self.service.clock.now()),
                **kw,
            )
        )

    def report(self) -> BidiReport:
        """The request's report; every timestamp counts from the request's start.

        The request ends here, so its printer stream ends too: the bridge would otherwise keep
        it (and through it the whole request) alive for as long as the port is open.
        """
        service = self.service
        service.engine.release([self.stream])

        responses = self.log.responses
        events = service.evaluator.evaluate(responses)
        for message in service.evaluator.warnings:
            self.log.warn(message)
        notified = _dedupe(
            [
                c.path
                for c in self.changes
                if (declared := service.schema.lookup(c.path)) is not None and declared.drv_printer_event
            ]
        )
        return BidiReport(
            action=self.action,  # type: ignore[arg-type]
            results=self.results,
            calls=self.log.tally.calls_json(),
            return_codes=self.log.tally.codes_json(),
            responses=responses,
            events=events,
            port_status=service.evaluator.port_status(responses),
            notifications=notified,
            errors=self.log.errors,
            warnings=self.log.warnings,
            bytes_to_device=service.channel.bytes_to_device - self.marks[0],
            bytes_from_device=service.channel.bytes_from_device - self.marks[1],
            duration_s=self.log.since(service.clock.now()),
        )


class BidiService:
    def __init__(
        self,
        engine: ScriptEngine,
        channel: DeviceChannel,
        clock: Clock,
        schema: SupportedSchema,
        evaluator: EventEvaluator,
        context: ScriptContext,
        settings: PipelineSettings,
        trace: TraceWriter | None = None,
    ) -> None:
        self.engine = engine
        self.channel = channel
        self.clock = clock
        self.schema = schema
        self.evaluator = evaluator
        self.context = context
        self.settings = settings
        self.trace = trace
        self.cache = BidiCache()
        self.cancel = threading.Event()  # set when the port closes: ends requery/retry waits

    # -- Get ------------------------------------------------------------------------------
    def get(self, paths: Sequence[str]) -> BidiReport:
        request = _Request(self, "get")
        wanted: list[DeclaredValue] = []
        for path in _dedupe(paths):
            values = self.schema.expand(path)
            if values is not None and self.schema.lookup(path) is None:
                values = [v for v in values if v.gettable]  # a whole property: its readable values
            if not values:
                request.answer(
                    path,
                    BidiErrorCode.SCHEMA_NOT_SUPPORTED,
                    f"{path} is neither declared in {self.schema.xml_name} nor a built-in USBMon value",
                )
            else:
                wanted.extend(values)
        wanted = list({v.path: v for v in wanted}.values())
        now = self.clock.now()
        to_fetch = [
            v for v in wanted if v.kind in ("Value", "Event") and v.gettable and not self.cache.fresh(v, now)
        ]
        fetched = self._fetch(request, _dedupe([v.request_key for v in to_fetch]))
        for value in wanted:
            self._answer_get(request, value, value in to_fetch, fetched)
        self.cache.client_asked(wanted, self.clock.now())
        return request.report()

    def poll_due(self) -> BidiReport | None:
        """Run the refreshInterval polls that are due now (None: nothing is due)."""
        keys = self.cache.due_keys(self.clock.now())
        if not keys:
            return None
        request = _Request(self, "poll")
        self._fetch(request, keys)
        self.cache.polled(keys, self.clock.now())
        for change in request.changes:
            request.answer(change.path, None, source="script", type=change.new.type, value=change.new.value)
        return request.report()

    def next_poll_due(self) -> float | None:
        return self.cache.next_due()

    def _fetch(self, request: _Request, keys: list[str]) -> str | None:
        """getSchemas with its requery rounds; None when it completed, else why values may be missing."""
        if not keys:
            return None
        if not self.engine.has("getSchemas"):
            return "the script defines no getSchemas"
        limit = self.settings.bidi_requery_rounds
        for round_no in range(1, limit + 1):
            result, responses = request.caller.call(
                "getSchemas", [self.context, request.stream, list(keys)], interrupt=self.cancel
            )
            got = responses.responses if responses is not None else []
            self._store(request, got)
            problem, _ = self._call_problem(request, result)
            if problem:
                return problem
            if request.device_gone:
                return "the device disappeared"
            if result.return_code == 0:
                return None
            keys = _dedupe(responses.requery_keys if responses is not None else [])
            if not keys:
                request.log.warn("getSchemas returned 1 (requery) but added no key with AddRequeryKey")
                return None
            if round_no == limit:
                request.log.warn(f"getSchemas still asked to requery {keys} after {limit} rounds")
                return f"the device was not ready after {limit} getSchemas rounds"
            if self.clock.sleep(self.settings.bidi_retry_delay_s, self.cancel):
                return "the port closed"
        return None

    def _answer_get(
        self, request: _Request, value: DeclaredValue, asked_script: bool, problem: str | None
    ) -> None:
        if value.kind == "Const":
            request.answer(value.path, source="const", type=value.type, value=value.const_value)
            return
        if value.kind == "BuiltIn":
            answer = self.schema.builtin_answer(value)
            if answer is None:
                request.answer(
                    value.path,
                    BidiErrorCode.NO_DATA,
                    f"the device's IEEE 1284 ID does not give {value.builtin_id}",
                    type=value.type,
                )
            else:
                request.answer(value.path, source="builtin", type=value.type, value=answer)
            return
        if not value.gettable:
            request.answer(
                value.path, BidiErrorCode.SCHEMA_WRITE_ONLY, f"{value.path} is declared accessType=Set"
            )
            return
        cached = self.cache.get(value.path)
        fresh_now = value.path in request.reported
        if cached is not None and (fresh_now or not asked_script):
            source: AnswerSource = "script" if fresh_now else "cache"
            request.answer(value.path, source=source, type=cached.type, value=cached.value)
        elif value.kind == "Event":
            request.answer(value.path, type="BIDI_NULL", message="the event is not raised")
        elif problem:
            request.answer(value.path, BidiErrorCode.DEVICE_OFFLINE, problem, type=value.type)
        else:
            request.answer(
                value.path,
                BidiErrorCode.NO_DATA,
                f"getSchemas did not report it (asked with key {value.request_key!r})",
                type=value.type,
            )

    def _store(self, request: _Request, responses: list[BidiResponse]) -> None:
        for message in self.schema.check_responses(responses):
            request.log.warn(message)
        request.reported.update(r.path for r in responses)
        request.changes.extend(self.cache.store(responses, request.started))

    # -- Set ------------------------------------------------------------------------------
    def set(self, path: str, text: Any, type_name: str | None = None) -> BidiReport:
        """Set `path` to `text`, read as `type_name` (default: its declared type), like a Bidi client."""
        request = _Request(self, "set")
        declared = self.schema.lookup(path)
        if declared is None:
            if self.schema.expand(path):
                request.answer(
                    path, BidiErrorCode.SET_MULTIPLE_SCHEMAPATH, f"{path} is a property; Set one value"
                )
            else:
                request.answer(
                    path,
                    BidiErrorCode.SCHEMA_NOT_SUPPORTED,
                    f"{path} is not declared in {self.schema.xml_name}",
                )
            return request.report()
        if declared.kind != "Value" or not declared.settable:
            what = f"accessType={declared.access}" if declared.kind == "Value" else f"a <{declared.kind}>"
            request.answer(path, BidiErrorCode.SCHEMA_READ_ONLY, f"{path} is {what}; it cannot be set")
            return request.report()
        type_name = type_name or declared.type
        if type_name != declared.type:
            request.answer(
                path,
                BidiErrorCode.SET_DIFFERENT_TYPE,
                f"{path} is declared {declared.type}; the request gives {type_name}",
                type=type_name,
            )
            return request.report()
        try:
            value = text if not isinstance(text, str) else convert_bidi_value(declared.type, text)
        except ValueError as exc:
            request.answer(
                path,
                BidiErrorCode.SET_DIFFERENT_TYPE,
                str(exc),
                type=type_name,
            )
            return request.report()
        element_value = (
            bytes.fromhex(value) if declared.type == "BIDI_BLOB" and isinstance(value, str) else value
        )
        code, message = self._call_set(
            request, BidiSchemaElement(path, BidiType[declared.type], element_value)
        )
        if code is None:
            self.cache.forget(path)
        request.answer(path, code, message, source="script", type=declared.type, value=value)
        return request.report()

    def _call_set(
        self, request: _Request, element: BidiSchemaElement
    ) -> tuple[BidiErrorCode | None, str | None]:
        if not self.engine.has("setSchema"):
            return BidiErrorCode.SCHEMA_NOT_SUPPORTED, "the script defines no setSchema"
        limit = self.settings.bidi_set_retries
        for attempt in range(limit + 1):
            result, _ = request.caller.call(
                "setSchema", [self.context, request.stream, element], extra=[element], interrupt=self.cancel
            )
            problem, invalid = self._call_problem(request, result)
            if problem:
                return (
                    BidiErrorCode.SET_UNKNOWN_FAILURE if invalid else BidiErrorCode.DEVICE_OFFLINE
                ), problem
            if result.return_code == 0:
                return (
                    None,
                    None if attempt == 0 else f"set after {attempt} retr{'y' if attempt == 1 else 'ies'}",
                )
            if attempt == limit or self.clock.sleep(self.settings.bidi_retry_delay_s, self.cancel):
                break
        return BidiErrorCode.DEVICE_OFFLINE, f"setSchema still returned 1 (not ready) after {limit} retries"

    # -- helpers --------------------------------------------------------------------------
    def _call_problem(self, request: _Request, result: CallResult) -> tuple[str | None, bool]:
        """Why a call's answer cannot be used, and whether it was an invalid return code (recorded)."""
        if result.failure is not None:
            return f"{result.entry} failed: {result.failure.message}", result.failure.kind == "invalid_return"
        if result.return_code not in (0, 1):
            message = f"{result.entry} returned {result.return_code}; valid codes are 0 and 1"
            request.log.error(result.entry, "invalid_return", message, self.clock.now())
            return message, True
        return None, False
