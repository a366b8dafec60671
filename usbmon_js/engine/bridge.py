"""The Python half of the host bridge: handles for COM objects, dispatch, deadline and cancel.

jsbox copies values and has no handles, so every host object a script holds is a JS proxy over
a numeric handle; the proxy calls back here by handle and member name. Each callback first
checks the call's deadline and interrupt event, which is what bounds time a script spends
inside host calls (the engine's own timeout only counts time in JS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from usbmon_js.clock import Clock
from usbmon_js.com.members import HostError, HostObject


class CallInterrupted(BaseException):
    """Ends the running entry point from inside a host call; scripts cannot catch it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "timeout" or "cancelled"


class HostBridge:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._objects: dict[int, HostObject] = {}
        self._ids: dict[int, int] = {}
        self._next = 1
        self._sent_layouts: set[type] = set()
        self._released: list[int] = []
        self.pending: tuple[list[str] | None, list[Any]] = (None, [])  # entry names, encoded args
        self._staged: list[bytes] = []  # byte Arrays checked by js_stage, for the next js_call
        self.deadline: float | None = None
        self.call_timeout: float | None = None
        self.interrupt: threading.Event | None = None
        self.on_host_call: Callable[[str, str, list[Any], Any], None] | None = None  # the trace
        self.watch: Callable[[str, str, list[Any], Any], None] | None = None  # a debugger's probe

    # -- handles -------------------------------------------------------------------------
    def handle(self, obj: HostObject) -> dict[str, Any]:
        """A JS-side reference to `obj`, as a host call's result."""
        hid, interface, layout = self.reference(obj)
        ref: dict[str, Any] = {"!h": hid, "c": interface}
        if layout is not None:
            ref["l"] = layout
        return ref

    def reference(self, obj: HostObject) -> tuple[int, str, dict[str, Any] | None]:
        """`obj`'s handle, interface and, with its class's first handle only, its class layout."""
        hid = self._ids.get(id(obj))
        if hid is None:
            hid = self._next
            self._next += 1
            self._ids[id(obj)] = hid
            self._objects[hid] = obj
        layout = None
        if type(obj) not in self._sent_layouts:
            self._sent_layouts.add(type(obj))
            layout = obj.com_layout()
        return hid, obj.com_interface, layout

    def release(self, objects: Iterable[HostObject]) -> None:
        """End the lifetime of objects (e.g. a call's responses); later use throws in JS."""
        for obj in objects:
            hid = self._ids.pop(id(obj), None)
            if hid is not None:
                del self._objects[hid]
                self._released.append(hid)

    def take_released(self) -> list[int]:
        released, self._released = self._released, []
        return released

    def forget_layouts(self) -> None:
        """A fresh JS realm knows no layouts yet."""
        self._sent_layouts.clear()

    # -- callbacks bound into JS ------------------------------------------------------------
    def js_args(self) -> list[Any]:
        """What the shim's invoke reads first, as one flat list: whether it may hold back
        recording calls (not while a trace or a debugger watches host calls one by one, in order
        with console lines and pauses), the names to look up, the count of released handles,
        those handles, then the encoded arguments (`ScriptEngine._encode`).

        Flat, not nested: jsbox converts every list it meets separately (performance.md §2.10).
        """
        names, args = self.pending
        released = self.take_released()
        return [self.on_host_call is None and self.watch is None, names, len(released), *released, *args]

    def js_stage(self, values: list[Any]) -> int:
        """Keep a script's byte Array as bytes for the host call that follows: its slot, or -1.

        jsbox has already copied the Array into a list; bytearray() checks every element is an
        int 0-255 at C speed (three times faster than bytes() on a list). The shim rules out
        booleans and BigInts (ints here) itself.
        """
        try:
            self._staged.append(bytes(bytearray(values)))
        except (TypeError, ValueError):
            return -1
        return len(self._staged) - 1

    def js_call(self, hid: int, name: str, args: list[Any], held_back: list[list[Any]] | None = None) -> Any:
        if held_back is not None:
            self.replay(held_back)
            if not name:
                return None  # the shim only handed over what it held back
        if self._staged and any(type(arg) is dict and "!s" in arg for arg in args):
            staged, self._staged = self._staged, []
            args = [staged[arg["!s"]] if type(arg) is dict and "!s" in arg else arg for arg in args]
        return self._dispatch(hid, name, args, HostObject.com_invoke, args)

    def js_get(self, hid: int, name: str) -> Any:
        return self._dispatch(hid, name, None, HostObject.com_get)

    def js_set(self, hid: int, name: str, value: Any) -> Any:
        return self._dispatch(hid, name, [value], HostObject.com_set, value)

    def replay(self, calls: list[list[Any]]) -> None:
        """Make the calls the shim held back, in the order the script made them.

        Each is to a `held_back` method with arguments of the types it declares, which it always
        accepts (tests/test_held_back_calls.py), so none can fail here, away from its call site.
        """
        for hid, name, args in calls:
            self._objects[hid].com_invoke(name, args)

    def _dispatch(self, hid: int, name: str, shown: Any, member: Callable[..., Any], *rest: Any) -> Any:
        """Run `member(obj, name, *rest)` on the object behind `hid`; `shown` is what the trace logs."""
        self.check_interrupt()
        obj = self._objects.get(hid)
        if obj is None:
            return {
                "!err": ["Error", f"{name}: the object is no longer valid (it belonged to an earlier call)"]
            }
        try:
            result = member(obj, name, *rest)
        except HostError as exc:
            result = exc
        return self._answer(obj, name, shown, result)

    def _answer(self, obj: HostObject, name: str, args: Any, result: Any) -> Any:
        """The JS-side value of a host call's result, after the trace and a debugger saw it."""
        if self.on_host_call is not None or self.watch is not None:
            self.notify(obj.com_interface, name, args, result)
        if isinstance(result, HostError):
            return {"!err": [result.js_type, str(result)]}
        if isinstance(result, HostObject | list):
            return self._to_js(result)
        return result

    def notify(self, interface: str, member: str, args: Any, result: Any) -> None:
        """Tell the trace and a watching debugger about a host call (or a console line)."""
        if self.on_host_call is not None:
            self.on_host_call(interface, member, args, result)
        if self.watch is not None:
            self.watch(interface, member, args, result)

    def _to_js(self, value: Any) -> Any:
        if isinstance(value, HostObject):
            return self.handle(value)
        if isinstance(value, list):
            return [self._to_js(v) for v in value]
        return value

    def device_wait_budget(self) -> float | None:
        """How long a host call may still wait on the device, leaving the script time to react.

        A Write on a stalled printer waits up to its own timeout, but never so long that the
        call's deadline passes inside it: the script gets its short count back with a reserve
        (10 % of the deadline, at most 1 s) to return DeviceBusy or Retry.
        """
        if self.deadline is None or self.call_timeout is None:
            return None
        # Conditionals, not min()/max(): this runs on every device Read and Write, and the
        # builtins cost twice as much as the rest of the function (performance.md §2.10).
        reserve = 1.0 if self.call_timeout >= 10.0 else 0.1 * self.call_timeout
        left = self.deadline - self.clock.now() - reserve
        return left if left > 0.0 else 0.0

    def check_interrupt(self) -> None:
        if self.interrupt is not None and self.interrupt.is_set():
            raise CallInterrupted("cancelled")
        if self.deadline is not None and self.clock.now() > self.deadline:
            raise CallInterrupted("timeout")
