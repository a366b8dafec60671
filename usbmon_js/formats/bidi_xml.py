"""The USB Bidi extension XML (BidiUSBFile): which schema paths a driver declares, and how.

USBMon validates this file against usbbidi.xsd when it loads a port; usbmon-js does the same with
its own schema (data/schemas/usbbidi.xsd), then checks what a schema cannot: duplicate paths and
`Const` values that do not fit their type. Every problem is a BadInput naming file and line.

Schema paths are built as Windows builds them: `\\` + the nested property names joined by `.`,
then `:` and the value name (`\\Printer.Configuration.Memory:Size`).

The XML helpers here (safe parsing, validation, readable schema errors) are shared with the
driver events file (driver_events.py).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path, PurePath
from typing import Literal

from lxml import etree
from pydantic import BaseModel, ConfigDict

from usbmon_js.errors import BadInput
from usbmon_js.formats.bidi_values import BidiTypeName, convert_bidi_value
from usbmon_js.formats.loading import one_line, read_bytes

__all__ = [
    "NAMESPACE",
    "BidiSchema",
    "BidiTypeName",
    "DeclaredValue",
    "PortStatusMapping",
    "convert_bidi_value",
    "load_bidi_xml",
    "parse_bidi_xml",
]

NAMESPACE = "http://schemas.microsoft.com/windows/2010/09/printing/usbbidi"
WHAT = "Bidi extension XML"
ROOT_PROPERTY = "Printer"
_CONTAINERS = frozenset({"Property", "IndexedProperty", "NonIndexedProperty"})

Kind = Literal["Value", "Const", "Event", "BuiltIn"]
Access = Literal["Get", "Set", "GetSet"]


class DeclaredValue(BaseModel):
    """One `<Value>`, `<Const>`, `<Event>` or `<BuiltIn>` of the extension XML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    kind: Kind
    type: BidiTypeName
    access: Access
    query_key: str | None = None
    refresh_interval_s: int | None = None
    drv_printer_event: bool = False
    const_value: bool | int | float | str | None = None
    builtin_id: str | None = None
    line: int

    @property
    def request_key(self) -> str:
        """What getSchemas receives in schemaRequests for this value: its queryKey, else its path."""
        return self.query_key if self.query_key is not None else self.path

    @property
    def gettable(self) -> bool:
        return self.access in ("Get", "GetSet")

    @property
    def settable(self) -> bool:
        return self.access in ("Set", "GetSet")


class PortStatusMapping(BaseModel):
    """A `<PortStatus><Status>`: a device status keyword and the port status it maps to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keyword: str
    code: int
    severity: int
    line: int


class BidiSchema(BaseModel):
    """Everything a driver's Bidi extension XML declares, in document order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    values: dict[str, DeclaredValue]
    properties: list[str]
    port_status: list[PortStatusMapping] = []
    warnings: list[str] = []

    @property
    def name(self) -> str:
        """The file name, short enough for messages."""
        return PurePath(self.source).name or self.source

    def declares(self, path: str) -> bool:
        """Whether `path` is a declared value (not a property; see `expand`)."""
        return path in self.values

    def lookup(self, path: str) -> DeclaredValue | None:
        return self.values.get(path)

    def expand(self, path: str) -> list[DeclaredValue] | None:
        """The values a Bidi query for `path` covers: a value path gives that value, a property path
        every value beneath it (nested properties included), anything else None. Exact match."""
        if path in self.values:
            return [self.values[path]]
        if path not in self.properties:
            return None
        beneath = (path + ".", path + ":")
        return [value for value in self.values.values() if value.path.startswith(beneath)]


def parse_bidi_xml(data: bytes, source: str) -> BidiSchema:
    """The Bidi extension XML in `data` (UTF-8 or UTF-16 with BOM); `source` names it in messages."""
    root = parse_xml_safely(data, source, WHAT)
    check_root(root, source, WHAT, root_name="Schema", namespace=NAMESPACE, prefix="bidi")
    validate_xml(root, "usbbidi.xsd", source, WHAT)
    builder = _SchemaBuilder(source)
    for child in child_elements(root):
        if local_name(child) == "Property":
            builder.add_property(child, [])
        else:  # PortStatus, the only other element the schema allows
            builder.add_port_status(child)
    return BidiSchema(
        source=source,
        values=builder.values,
        properties=list(builder.properties),
        port_status=builder.port_status,
        warnings=builder.warnings,
    )


