"""The host objects' interfaces as the linter sees them, read from the COM classes themselves.

`usbmon_js.com` declares every object a script can receive (`com_interface`, `@com_method`,
`@com_property`). The linter derives its member lists, member kinds, argument counts and result
types from those classes, so a member added there is known here without a second list.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any

import usbmon_js.com
from usbmon_js.com import bidi, contexts, streams
from usbmon_js.com.members import ComMethod, ComProperty, HostError, HostObject

# -- the types the linter tracks ----------------------------------------------------------------


@dataclass(frozen=True)
class HostT:
    """A host (COM) object implementing one interface."""

    iface: str

    def __str__(self) -> str:
        return self.iface


@dataclass(frozen=True)
class ArrayT:
    """A real JS Array (bytes are Arrays of numbers, `TemporaryStreams` an Array of streams)."""

    element: JsType | None

    def __str__(self) -> str:
        return f"Array of {self.element}" if self.element is not None else "Array"


@dataclass(frozen=True)
class PrimT:
    name: str  # "string" | "number" | "boolean" | "undefined" | "null"

    def __str__(self) -> str:
        return self.name


JsType = HostT | ArrayT | PrimT
STRING = PrimT("string")
NUMBER = PrimT("number")
BOOLEAN = PrimT("boolean")
UNDEFINED = PrimT("undefined")
NULL = PrimT("null")
OBJECT = PrimT("object")  # a script's own object literal
BYTES = ArrayT(NUMBER)


@dataclass(frozen=True)
class Member:
    """One member of an interface, as `HostObject.com_layout()` and the Python signature say."""

    name: str  # canonical spelling
    kind: str  # "method" | "property" | "readonly"
    arg_count: int | None  # methods only
    bytes_args: tuple[int, ...]
    result: JsType | None
    unavailable: str | None = None  # a property whose getter always throws: the host's reason

    @property
    def is_method(self) -> bool:
        return self.kind == "method"

    @property
    def writable(self) -> bool:
        return self.kind == "property"


@dataclass(frozen=True)
class Interface:
    name: str
    members: dict[str, Member]  # by lower-case name: COM binds names case-insensitively

    def lookup(self, name: str) -> Member | None:
        return self.members.get(name.lower())

    def member_names(self) -> list[str]:
        return sorted(member.name for member in self.members.values())


_KINDS = {0: "method", 1: "readonly", 2: "property"}


def _host_classes() -> list[type[HostObject]]:
    """Every HostObject subclass the `usbmon_js.com` package defines (tests' fakes excluded)."""
    for module in pkgutil.iter_modules(usbmon_js.com.__path__):
        importlib.import_module(f"usbmon_js.com.{module.name}")
    found: list[type[HostObject]] = []
    pending = list(HostObject.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("usbmon_js.com."):
            found.append(cls)
    return found


def _descriptor(cls: type, name: str) -> ComMethod | ComProperty | None:
    for klass in cls.__mro__:
        value = vars(klass).get(name)
        if isinstance(value, ComMethod | ComProperty):
            return value
    return None


def _result_type(fn: Any) -> JsType | None:
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # an annotation that cannot be resolved: the result type stays unknown
        return None
    return _from_annotation(hints.get("return"))


def _from_annotation(annotation: Any) -> JsType | None:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        args = typing.get_args(annotation)
        return ArrayT(_from_annotation(args[0]) if args else None)
    if origin in (typing.Union, types.UnionType):
        options = {_from_annotation(arg) for arg in typing.get_args(annotation)} - {UNDEFINED}
        return options.pop() if len(options) == 1 else None
    if isinstance(annotation, type):
        if issubclass(annotation, HostObject):
            return HostT(annotation.com_interface)
        if annotation in (bytes, bytearray):
            return BYTES
        if annotation is bool:
            return BOOLEAN
        if annotation in (int, float):
            return NUMBER
        if annotation is str:
            return STRING
        if annotation is type(None):
            return UNDEFINED
    if annotation is None:
        return UNDEFINED
    return None


def _always_throws(cls: type[HostObject], descriptor: ComMethod | ComProperty | None) -> str | None:
    """A property getter that throws HostError even on a bare object never works (UserProperties)."""
    if not isinstance(descriptor, ComProperty):
        return None
    try:
        descriptor.fget(cls.__new__(cls))
    except HostError as exc:
        return str(exc)
    except Exception:  # needs state a bare object lacks: a normal property
        return None
    return None


@cache
def interfaces() -> dict[str, Interface]:
    """Interface name → its members, merged over every class implementing it."""
    merged: dict[str, dict[str, Member]] = {}
    for cls in _host_classes():
        layout = cls.com_layout()
        members = merged.setdefault(layout["iface"], {})
        for lower, (name, kind, bytes_args, _held_back) in layout["members"].items():
            descriptor = _descriptor(cls, name)
            fn = getattr(descriptor, "fn", None) or getattr(descriptor, "fget", None)
            arg_count = fn.__code__.co_argcount - 1 if isinstance(descriptor, ComMethod) else None
            members[lower] = Member(
                name=name,
                kind=_KINDS[kind],
                arg_count=arg_count,
                bytes_args=tuple(bytes_args),
                result=_result_type(fn) if fn is not None else None,
                unavailable=_always_throws(cls, descriptor),
            )
    return {name: Interface(name, members) for name, members in merged.items()}


def interface(t: JsType | None) -> Interface | None:
    return interfaces().get(t.iface) if isinstance(t, HostT) else None


def host(cls: type[HostObject]) -> HostT:
    return HostT(cls.com_interface)


@cache
def host_method_names() -> frozenset[str]:
    """Lower-case names of every host method: a call to one of them is device or host I/O."""
    return frozenset(
        lower for iface in interfaces().values() for lower, m in iface.members.items() if m.is_method
    )


@cache
def return_code_values() -> dict[str, int]:
    """`ReturnCodes.Success` … by lower-case name, read from the ReturnCodes object itself."""
    codes = contexts.ReturnCodes()
    layout = interfaces()[contexts.ReturnCodes.com_interface]
    return {lower: int(codes.com_get(member.name)) for lower, member in layout.members.items()}


# -- the objects each entry point receives --------------------------------------------------------

SCRIPT_CONTEXT = host(contexts.ScriptContext)
JOB_CONTEXT = host(contexts.UsbJobContext)
PRINTER_STREAM = host(streams.SequentialStream)
RESPONSES = host(bidi.BidiSchemaResponses)
ELEMENT = host(bidi.BidiSchemaElement)
PROGRESS = host(contexts.WritePrintDataProgress)
RETURN_CODES = host(contexts.ReturnCodes)
PRINT_DATA = BYTES
SCHEMA_REQUESTS = ArrayT(STRING)
