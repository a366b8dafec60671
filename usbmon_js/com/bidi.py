"""Bidi schema responses and elements: how scripts report values and events to USBMon."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import BaseModel

from usbmon_js.com.coerce import to_bool, to_float32, to_int32, to_text
from usbmon_js.com.members import HostError, HostObject, com_method, com_property


class BidiType(IntEnum):
    """PrinterBidiSchemaElementType, equal to winspool's BIDI_TYPE."""

    BIDI_NULL = 0
    BIDI_INT = 1
    BIDI_FLOAT = 2
    BIDI_BOOL = 3
    BIDI_STRING = 4
    BIDI_TEXT = 5
    BIDI_ENUM = 6
    BIDI_BLOB = 7


class BidiResponse(BaseModel):
    """One value (or, with BIDI_NULL, one event) a script added to a responses object."""

    entry: str
    path: str
    type: str
    value: Any = None
    t: float = 0.0


class BidiSchemaResponses(HostObject):
    """IPrinterBidiSchemaResponses: fresh for every call; the host reads it afterwards.

    `t` is the call's start as the caller's report counts time; every response carries it.
    """

    com_interface = "IPrinterBidiSchemaResponses"

    def __init__(self, entry: str, t: float = 0.0) -> None:
        self.entry = entry
        self.t = t
        self.responses: list[BidiResponse] = []
        self.requery_keys: list[str] = []

    def _add(self, member: str, path: object, kind: BidiType, value: Any) -> None:
        if path is None:
            raise HostError(f"{member}: schema path is null or undefined", "TypeError")
        self.responses.append(
            BidiResponse(entry=self.entry, path=to_text(member, path), type=kind.name, value=value, t=self.t)
        )

    def _text(self, member: str, value: object) -> str:
        if value is None:
            raise HostError(f"{member}: value is null or undefined", "TypeError")
        return to_text(member, value)

    @com_method(held_back=("string",))
    def AddNull(self, path: object) -> None:
        self._add("AddNull", path, BidiType.BIDI_NULL, None)

    @com_method(held_back=("string", "boolean"))
    def AddBool(self, path: object, value: object) -> None:
        self._add("AddBool", path, BidiType.BIDI_BOOL, to_bool(value))

    @com_method(held_back=("string", "int32"))
    def AddInt32(self, path: object, value: object) -> None:
        self._add("AddInt32", path, BidiType.BIDI_INT, to_int32("AddInt32", value))

    @com_method(held_back=("string", "number"))
    def AddFloat(self, path: object, value: object) -> None:
        self._add("AddFloat", path, BidiType.BIDI_FLOAT, to_float32("AddFloat", value))

    @com_method(held_back=("string", "string"))
    def AddString(self, path: object, value: object) -> None:
        self._add("AddString", path, BidiType.BIDI_STRING, self._text("AddString", value))

    @com_method(held_back=("string", "string"))
    def AddText(self, path: object, value: object) -> None:
        self._add("AddText", path, BidiType.BIDI_TEXT, self._text("AddText", value))

    @com_method(held_back=("string", "string"))
    def AddEnum(self, path: object, value: object) -> None:
        self._add("AddEnum", path, BidiType.BIDI_ENUM, self._text("AddEnum", value))

    @com_method(bytes_args=(1,))
    def AddBlob(self, path: object, value: bytes) -> None:
        self._add("AddBlob", path, BidiType.BIDI_BLOB, value.hex())

    @com_method(held_back=("string",))
    def AddRequeryKey(self, key: object) -> None:
        if key is None:
            raise HostError("AddRequeryKey: key is null or undefined", "TypeError")
        self.requery_keys.append(to_text("AddRequeryKey", key))


class BidiSchemaElement(HostObject):
    """IPrinterBidiSchemaElement: the one value a `setSchema` call is asked to set."""

    com_interface = "IPrinterBidiSchemaElement"

    def __init__(self, name: str, bidi_type: BidiType, value: Any) -> None:
        self.name = name
        self.bidi_type = bidi_type
        self.value = value

    @com_property
    def Name(self) -> str:
        return self.name

    @com_property
    def BidiType(self) -> int:
        return int(self.bidi_type)

    @com_property
    def Value(self) -> Any:
        return self.value
