"""IPrinterScriptablePropertyBag: the driver, queue and job property bags.

Get* of a missing property or of the wrong type throws (scripts wrap optional reads in
try/catch); Set* creates or overwrites on a writable bag and throws on a read-only one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from usbmon_js.com.coerce import to_bool, to_int32, to_text
from usbmon_js.com.members import HostError, HostObject, com_method
from usbmon_js.com.streams import ScriptableStream

PropertyType = Literal["Bool", "Int32", "String", "Bytes"]


@dataclass(frozen=True)
class Property:
    type: PropertyType
    value: bool | int | str | bytes

    def to_json(self) -> Any:
        return self.value.hex() if isinstance(self.value, bytes) else self.value


class PropertyBag(HostObject):
    com_interface = "IPrinterScriptablePropertyBag"

    def __init__(self, label: str, properties: dict[str, Property] | None = None, *, writable: bool) -> None:
        self.label = label
        self.properties: dict[str, Property] = dict(properties or {})
        self.writable = writable

    def _get(self, member: str, name: object, kind: PropertyType) -> Any:
        key = to_text(member, name)
        prop = self.properties.get(key)
        if prop is None:
            raise HostError(f"{member}: property '{key}' not found in {self.label}")
        if prop.type != kind:
            raise HostError(
                f"{member}: property '{key}' in {self.label} is {prop.type}, not {kind}", "TypeError"
            )
        return prop.value

    def _set(self, member: str, name: object, kind: PropertyType, value: Any) -> None:
        key = to_text(member, name)
        if not self.writable:
            raise HostError(f"{member}: {self.label} is read-only (cannot set '{key}')")
        self.properties[key] = Property(kind, value)

    @com_method
    def GetBool(self, name: object) -> bool:
        return self._get("GetBool", name, "Bool")

    @com_method
    def SetBool(self, name: object, value: object) -> None:
        self._set("SetBool", name, "Bool", to_bool(value))

    @com_method
    def GetInt32(self, name: object) -> int:
        return self._get("GetInt32", name, "Int32")

    @com_method
    def SetInt32(self, name: object, value: object) -> None:
        self._set("SetInt32", name, "Int32", to_int32("SetInt32", value))

    @com_method
    def GetString(self, name: object) -> str:
        return self._get("GetString", name, "String")

    @com_method
    def SetString(self, name: object, value: object) -> None:
        if value is None:
            raise HostError("SetString: value is null or undefined", "TypeError")
        self._set("SetString", name, "String", to_text("SetString", value))

    @com_method
    def GetBytes(self, name: object) -> bytes:
        return self._get("GetBytes", name, "Bytes")

    @com_method(bytes_args=(1,))
    def SetBytes(self, name: object, value: bytes) -> None:
        self._set("SetBytes", name, "Bytes", value)

    @com_method
    def GetReadStream(self, name: object) -> ScriptableStream:
        return ScriptableStream(self._get("GetReadStream", name, "Bytes"), commit=None)

    @com_method
    def GetWriteStream(self, name: object) -> ScriptableStream:
        key = to_text("GetWriteStream", name)
        if not self.writable:
            raise HostError(f"GetWriteStream: {self.label} is read-only (cannot write '{key}')")
        existing = self.properties.get(key)
        if existing is not None and existing.type != "Bytes":
            raise HostError(
                f"GetWriteStream: property '{key}' in {self.label} is {existing.type}, not a stream"
            )
        initial = existing.value if existing is not None else b""
        assert isinstance(initial, bytes)
        return ScriptableStream(initial, commit=lambda data: self._set("Commit", key, "Bytes", data))

    def snapshot(self) -> dict[str, Any]:
        return {name: {"type": p.type, "value": p.to_json()} for name, p in self.properties.items()}
