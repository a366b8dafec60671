"""Declarative device fixtures: a printer's behaviour described in YAML or JSON, no code.

Vendors and CI pipelines need printers that are busy, slow, chatty or that vanish mid-job, and
they should not have to write Python for that. A fixture file states the behaviour
(`sim:FILE.yaml`), `FixturePrinter` plays it back as a device model, and the published JSON
Schema (`docs/schemas/device-fixture.schema.json`) lets editors check fixtures as they are typed.

A fixture covers identity and port status, flow control (busy periods, partial writes, a finite
input buffer that drains at a fixed rate of clock time), answers to byte patterns (successive
matches may get successive replies: "not ready" first, the data on the re-query), unsolicited
data, disconnection, and a secondary status interface for `requestStatus`. Everything is
deterministic: the same writes at the same clock times always give the same results.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import string
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from usbmon_js.clock import Clock, RealClock
from usbmon_js.devices.emu.options import UsbEmulation
from usbmon_js.devices.model import DEFAULT_PORT_STATUS, DeviceGone
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import Format, mapping_from_text, read_mapping, validate

DEFAULT_DEVICE_ID = "MFG:usbmon-js;MDL:Generic Printer;CMD:PJL,PCL;CLS:PRINTER;"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_HEX_DIGITS = frozenset(string.hexdigits)


# --- BYTES: text (latin-1) or {hex: "..."} -------------------------------------------------------


def _bytes_error(reason: str) -> PydanticCustomError:
    # The reason goes through the context so braces in it are never taken as placeholders.
    return PydanticCustomError("bytes_value", "{reason}", {"reason": reason})


def _parse_bytes(value: object) -> bytes:
    """Turn the fixture's byte notation into bytes; binary protocols need hex, PJL reads as text."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise _bytes_error(
                f"text may only use characters U+0000-U+00FF (it is sent as latin-1), "
                f"but has {value[exc.start]!r} at position {exc.start}; write other bytes as a hex mapping"
            ) from None
    if isinstance(value, dict):
        unknown = sorted(str(key) for key in value if key != "hex")
        if unknown or "hex" not in value:
            raise _bytes_error(
                "a byte mapping takes exactly one key, 'hex'"
                + (f" (unknown: {', '.join(repr(k) for k in unknown)})" if unknown else "")
            )
        digits = value["hex"]
        if not isinstance(digits, str):
            raise _bytes_error(f"hex must be a string of hex digits, not {type(digits).__name__}")
        compact = "".join(digits.split())
        for position, char in enumerate(compact):
            if char not in _HEX_DIGITS:
                raise _bytes_error(f"hex {digits!r} has {char!r}, not a hex digit, at digit {position + 1}")
        if len(compact) % 2:
            raise _bytes_error(f"hex {digits!r} has an odd number of digits ({len(compact)})")
        return bytes.fromhex(compact)
    raise _bytes_error(f"expected text or a mapping with a 'hex' key, not {type(value).__name__}")


_BYTES_JSON_SCHEMA: dict[str, Any] = {
    "description": "Bytes: plain text (each character one latin-1 byte; in YAML double quotes "
    '"\\r\\n\\f" escapes work) or a mapping {hex: ...} (whitespace between digits allowed).',
    "anyOf": [
        {"type": "string"},
        {
            "type": "object",
            "properties": {"hex": {"type": "string", "pattern": "^(\\s*[0-9A-Fa-f]\\s*[0-9A-Fa-f])*\\s*$"}},
            "required": ["hex"],
            "additionalProperties": False,
        },
    ],
}

ByteString = Annotated[
    bytes,
    PlainValidator(_parse_bytes),
    PlainSerializer(lambda data: {"hex": data.hex()}, return_type=dict),
    WithJsonSchema(_BYTES_JSON_SCHEMA),
]

ByteCount = Annotated[int, Field(ge=0, description="A number of bytes received on bulk OUT.")]


# --- The fixture models ---------------------------------------------------------------------------


class _Strict(BaseModel):
    # Strict: "5" is not a count and `true` is not 1, so a mistyped fixture fails loudly.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class PortStatusChange(_Strict):
    """A new GET_PORT_STATUS byte from the moment the device has received `after_bytes` bytes."""

    after_bytes: ByteCount
    value: Annotated[int, Field(ge=0, le=255, description="The GET_PORT_STATUS byte (0x18: ready).")]


