"""Property bag files (`--driver-props`, `--queue-props`): JSON or YAML, as the contract says.

A mapping of property name to a plain value (bool → Bool, int → Int32, str → String) or
`{"type": "Bool|Int32|String|Bytes", "value": ...}` with Bytes as a hex string.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StrictBool,
    StrictInt,
    StrictStr,
)

from usbmon_js.com.property_bag import Property
from usbmon_js.errors import BadInput
from usbmon_js.formats.loading import read_mapping, validate

Int32 = Annotated[StrictInt, Field(ge=-(2**31), le=2**31 - 1)]


class TypedProperty(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["Bool", "Int32", "String", "Bytes"]
    value: StrictBool | Int32 | StrictStr

    def to_property(self) -> Property:
        expected = {"Bool": bool, "Int32": int, "String": str, "Bytes": str}[self.type]
        if type(self.value) is not expected:
            raise ValueError(f"a {self.type} property needs a {expected.__name__} value, got {self.value!r}")
        if self.type == "Bytes":
            assert isinstance(self.value, str)
            try:
                return Property("Bytes", bytes.fromhex(self.value))
            except ValueError:
                raise ValueError(f"Bytes value is not a hex string: {self.value!r}") from None
        return Property(self.type, self.value)


class PropertyFile(RootModel[dict[str, StrictBool | Int32 | StrictStr | TypedProperty]]):
    """The file's schema (published as JSON Schema in docs/schemas/)."""


def _plain(value: bool | int | str) -> Property:
    if isinstance(value, bool):
        return Property("Bool", value)
    if isinstance(value, int):
        return Property("Int32", value)
    return Property("String", value)


def load_property_file(path: Path, option: str) -> dict[str, Property]:
    what = f"{option} property bag"
    parsed = validate(PropertyFile, read_mapping(path, what, allow_empty=True), str(path), what)
    properties: dict[str, Property] = {}
    for name, value in parsed.root.items():
        try:
            properties[name] = value.to_property() if isinstance(value, TypedProperty) else _plain(value)
        except ValueError as exc:
            raise BadInput(f"{option} property bag {path} is invalid: property '{name}': {exc}.") from None
    return properties