def load_bidi_xml(path: Path) -> BidiSchema:
    return parse_bidi_xml(read_bytes(path, WHAT), str(path))


class _SchemaBuilder:
    """Walks a schema-valid document, building paths and making the checks XSD cannot."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values: dict[str, DeclaredValue] = {}
        self.properties: dict[str, None] = {}  # an ordered set: sibling properties may repeat a name
        self.port_status: list[PortStatusMapping] = []
        self.warnings: list[str] = []

    def fail(self, line: int, problem: str) -> BadInput:
        return BadInput(f"{self.source}:{line}: invalid {WHAT}: {problem}")

    def warn(self, line: int, problem: str) -> None:
        self.warnings.append(f"{self.source}:{line}: {problem}")

    def add_property(self, element: etree._Element, trail: list[str]) -> None:
        name = element.get("name", "")
        line = element.sourceline or 0
        if not trail and name != ROOT_PROPERTY:
            self.warn(
                line,
                f"top-level property '{name}' is not '{ROOT_PROPERTY}'; Bidi schema paths start with "
                f"\\{ROOT_PROPERTY}, so nothing beneath it can be queried",
            )
        trail = [*trail, name]
        self.properties["\\" + ".".join(trail)] = None
        for child in child_elements(element):
            if local_name(child) in _CONTAINERS:
                self.add_property(child, trail)
            else:
                self.add_value(child, trail)

    def add_value(self, element: etree._Element, trail: list[str]) -> None:
        kind = local_name(element)
        line = element.sourceline or 0
        path = "\\" + ".".join(trail) + ":" + element.get("name", "")
        if path in self.values:
            raise self.fail(
                line, f"duplicate schema path {path} (already declared on line {self.values[path].line})"
            )
        if kind == "Value":
            value = self._value(element, path, line)
        elif kind == "Const":
            bidi_type = element.get("type", "")
            try:
                constant = convert_bidi_value(bidi_type, element.get("value", ""))  # type: ignore[arg-type]
            except ValueError as exc:
                raise self.fail(line, f"<Const> {path}: value {exc}") from None
            value = DeclaredValue(
                path=path, kind="Const", type=bidi_type, access="Get", const_value=constant, line=line
            )
        elif kind == "Event":
            value = DeclaredValue(path=path, kind="Event", type="BIDI_NULL", access="Get", line=line)
        else:
            value = DeclaredValue(
                path=path,
                kind="BuiltIn",
                type="BIDI_STRING",
                access="Get",
                builtin_id=element.get("id"),
                line=line,
            )
        self.values[path] = value

    def _value(self, element: etree._Element, path: str, line: int) -> DeclaredValue:
        query_key = element.get("queryKey")
        if query_key is not None and not query_key.strip():
            self.warn(line, f"{path} has an empty queryKey; its path is used as the request key")
            query_key = None
        refresh = element.get("refreshInterval")
        printer_event = element.get("drvPrinterEvent")
        return DeclaredValue(
            path=path,
            kind="Value",
            type=element.get("type", ""),
            access=element.get("accessType", ""),
            query_key=query_key,
            refresh_interval_s=int(refresh) if refresh is not None else None,
            drv_printer_event=printer_event is not None and printer_event.strip() in ("true", "1"),
            line=line,
        )

    def add_port_status(self, element: etree._Element) -> None:
        for status in child_elements(element):
            self.port_status.append(
                PortStatusMapping(
                    keyword=status.get("Keyword", ""),
                    code=int(status.get("Code", "0")),
                    severity=int(status.get("Severity", "0")),
                    line=status.sourceline or 0,
                )
            )


# --- XML helpers shared with driver_events.py -------------------------------------------------


def parse_xml_safely(data: bytes, source: str, what: str) -> etree._Element:
    """The root element of `data`, parsed without network access, DTDs or entity expansion.

    The encoding comes from the BOM or the XML declaration (UTF-8 or UTF-16). Driver files have no
    business declaring a DOCTYPE, and one is the vehicle for entity attacks, so it is rejected.
    """
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xfe\xff"):
        raise BadInput(f"{source}:1: invalid {what}: the file is empty")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno or 1, 1)
        # one_line: libxml2 quotes the offending source text, newlines included.
        message = one_line(re.sub(r",? line \d+, column \d+$", "", exc.msg or "not well-formed"))
        raise BadInput(f"{source}:{line}:{column}: invalid {what}: {message}") from None
    if root.getroottree().docinfo.doctype:
        raise BadInput(
            f"{source}:{_line_of(data, '<!DOCTYPE')}: invalid {what}: a DOCTYPE declaration is not "
            "allowed (DTDs and entities are refused)"
        )
    return root


def _line_of(data: bytes, marker: str) -> int:
    """The 1-based line where `marker` first appears, in whichever encoding the file uses."""
    for codec in ("utf-8", "utf-16-le", "utf-16-be"):
        at = data.find(marker.encode(codec))
        if at >= 0:
            return data[:at].count("\n".encode(codec)) + 1
    return 1


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def child_elements(element: etree._Element) -> Iterator[etree._Element]:
    """Child elements only: lxml also yields comments and processing instructions."""
    return (child for child in element if isinstance(child.tag, str))


def check_root(
    root: etree._Element, source: str, what: str, *, root_name: str, namespace: str, prefix: str
) -> None:
    """Name a wrong root element or stray namespace plainly: the XSD would only say "no matching
    global declaration" or "element not expected"."""
    name = etree.QName(root)
    expected = f"<{prefix}:{root_name}> in namespace {namespace}"
    if name.localname != root_name:
        raise BadInput(
            f"{source}:{root.sourceline}: invalid {what}: the root element is <{_shown(root)}>, "
            f"expected {expected}"
        )
    if name.namespace != namespace:
        where = f"in namespace {name.namespace}" if name.namespace else "in no namespace"
        raise BadInput(
            f"{source}:{root.sourceline}: invalid {what}: the root element <{_shown(root)}> is {where}; "
            f'expected {expected}, e.g. <{prefix}:{root_name} xmlns:{prefix}="{namespace}">'
        )
    for element in root.iterdescendants():
        if isinstance(element.tag, str) and etree.QName(element).namespace is not None:
            raise BadInput(
                f"{source}:{element.sourceline}: invalid {what}: <{_shown(element)}> is in namespace "
                f"{etree.QName(element).namespace}; only the root element has a namespace, the elements "
                "inside it are written without a prefix (and without a default xmlns)"
            )