class BusyPeriod(_Strict):
    """The device refuses data (write() accepts 0) for a number of write calls or of seconds.

    It starts at the first write once `after_bytes` bytes were received (a write crossing that
    point is cut short there, as a filling buffer would) and fires once.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["writes"], "properties": {"writes": {"type": "integer"}}},
                {"required": ["seconds"], "properties": {"seconds": {"type": "number"}}},
            ]
        }
    )

    after_bytes: ByteCount
    writes: Annotated[int, Field(ge=1, description="Refuse this many write() calls.")] | None = None
    seconds: (
        Annotated[
            float, Field(gt=0, allow_inf_nan=False, description="Refuse writes for this much clock time.")
        ]
        | None
    ) = None

    @model_validator(mode="after")
    def _one_length(self) -> BusyPeriod:
        if (self.writes is None) == (self.seconds is None):
            raise ValueError("a busy period needs exactly one of 'writes' or 'seconds'")
        return self


class ReplyRule(_Strict):
    """Answer on bulk IN whenever the data received on bulk OUT contains `match`.

    The first match is answered with `reply`, the second with `then[0]`, the third with
    `then[1]`, and so on; the last reply of that sequence repeats from then on. So a printer
    can answer "not ready" first and the real data on the re-query, or reject a Set once and
    then accept it. `times` bounds the total number of answers.
    """

    match: ByteString
    reply: ByteString
    then: list[ByteString] = Field(
        default_factory=list,
        description="Replies to the 2nd, 3rd, ... match, in order; the last one repeats.",
    )
    times: (
        Annotated[int, Field(ge=0, description="Answer at most this many times; null: every time.")] | None
    ) = None

    @field_validator("match")
    @classmethod
    def _not_empty(cls, value: bytes) -> bytes:
        if not value:
            raise ValueError("match must not be empty")
        return value

    @field_validator("times")
    @classmethod
    def _times_reaches_then(cls, value: int | None, info: ValidationInfo) -> int | None:
        then = info.data.get("then")
        if value is not None and then and value < 1 + len(then):
            raise ValueError(
                f"times is {value} but the rule has {1 + len(then)} replies (reply and then); "
                f"the replies after the first {value} would never be sent"
            )
        return value

    @property
    def sequence(self) -> tuple[bytes, ...]:
        """The answers to the 1st, 2nd, ... match (the last repeats)."""
        return (self.reply, *self.then)


class UnsolicitedData(_Strict):
    """Bytes the device sends on its own once it has received `after_bytes` bytes (0: at once)."""

    after_bytes: ByteCount
    data: ByteString


class StatusInterfaceFixture(_Strict):
    """The printer's secondary USB interface (the manifest's `BidiUSBStatusInterface`).

    While a job prints, USBMon calls `requestStatus` with a printer stream on this interface
    instead of the print interface, so the script can ask for status (write, then read) even
    though the print pipe is busy with job data. The interface has its own bulk OUT/IN pipes:
    its `replies` match, and its `unsolicited` `after_bytes` count, only the bytes received on
    this interface. It disappears with the printer (`disconnect_after_bytes`).
    """

    description: str | None = Field(default=None, description="What this interface is meant to exercise.")
    max_write: int | None = Field(
        default=None, ge=1, description="Accept at most this many bytes per write() (partial writes)."
    )
    replies: list[ReplyRule] = Field(
        default_factory=list,
        description="Answers to byte patterns received on this interface (they may straddle writes).",
    )
    unsolicited: list[UnsolicitedData] = Field(
        default_factory=list,
        description="Data sent on this interface without being asked (after_bytes counts its own bytes).",
    )


class DeviceFixture(_Strict):
    """A simulated printer's behaviour: identity, status, flow control, answers and failures."""

    model_config = ConfigDict(title="usbmon-js device fixture")

    schema_: str | None = Field(
        default=None,
        alias="$schema",
        title="Schema",
        description="Ignored; lets editors find this JSON Schema.",
    )
    name: str | None = Field(default=None, description="Short name shown in reports.")
    description: str | None = Field(default=None, description="What this device is meant to exercise.")
    device_id: str = Field(
        default=DEFAULT_DEVICE_ID,
        description="IEEE 1284 device ID without its length prefix (latin-1 text).",
    )
    port_status: int = Field(
        default=DEFAULT_PORT_STATUS, ge=0, le=255, description="GET_PORT_STATUS byte at the start."
    )
    port_status_changes: list[PortStatusChange] = Field(
        default_factory=list, description="Port status changes as data arrives (the latest reached applies)."
    )
    max_write: int | None = Field(
        default=None, ge=1, description="Accept at most this many bytes per write() (partial writes)."
    )
    bytes_per_second: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="How fast the device works through its input buffer, in bytes per second of clock "
        "time; write() accepts at most the free buffer space (0 when it is full). null: unlimited, "
        "every write is taken at once.",
    )
    buffer_bytes: int = Field(
        default=65536,
        ge=1,
        description="Size of the device's input buffer; only used with bytes_per_second.",
    )
    busy: list[BusyPeriod] = Field(
        default_factory=list, description="Periods in which the device accepts nothing; each fires once."
    )
    replies: list[ReplyRule] = Field(
        default_factory=list,
        description="Answers to byte patterns in the OUT stream (they may straddle writes).",
    )
    unsolicited: list[UnsolicitedData] = Field(
        default_factory=list, description="Data the device sends without being asked."
    )
    soft_reset_clears_input: bool = Field(
        default=True, description="A soft reset drops the bytes pending on bulk IN."
    )
    disconnect_after_bytes: int | None = Field(
        default=None,
        ge=0,
        description="Vanish once this many bytes were received: further writes and reads fail.",
    )
    status_interface: StatusInterfaceFixture | None = Field(
        default=None,
        description="A secondary USB interface for requestStatus (BidiUSBStatusInterface); null: none.",
    )
    usb: UsbEmulation = Field(
        default_factory=UsbEmulation,
        description="How the printer looks and misbehaves on USB when run as emu:FILE (IDs, strings, "
        "protocol, device-ID encoding, kernel driver, stalls); ignored by sim:.",
    )

    @field_validator("device_id")
    @classmethod
    def _latin1_id(cls, value: str) -> str:
        try:
            value.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"the device ID is sent as latin-1 bytes but has {value[exc.start]!r} at position {exc.start}"
            ) from None
        return value

    @field_validator("buffer_bytes")
    @classmethod
    def _buffer_needs_rate(cls, value: int, info: ValidationInfo) -> int:
        # Runs only when the fixture sets buffer_bytes; a failed bytes_per_second is reported alone.
        if "bytes_per_second" in info.data and info.data["bytes_per_second"] is None:
            raise ValueError(
                "buffer_bytes only matters with bytes_per_second (without it the device takes "
                "every write at once); set bytes_per_second or drop buffer_bytes"
            )
        return value


