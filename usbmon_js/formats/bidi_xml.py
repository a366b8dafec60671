"""The USB Bidi extension XML: the schema paths a driver declares.

Schema paths are built as Windows does: nested `Property` names joined by `.` under `\\Printer`,
then `:` and the value name (`\\Printer.Configuration.Memory:Size`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from usbmon_js.errors import BadInput

NAMESPACE = "http://schemas.microsoft.com/windows/2010/09/printing/usbbidi"
_LEAVES = {"Value", "Const", "Event", "BuiltIn"}
_CONTAINERS = {"Property", "IndexedProperty", "NonIndexedProperty"}


@dataclass(frozen=True)
class DeclaredValue:
    path: str
    element: str  # Value | Const | Event | BuiltIn
    type: str | None
    access: str | None
    query_key: str | None


@dataclass(frozen=True)
class BidiSchema:
    path: Path
    values: dict[str, DeclaredValue]

    def declares(self, schema_path: str) -> bool:
        return schema_path in self.values


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def load_bidi_xml(path: Path) -> BidiSchema:
    try:
        tree = ET.parse(path)
    except FileNotFoundError:
        raise BadInput(f"{path}: Bidi extension XML not found") from None
    except ET.ParseError as exc:
        line, col = exc.position
        raise BadInput(f"{path}:{line}:{col + 1}: invalid Bidi extension XML: {exc.msg}") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read Bidi extension XML: {exc.strerror or exc}") from None
    root = tree.getroot()
    if _local(root.tag) != "Schema":
        raise BadInput(f"{path}: the root element must be bidi:Schema ({NAMESPACE}), not {_local(root.tag)}")
    values: dict[str, DeclaredValue] = {}

    def walk(element: ET.Element, trail: list[str]) -> None:
        for child in element:
            kind = _local(child.tag)
            name = child.get("name")
            if (kind in _CONTAINERS or kind in _LEAVES) and not name:
                raise BadInput(f"{path}: a <{kind}> element under \\{'.'.join(trail)} has no name attribute")
            if kind in _CONTAINERS:
                walk(child, [*trail, name or ""])
            elif kind in _LEAVES:
                full = "\\" + ".".join(trail) + ":" + (name or "")
                values[full] = DeclaredValue(
                    full, kind, child.get("type"), child.get("accessType"), child.get("queryKey")
                )

    walk(root, [])
    return BidiSchema(path, values)