def _shown(element: etree._Element) -> str:
    """The element's name as written in the file (prefix:local), without lxml's {namespace}."""
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


_VALIDATION_LOCK = threading.Lock()  # an XMLSchema's error_log is shared by every caller


@cache
def _xsd(name: str) -> etree.XMLSchema:
    text = resources.files("usbmon_js.data").joinpath("schemas").joinpath(name).read_bytes()
    return etree.XMLSchema(etree.fromstring(text, etree.XMLParser(no_network=True, resolve_entities=False)))


def validate_xml(root: etree._Element, xsd_name: str, source: str, what: str) -> None:
    """Validate against one of our schemas; the first problem becomes a BadInput at its line."""
    schema = _xsd(xsd_name)
    with _VALIDATION_LOCK:
        if schema.validate(root):
            return
        errors = schema.error_log.filter_from_errors() or schema.error_log
        first = errors[0]
        line, message = first.line, first.message
    raise BadInput(f"{source}:{line}: invalid {what}: {readable_xsd_message(message)}")


_URI_BRACES = re.compile(r"\{[A-Za-z][A-Za-z0-9+.-]*:[^{}\s]*\}")
_ELEMENT_ATTRIBUTE = re.compile(r"Element '(?P<el>[^']+)', attribute '(?P<at>[^']+)': (?P<rest>.*)", re.S)
_ELEMENT = re.compile(r"Element '(?P<el>[^']+)': (?P<rest>.*)", re.S)
_ENUMERATION = re.compile(
    r"\[facet 'enumeration'\] The value '(?P<v>.*)' is not an element of the set \{(?P<set>.*)\}\."
)
_PATTERN = re.compile(
    r"\[facet 'pattern'\] The value '(?P<v>.*)' is not accepted by the pattern '(?P<p>.*)'\."
)
_MAX_LENGTH = re.compile(
    r"\[facet 'maxLength'\] The value '.*' has a length of '(?P<n>\d+)'; .* length of '(?P<m>\d+)'\."
)
_MIN_LENGTH = re.compile(
    r"\[facet 'minLength'\] The value (?:'.*' )?has a length of '(?P<n>\d+)'; .* length of '(?P<m>\d+)'\."
)
_ATOMIC = re.compile(r"'(?P<v>.*)' is not a valid value of the atomic type '(?P<t>[^']+)'\.")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( (?P<exp>.*) \)\.")
_PATTERN_WORDS = {
    r"[\w_]+": "a valid name (letters, digits and _; no '.', ':' or spaces)",
    r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}": (
        "a GUID in braces, like {01234567-89AB-CDEF-0123-456789ABCDEF}"
    ),
}
_TYPE_WORDS = {
    "xs:int": "a whole number (32-bit)",
    "xs:integer": "a whole number",
    "xs:nonNegativeInteger": "a whole number of 0 or more",
    "xs:boolean": "true, false, 1 or 0",
}