def fixture_json_schema() -> dict[str, Any]:
    """The JSON Schema published in docs/schemas, generated so it can never drift from the model."""
    return {"$schema": SCHEMA_DIALECT, **DeviceFixture.model_json_schema()}


def fixture_json_schema_text() -> str:
    """The schema exactly as committed to docs/schemas/device-fixture.schema.json (regenerate with it)."""
    return json.dumps(fixture_json_schema(), indent=2, ensure_ascii=False) + "\n"


# --- Loading --------------------------------------------------------------------------------------

_WHAT = "device fixture"


def parse_fixture(text: str, source: str, fmt: Format = "yaml") -> DeviceFixture:
    """Validate fixture text; `source` names it in every BadInput message."""
    return validate(DeviceFixture, mapping_from_text(text, source, fmt, _WHAT), source, _WHAT)


def load_fixture(path: Path) -> DeviceFixture:
    """Read a .yaml/.yml/.json fixture; every failure is a BadInput naming the file."""
    path = Path(path)
    return validate(DeviceFixture, read_mapping(path, _WHAT), str(path), _WHAT)


# --- The device model -----------------------------------------------------------------------------


class _ReplyMatcher:
    """One reply rule's scan over the OUT stream, keeping only a tail that may start a match."""

    def __init__(self, rule: ReplyRule) -> None:
        self.pattern = rule.match
        self.replies = rule.sequence
        self.answered = 0
        self.left = rule.times
        self.tail = b""
        self._keep = len(self.pattern) - 1  # the longest tail that may still start a match

    def feed(self, chunk: bytes, start: int) -> Sequence[tuple[int, bytes]]:
        """Matches completed by `chunk` (which begins at stream offset `start`), as (end offset, reply)."""
        buffer = self.tail + chunk if self.tail else chunk
        found = buffer.find(self.pattern)
        if found < 0:  # most writes complete no match of a given rule: only the tail moves on
            self.tail = buffer[-self._keep :] if self._keep else b""
            return ()
        base = start - len(self.tail)
        hits: list[tuple[int, bytes]] = []
        position = 0
        while self.left != 0:
            found = buffer.find(self.pattern, position)
            if found < 0:
                break
            position = found + len(self.pattern)
            hits.append((base + position, self.replies[min(self.answered, len(self.replies) - 1)]))
            self.answered += 1
            if self.left is not None:
                self.left -= 1
        # Bytes already part of a match never start another one; keep at most len(pattern)-1.
        self.tail = buffer[max(position, len(buffer) - (len(self.pattern) - 1)) :] if self.left != 0 else b""
        return hits


