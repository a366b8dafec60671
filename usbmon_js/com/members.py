"""Declaring COM objects in Python: which members a script sees, and how calls reach them.

A `HostObject` subclass marks its COM methods with `@com_method` and its IDL properties with
`@com_property`; everything else on the class is invisible to scripts. The engine bridge reads
`com_layout()` to build a case-insensitive JS proxy and `com_invoke()` to dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal


class HostError(Exception):
    """A failing host call (a failure HRESULT): thrown into the script as a catchable JS error."""

    def __init__(self, message: str, js_type: str = "Error") -> None:
        super().__init__(message)
        self.js_type = js_type


HoldBackType = Literal["string", "boolean", "number", "int32"]


@dataclass(frozen=True)
class ComMethod:
    fn: Callable[..., Any]
    name: str
    bytes_args: tuple[int, ...]
    arity: int  # arguments a script must pass
    held_back: tuple[HoldBackType, ...] | None = None

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        return self if obj is None else self.fn.__get__(obj, owner)


@dataclass(frozen=True)
class ComProperty:
    fget: Callable[[Any], Any]
    name: str
    fset: Callable[[Any, Any], None] | None = None

    def setter(self, fset: Callable[[Any, Any], None]) -> ComProperty:
        return ComProperty(self.fget, self.name, fset)

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        return self if obj is None else self.fget(obj)

    def __set__(self, obj: object, value: Any) -> None:
        if self.fset is None:
            raise AttributeError(self.name)
        self.fset(obj, value)


def com_method(
    fn: Callable[..., Any] | None = None,
    *,
    bytes_args: tuple[int, ...] = (),
    held_back: tuple[HoldBackType, ...] | None = None,
) -> Any:
    """Expose a method; `bytes_args` are positions the script passes as byte arrays.

    `held_back` marks a method that only records what the script reports and returns nothing
    (the responses' Add…): a call whose arguments have exactly these JS types, which the
    method's coercions always accept, cannot fail, so the shim may hold it back and hand it
    over with the next host call or the entry point's result (shim.js, "held back").
    """

    def wrap(f: Callable[..., Any]) -> ComMethod:
        return ComMethod(f, f.__name__, bytes_args, f.__code__.co_argcount - 1, held_back)

    return wrap(fn) if fn is not None else wrap


def com_property(fget: Callable[[Any], Any]) -> ComProperty:
    return ComProperty(fget, fget.__name__)


class HostObject:
    """Base of every COM object handed to a script."""

    com_interface: ClassVar[str] = "IDispatch"
    _com_members: ClassVar[dict[str, ComMethod | ComProperty]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        members: dict[str, ComMethod | ComProperty] = {}
        for klass in reversed(cls.__mro__):
            for value in vars(klass).values():
                if isinstance(value, ComMethod | ComProperty):
                    members[value.name] = value
        cls._com_members = members

    @classmethod
    def com_layout(cls) -> dict[str, Any]:
        """What the JS proxy needs, by lower-case name: name, kind, byte-array args, held-back types."""
        layout = {}
        for name, member in cls._com_members.items():
            if isinstance(member, ComMethod):
                held_back = list(member.held_back) if member.held_back is not None else None
                layout[name.lower()] = [name, 0, list(member.bytes_args), held_back]
            else:
                layout[name.lower()] = [name, 2 if member.fset else 1, [], None]
        return {"iface": cls.com_interface, "members": layout}

    def com_get(self, name: str) -> Any:
        member = self._member(name, ComProperty)
        return member.fget(self)

    def com_set(self, name: str, value: Any) -> None:
        member = self._member(name, ComProperty)
        if member.fset is None:
            raise HostError(f"{name}: property is read-only", "TypeError")
        member.fset(self, value)

    def com_invoke(self, name: str, args: list[Any]) -> Any:
        member = self._member(name, ComMethod)
        expected = member.arity
        if len(args) != expected:
            raise HostError(
                f"{name}: expected {expected} argument{'s' if expected != 1 else ''}, got {len(args)}",
                "TypeError",
            )
        return member.fn(self, *args)

    def _member(self, name: str, kind: type) -> Any:
        member = self._com_members.get(name)
        if not isinstance(member, kind):
            raise HostError(f"{self.com_interface} has no member '{name}'", "TypeError")
        return member