def readable_xsd_message(message: str) -> str:
    """libxml2's schema error in plain words, e.g. "Element 'Value': The attribute 'type' is
    required but missing." becomes "<Value> is missing the required attribute type"."""
    message = _URI_BRACES.sub("", " ".join(message.split()))
    if match := _ELEMENT_ATTRIBUTE.fullmatch(message):
        return _attribute_problem(match["el"], match["at"], match["rest"])
    if match := _ELEMENT.fullmatch(message):
        return _element_problem(match["el"], match["rest"])
    return message.rstrip(".")


def _attribute_problem(element: str, attribute: str, rest: str) -> str:
    subject = f"<{element}> attribute {attribute}"
    if match := _ENUMERATION.fullmatch(rest):
        return f"{subject}: '{match['v']}' is not one of {_choices(match['set'])}"
    if match := _PATTERN.fullmatch(rest):
        words = _PATTERN_WORDS.get(match["p"], f"matched by the pattern {match['p']}")
        return f"{subject}: '{match['v']}' is not {words}"
    if match := _ATOMIC.fullmatch(rest):
        return f"{subject}: '{match['v']}' is not {_TYPE_WORDS.get(match['t'], 'a valid ' + match['t'])}"
    if match := _MAX_LENGTH.fullmatch(rest):
        return f"{subject} is {match['n']} characters long; at most {match['m']} are allowed"
    if rest.startswith(f"The attribute '{attribute}' is not allowed"):
        return f"<{element}> has an unknown attribute {attribute}"
    return f"{subject}: {rest.rstrip('.')}"


def _element_problem(element: str, rest: str) -> str:
    if match := re.fullmatch(r"The attribute '(?P<at>[^']+)' is required but missing\.", rest):
        return f"<{element}> is missing the required attribute {match['at']}"
    expected = _EXPECTED.search(rest)
    alternatives = _alternatives(expected["exp"]) if expected else ""
    if rest.startswith("This element is not expected"):
        return f"<{element}> is not allowed here" + (f"; expected {alternatives}" if alternatives else "")
    if rest.startswith("Missing child element"):
        return f"<{element}> is missing a child element; expected {alternatives or 'more content'}"
    if rest.startswith("Character content") or "content type is empty" in rest:
        return f"<{element}> must not contain text"
    if match := _ENUMERATION.fullmatch(rest):
        return f"<{element}>: '{match['v']}' is not one of {_choices(match['set'])}"
    if match := _ATOMIC.fullmatch(rest):
        return f"<{element}>: '{match['v']}' is not {_TYPE_WORDS.get(match['t'], 'a valid ' + match['t'])}"
    if (match := _MIN_LENGTH.fullmatch(rest)) and match["n"] == "0":
        return f"<{element}> must not be empty"
    if match := re.fullmatch(
        r"Duplicate key-sequence \['(?P<v>.*)'\] in unique identity-constraint .*", rest
    ):
        return f"<{element}> '{match['v']}' is given more than once"
    return f"<{element}>: {rest.rstrip('.')}"


def _choices(quoted_set: str) -> str:
    return ", ".join(part.strip().strip("'") for part in quoted_set.split(","))


def _alternatives(names: str) -> str:
    tags = [f"<{name.strip()}>" for name in names.split(",")]
    return tags[0] if len(tags) == 1 else "one of " + ", ".join(tags)