class _Responder:
    """The bulk IN side of one interface: what its reply rules and unsolicited data queue."""

    def __init__(self, replies: list[ReplyRule], unsolicited: list[UnsolicitedData]) -> None:
        self.pending = bytearray()
        self.matchers = [_ReplyMatcher(rule) for rule in replies]
        self._unsolicited = deque(sorted(unsolicited, key=lambda item: item.after_bytes))
        self.receive(b"", 0)  # data due at once (after_bytes 0)

    def receive(self, chunk: bytes, start: int) -> None:
        """Queue what `chunk` (at OUT offset `start`) triggers, in the order the stream triggered it."""
        received = start + len(chunk)
        events: list[tuple[int, int, bytes]] = []
        for order, matcher in enumerate(self.matchers):
            if matcher.left != 0:
                for end, reply in matcher.feed(chunk, start):
                    events.append((end, order, reply))
        while self._unsolicited and self._unsolicited[0].after_bytes <= received:
            item = self._unsolicited.popleft()
            events.append((item.after_bytes, len(self.matchers), item.data))
        if len(events) > 1:
            events.sort(key=lambda event: (event[0], event[1]))
        for _, _, data in events:
            self.pending += data

    def take(self, size: int) -> bytes:
        data = bytes(self.pending[:size])
        del self.pending[:size]
        return data


@dataclass
class _ActiveBusy:
    writes_left: int | None
    until: float | None


class _InputBuffer:
    """The device's input buffer draining at a fixed rate of clock time (`bytes_per_second`).

    Bytes count as received (reply rules, unsolicited data, busy and disconnect thresholds) when
    they enter the buffer, not when the device has worked through them.

    Whole bytes only, and the fraction of a byte in progress is carried over, so the same
    sequence of writes at the same clock times always gives the same counts.
    """

    def __init__(self, rate: float, size: int, clock: Clock) -> None:
        self.rate = rate
        self.size = size
        self.clock = clock
        self.level = 0
        self._drained_until = clock.now()

    def free(self) -> int:
        self._drain()
        return self.size - self.level

    def fill(self, count: int) -> None:
        self.level += count

    def _drain(self) -> None:
        now = self.clock.now()
        if self.level == 0 or now <= self._drained_until:
            self._drained_until = max(self._drained_until, now) if self.level else now
            return
        # The small epsilon keeps 0.1 s * 1000 B/s from coming out as 99.99999 bytes.
        drained = int((now - self._drained_until) * self.rate + 1e-9)
        if drained >= self.level:
            self.level = 0
            self._drained_until = now
        elif drained > 0:
            self.level -= drained
            self._drained_until += drained / self.rate


