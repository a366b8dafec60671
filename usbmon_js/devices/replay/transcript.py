"""Transcripts: every transfer between the host and a device, as a versioned JSON document.

`--record FILE` writes one and `--device replay:FILE` plays it back, so a job seen once on a real
printer can be re-run anywhere, and two recordings can be compared with an ordinary text diff:
bytes are hex strings and the file writer puts each transfer on a line of its own.
"""

from __future__ import annotations

import json
import string
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from usbmon_js.devices.model import Transport
from usbmon_js.devices.sim.fixture import SCHEMA_DIALECT

TRANSCRIPT_FORMAT = "usbmon-js-transcript"
TRANSCRIPT_VERSION = 1
PRINT_INTERFACE, STATUS_INTERFACE = 0, 1
INTERFACE_NAMES = {PRINT_INTERFACE: "print interface (0)", STATUS_INTERFACE: "status interface (1)"}

_HEX_DIGITS = frozenset(string.hexdigits)


def parse_hex(text: str) -> bytes:
    """Hex digits (whitespace between them ignored) as bytes; ValueError says what is wrong."""
    digits = "".join(text.split())
    for position, char in enumerate(digits, start=1):
        if char not in _HEX_DIGITS:
            raise ValueError(f"{char!r} (hex digit {position}) is not a hex digit")
    if len(digits) % 2:
        raise ValueError(f"an odd number of hex digits ({len(digits)}) cannot be whole bytes")
    return bytes.fromhex(digits)


def _validate_hex(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "hex_bytes", "expected a string of hex digits, not {kind}", {"kind": type(value).__name__}
        )
    try:
        return parse_hex(value)
    except ValueError as exc:
        raise PydanticCustomError("hex_bytes", "{reason}", {"reason": str(exc)}) from None


HexBytes = Annotated[
    bytes,
    PlainValidator(_validate_hex),
    PlainSerializer(lambda data: data.hex(), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^(\\s*[0-9A-Fa-f]\\s*[0-9A-Fa-f])*\\s*$",
            "description": "Bytes as hex digits (whitespace between digits allowed).",
        }
    ),
]

Op = Literal["write", "read", "device_id", "port_status", "soft_reset", "end_job"]
Status = Literal["ok", "refused", "timeout", "stall", "gone", "error"]


class _Strict(BaseModel):
    # Strict: a hand-edited "5" is not an offset, so a damaged transcript fails loudly.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class TranscriptHeader(_Strict):
    """Which device was recorded, and its identity when the recording started."""

    spec: str = Field(description="The --device spec (or source file) the transfers were recorded from.")
    transport: Transport = Field(description="How the host reached the device: sim, pyusb or replay.")
    device_id: str | None = Field(
        default=None, description="IEEE 1284 ID without its length prefix; null: the device declares none."
    )
    port_status: int | None = Field(
        default=None, ge=0, le=255, description="GET_PORT_STATUS byte at the start; null: not known (0x18)."
    )
    status_interface: bool = Field(
        default=False, description="The device presented a secondary (status) interface when asked."
    )
    recorded_at: datetime | None = Field(default=None, strict=False, description="When recording started.")
    tool: str | None = Field(default=None, description="The program and version that wrote the transcript.")


class Transfer(_Strict):
    """One call the host made on the device, and what came of it.

    `out_offset` is how many bytes that interface's bulk OUT had accepted before the call: it is
    what a replay keys on, since the reads a status poller interleaves are not in a fixed order.
    """

    t: float = Field(ge=0, allow_inf_nan=False, description="Seconds since the recording started.")
    interface: Literal[0, 1] = Field(default=PRINT_INTERFACE, description="0: print interface, 1: status.")
    op: Op
    status: Status = "ok"
    offered: int | None = Field(default=None, ge=0, description="write: how many bytes were offered.")
    out_offset: int = Field(ge=0, description="Bytes this interface's bulk OUT had accepted before.")
    text: str | None = Field(default=None, description="device_id: the ID the device answered.")
    message: str | None = Field(default=None, description="error/gone: what the device or transport said.")
    data: HexBytes = Field(
        default=b"", description="write: the bytes accepted; read: the bytes returned; port_status: 1 byte."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Transfer:
        if self.op == "write":
            if self.offered is None:
                raise ValueError("a write needs 'offered' (how many bytes were offered)")
            if len(self.data) > self.offered:
                raise ValueError(
                    f"a write accepted {len(self.data)} bytes but only {self.offered} were offered"
                )
            if self.status == "refused" and self.data:
                raise ValueError("a refused write accepts no data")
        elif self.offered is not None:
            raise ValueError(f"'offered' only belongs to writes, not to {self.op}")
        if self.status in ("gone", "error") and self.data:
            raise ValueError(
                f"a transfer that failed ({self.status}) moved no data; record the bytes separately"
            )
        if self.op == "port_status" and self.status == "ok" and len(self.data) != 1:
            raise ValueError(f"a port_status answer is 1 byte, not {len(self.data)}")
        return self


class Transcript(_Strict):
    """A recording of one device session: the header, then every transfer in the order it happened."""

    model_config = ConfigDict(title="usbmon-js device transcript")

    schema_: str | None = Field(None, alias="$schema", description="Where editors find the schema.")
    format: Literal["usbmon-js-transcript"] = TRANSCRIPT_FORMAT
    version: Literal[1] = TRANSCRIPT_VERSION
    header: TranscriptHeader
    transfers: list[Transfer] = Field(default_factory=list)


def tool_name() -> str:
    """What goes into a header's `tool`: this program and its version."""
    try:
        return f"usbmon-js {version('usbmon-js')}"
    except PackageNotFoundError:
        return "usbmon-js"


def offset_problem(transcript: Transcript) -> tuple[int, str] | None:
    """The first transfer whose out_offset disagrees with the writes before it, as (index, problem)."""
    sent = {PRINT_INTERFACE: 0, STATUS_INTERFACE: 0}
    for index, transfer in enumerate(transcript.transfers):
        if transfer.out_offset != sent[transfer.interface]:
            return index, (
                f"transfers[{index}] has out_offset {transfer.out_offset}, but the writes before it on "
                f"interface {transfer.interface} accepted {sent[transfer.interface]} bytes"
            )
        if transfer.op == "write":
            sent[transfer.interface] += len(transfer.data)
    return None


def transcript_text(transcript: Transcript) -> str:
    """The transcript as JSON with one transfer per line, so text diffs line up transfer by transfer."""
    head = transcript.model_dump(mode="json", by_alias=True, exclude={"transfers"}, exclude_none=True)
    lines = [
        "{",
        *(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items()),
    ]
    rows = ["    " + json.dumps(_row(transfer), ensure_ascii=False) for transfer in transcript.transfers]
    body = [",\n".join(rows)] if rows else []
    return "\n".join([*lines, '  "transfers": [', *body, "  ]", "}"]) + "\n"


def _row(transfer: Transfer) -> dict[str, Any]:
    row = transfer.model_dump(mode="json", exclude_none=True)
    if not row["data"]:
        del row["data"]  # most reads find nothing; an absent field reads better than ""
    return row


def transcript_json_schema() -> dict[str, Any]:
    """The JSON Schema of transcript files, generated from the models so it cannot drift."""
    return {"$schema": SCHEMA_DIALECT, **Transcript.model_json_schema(by_alias=True)}


def transcript_json_schema_text() -> str:
    """The schema as a file would hold it (e.g. docs/schemas/device-transcript.schema.json)."""
    return json.dumps(transcript_json_schema(), indent=2, ensure_ascii=False) + "\n"