class FixturePrinter:
    """A device model that plays a `DeviceFixture`; thread-safe, any thread may call it."""

    def __init__(self, fixture: DeviceFixture, clock: Clock | None = None) -> None:
        self.fixture = fixture
        self.clock: Clock = clock if clock is not None else RealClock()
        self.received = 0
        self._lock = threading.Lock()
        self._busy_pending = deque(sorted(fixture.busy, key=lambda period: period.after_bytes))
        self._busy: _ActiveBusy | None = None
        self._status_changes = sorted(fixture.port_status_changes, key=lambda change: change.after_bytes)
        self._responder = _Responder(fixture.replies, fixture.unsolicited)
        self._buffer = (
            _InputBuffer(fixture.bytes_per_second, fixture.buffer_bytes, self.clock)
            if fixture.bytes_per_second is not None
            else None
        )
        self._status_interface = (
            FixtureStatusInterface(self, fixture.status_interface)
            if fixture.status_interface is not None
            else None
        )

    @property
    def name(self) -> str:
        return self.fixture.name or "simulated printer"

    @property
    def pending_in(self) -> int:
        """Bytes queued on bulk IN that nobody has read yet."""
        with self._lock:
            return len(self._responder.pending)

    @property
    def buffered(self) -> int:
        """Bytes in the device's input buffer not yet worked through (0 without bytes_per_second)."""
        with self._lock:
            return 0 if self._buffer is None else self._buffer.size - self._buffer.free()

    @property
    def _matchers(self) -> list[_ReplyMatcher]:
        return self._responder.matchers

    def write(self, data: bytes) -> int:
        """Accept what the fixture allows of `data` now: busy, max_write, buffer space, disconnect."""
        with self._lock:
            self._check_present()
            if not data or self._refuse():
                return 0
            count = len(data)
            if self.fixture.max_write is not None:
                count = min(count, self.fixture.max_write)
            if self._buffer is not None:
                count = min(count, self._buffer.free())
                if count <= 0:
                    return 0  # the buffer is full: the host waits and polls, on the same clock
            if self.fixture.disconnect_after_bytes is not None:
                count = min(count, self.fixture.disconnect_after_bytes - self.received)
            if self._busy_pending:
                # Stop at the next busy threshold so the busy period starts exactly there.
                count = min(count, self._busy_pending[0].after_bytes - self.received)
            chunk = bytes(data[:count])
            start = self.received
            self.received += count
            if self._buffer is not None:
                self._buffer.fill(count)
            self._responder.receive(chunk, start)
            return count

    def read(self, size: int) -> bytes:
        """Up to `size` queued IN bytes; never waits (the channel does the waiting, on its clock)."""
        with self._lock:
            self._check_present()
            if size <= 0:
                return b""
            return self._responder.take(size)

    def device_id(self) -> str:
        return self.fixture.device_id

    def port_status(self) -> int:
        with self._lock:
            value = self.fixture.port_status
            for change in self._status_changes:
                if change.after_bytes > self.received:
                    break
                value = change.value
            return value

    def soft_reset(self) -> None:
        with self._lock:
            if self.fixture.soft_reset_clears_input:
                self._responder.pending.clear()

    def status_interface(self) -> FixtureStatusInterface | None:
        """The secondary (status) USB interface `requestStatus` talks to; None when the fixture has none.

        Always the same object, so its reply sequences carry on from one requestStatus call to
        the next.
        """
        return self._status_interface

    def ensure_present(self) -> None:
        """Raise DeviceGone once the printer has disconnected."""
        with self._lock:
            self._check_present()

    def _check_present(self) -> None:
        limit = self.fixture.disconnect_after_bytes
        if limit is not None and self.received >= limit:
            raise DeviceGone(f"{self.name} disconnected after receiving {limit} bytes")

    def _refuse(self) -> bool:
        """Whether this (non-empty) write is refused by a busy period; consumes a busy write."""
        while True:
            if self._busy is None:
                if not self._busy_pending or self._busy_pending[0].after_bytes > self.received:
                    return False
                period = self._busy_pending.popleft()
                until = self.clock.now() + period.seconds if period.seconds is not None else None
                self._busy = _ActiveBusy(writes_left=period.writes, until=until)
            busy = self._busy
            if busy.writes_left is not None:
                busy.writes_left -= 1
                if busy.writes_left <= 0:
                    self._busy = None
                return True
            if busy.until is not None and self.clock.now() < busy.until:
                return True
            self._busy = None  # over; a later period may already be due


class FixtureStatusInterface:
    """The secondary USB interface of a `FixturePrinter` (fixture `status_interface`).

    A device model of its own (write/read), with its own pipes, reply rules and byte count;
    it fails with DeviceGone once its printer has disconnected.
    """

    def __init__(self, printer: FixturePrinter, fixture: StatusInterfaceFixture) -> None:
        self.printer = printer
        self.fixture = fixture
        self.received = 0
        self._lock = threading.Lock()
        self._responder = _Responder(fixture.replies, fixture.unsolicited)

    @property
    def name(self) -> str:
        return f"{self.printer.name} (status interface)"

    @property
    def pending_in(self) -> int:
        with self._lock:
            return len(self._responder.pending)

    def write(self, data: bytes) -> int:
        self.printer.ensure_present()
        with self._lock:
            count = len(data)
            if self.fixture.max_write is not None:
                count = min(count, self.fixture.max_write)
            chunk = bytes(data[:count])
            start = self.received
            self.received += count
            self._responder.receive(chunk, start)
            return count

    def read(self, size: int) -> bytes:
        self.printer.ensure_present()
        with self._lock:
            return self._responder.take(size) if size > 0 else b""

    def device_id(self) -> str:
        return self.printer.device_id()


# --- The built-in simulated printer ---------------------------------------------------------------


@functools.cache
def default_fixture() -> DeviceFixture:
    """The built-in "sim" printer's fixture, shipped as package data so users can copy and edit it."""
    resource = importlib.resources.files("usbmon_js") / "data" / "default_printer.yaml"
    try:
        text = resource.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput(
            f"the built-in simulated printer usbmon_js/data/default_printer.yaml is missing: {exc}."
        ) from None
    return parse_fixture(text, "usbmon_js/data/default_printer.yaml (built-in simulated printer)")


def default_printer(clock: Clock | None = None) -> FixturePrinter:
    """A fresh built-in simulated printer (`--device sim`)."""
    return FixturePrinter(default_fixture(), clock)
