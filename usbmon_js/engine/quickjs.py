"""The JavaScript engine: QuickJS through jsbox. The only module that imports jsbox.

One `ScriptEngine` is one sandboxed realm running one vendor script: the ECMAScript built-ins,
the script's globals, and host objects passed as arguments. It must be used from the thread
that created it (jsbox runtimes are thread-affine).
"""

from __future__ import annotations

import math
import re
import sys
import threading
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import jsbox

from usbmon_js.clock import Clock
from usbmon_js.com.members import HostObject
from usbmon_js.engine.bridge import CallInterrupted, HostBridge
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.outcome import CallResult, ScriptFailure, vendor_stack
from usbmon_js.engine.probes import probe_for
from usbmon_js.engine.script import DriverScript
from usbmon_js.errors import BadInput

ENTRY_POINTS = (
    "getSchemas",
    "setSchema",
    "getStatus",
    "requestStatus",
    "startPrintJob",
    "writePrintData",
    "endPrintJob",
)
SHIM_MODULE = "usbmon-host"
CONSOLE_MODULE = "usbmon-host-console"  # module names starting "usbmon-host" stay out of stacks
PROBE_MODULE = "usbmon-host-probe"
_SHIM_SOURCE = resources.files("usbmon_js.engine").joinpath("shim.js").read_text(encoding="utf-8")
_CONSOLE_SOURCE = resources.files("usbmon_js.engine").joinpath("console.js").read_text(encoding="utf-8")
_SYNTAX_AT = re.compile(r"(?:check|eval_script):(\d+):(\d+)")
_PARSE_ERROR = re.compile(r"\s*at eval_script:\d+:\d+\s*")  # a parse error's only frame, no function


class ScriptLoadError(BadInput):
    """The script cannot be loaded: a syntax error, or its top level throws or runs away."""


def check_syntax(script: DriverScript) -> None:
    """Raise `ScriptLoadError` with file:line:col when QuickJS cannot parse the script."""
    problem = syntax_problem(script)
    if problem is not None:
        raise ScriptLoadError(problem)


def syntax_problem(script: DriverScript, runtime: jsbox.Runtime | None = None) -> str | None:
    """The syntax error as `file:line:col: SyntaxError: …`, or None.

    Returned, not raised: a raised error's traceback would keep `runtime` alive, and a jsbox
    runtime must be dropped on the thread that made it.
    """
    try:
        (runtime or jsbox.Runtime()).check_syntax(script.source)
    except jsbox.JavaScriptError as exc:
        match = _SYNTAX_AT.search(exc.stack or "")
        where = f"{script.path}:{match.group(1)}:{match.group(2)}" if match else str(script.path)
        return f"{where}: SyntaxError: {exc.message}"
    return None


class Bytes(bytes):
    """An argument the script receives as a JS Array of byte numbers (`printData`)."""


class PrintData(Bytes):
    """`printData`: a WritePort buffer from `offset` on.

    `buffer_key` names the buffer, so when the rest is presented again the shim copies it out
    of its own Array of that buffer instead of building it from bytes once more.
    """

    buffer_key: str
    offset: int

    @classmethod
    def rest_of(cls, buffer_key: str, buffer: bytes, offset: int) -> PrintData:
        data = cls(memoryview(buffer)[offset:])
        data.buffer_key, data.offset = buffer_key, offset
        return data


class ScriptEngine:
    HAND_OVER_TIMEOUT_S = 1.0  # returning the held-back calls runs no script code

    def __init__(self, script: DriverScript, limits: SandboxLimits, clock: Clock) -> None:
        self.script = script
        self.limits = limits
        self.clock = clock
        self.bridge = HostBridge(clock)
        self.probe = probe_for(script)  # a debugger or coverage run watching this script
        if self.probe is not None:
            self.bridge.watch = self.probe.host_call
        self._token = f"{id(self):x}-{threading.get_ident():x}-{math.floor(clock.now() * 1e6):x}"
        self._invocations: dict[str | None, str] = {}  # entry -> the expression that calls it
        self._runtime = self._new_runtime()
        self.entry_points: dict[str, list[str]] = {}
        self._loading = True
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        self._loading = False

    # -- setup ---------------------------------------------------------------------------
    def _new_runtime(self) -> jsbox.Runtime:
        runtime = jsbox.Runtime(
            memory_limit=self.limits.memory_limit_mib << 20,
            max_stack_size=self.limits.stack_limit_kib << 10,
            max_value_bytes=1 << 30,
        )
        runtime.bind_function("__usbmon_call", self.bridge.js_call)
        runtime.bind_function("__usbmon_get", self.bridge.js_get)
        runtime.bind_function("__usbmon_set", self.bridge.js_set)
        runtime.bind_function("__usbmon_args", self.bridge.js_args)
        runtime.bind_function("__usbmon_stage", self.bridge.js_stage)
        runtime.bind_object("__usbmon_token", self._token)
        runtime.add_static_module(SHIM_MODULE, _SHIM_SOURCE + "\nexport {};\n")
        runtime.eval_module(SHIM_MODULE)
        if self.limits.console:
            runtime.bind_function("__usbmon_console", self._console)
            runtime.add_static_module(CONSOLE_MODULE, _CONSOLE_SOURCE + "\nexport {};\n")
            runtime.eval_module(CONSOLE_MODULE)
        if self.probe is not None:
            for name, value in self.probe.bindings().items():
                if callable(value):
                    runtime.bind_function(name, value)
                else:
                    runtime.bind_object(name, value)
            runtime.add_static_module(PROBE_MODULE, self.probe.module_source + "\nexport {};\n")
            runtime.eval_module(PROBE_MODULE)
        return runtime

    def _console(self, level: str, text: str) -> None:
        """A console line: to the trace, and to stderr unless a debugger shows it itself."""
        self.bridge.notify("console", level, [text], None)
        if self.bridge.watch is None:
            print(f"console.{level}: {text}", file=sys.stderr, flush=True)

    def _load(self) -> None:
        if self.probe is not None:  # the instrumented copy runs: say first if the vendor's parses
            self._raise_syntax_problem()
        running = self.probe.source if self.probe is not None else self.script.source

        def evaluate() -> None:
            # One parse, not a syntax check and then an eval: a 35 KB script parses in ~3 ms.
            try:
                self._runtime.eval(running + "\n;void 0", timeout=self.limits.call_timeout_s)
            except jsbox.JavaScriptError as exc:
                if exc.name == "SyntaxError" and _PARSE_ERROR.fullmatch(exc.stack or ""):
                    self._raise_syntax_problem()  # nothing ran; report it as check_syntax does
                raise

        failure = self._run(evaluate)
        if isinstance(failure, ScriptFailure):
            where = failure.location or str(self.script.path)
            raise ScriptLoadError(
                f"{where}: the script failed while loading ({failure.kind}): {failure.message}"
            )
        found = self._invoke_raw(None, list(ENTRY_POINTS), [])
        if not isinstance(found, dict):
            raise ScriptLoadError(f"{self.script.path}: could not list the script's entry points ({found})")
        self.entry_points = found
        self._record_counts()

    def _raise_syntax_problem(self) -> None:
        problem = syntax_problem(self.script, self._runtime)
        if problem is not None:
            raise ScriptLoadError(problem)

    def reset(self) -> None:
        """A fresh realm running the script again: globals from earlier calls are gone.

        The conformance runner uses it to call every entry point in a fresh instance and find
        scripts that depend on globals persisting between calls (decisions.md).
        """
        self._runtime = None  # type: ignore[assignment]
        if self.probe is not None:
            self.probe.realm_closed()
        self.bridge.forget_layouts()
        self._runtime = self._new_runtime()
        self._loading = True
        try:
            self._load()
        finally:
            self._loading = False

    # -- calls ---------------------------------------------------------------------------
    def has(self, entry: str) -> bool:
        return entry in self.entry_points

    def call(
        self,
        entry: str,
        args: Sequence[Any],
        *,
        interrupt: threading.Event | None = None,
        timeout: float | None = None,
    ) -> CallResult:
        """Call an entry point with host objects, `Bytes` (→ JS Array) or plain values."""
        if entry not in self.entry_points:
            return CallResult(entry, skipped=True)
        encoded: list[Any] = []
        for arg in args:
            self._encode(arg, encoded)
        timeout = self.limits.call_timeout_s if timeout is None else timeout
        self.bridge.deadline = self.clock.now() + timeout
        self.bridge.call_timeout = timeout
        self.bridge.interrupt = interrupt
        prologue = self.probe.before_call(entry) if self.probe is not None else ""
        if prologue:
            self._runtime.eval(prologue)
        try:
            outcome = self._run(lambda: self._invoke_raw(entry, None, encoded, timeout), timeout)
        finally:
            self.bridge.deadline = self.bridge.call_timeout = None
            self.bridge.interrupt = None
        self._record_counts()
        if isinstance(outcome, ScriptFailure):
            self._hand_over_held_back()
            return CallResult(entry, failure=outcome)
        if type(outcome) is list:  # [calls the shim held back, the entry's result] (shim.js)
            self.bridge.replay(outcome[0])
            outcome = outcome[1]
        return self._interpret(entry, outcome)

    def _hand_over_held_back(self) -> None:
        """Calls the shim still holds after a call was stopped from outside (timeout, cancel).

        The script made them before it was stopped, so they count, as they would have had each
        crossed at once. A realm too broken to answer has nothing left to give.
        """
        try:
            held_back = self._invoke_raw("", None, [], self.HAND_OVER_TIMEOUT_S)
        except (jsbox.JavaScriptError, jsbox.JsTimeoutError, CallInterrupted, TypeError, ValueError):
            return
        if held_back:
            self.bridge.replay(held_back)

    def close(self) -> None:
        """Free the JS realm now, on this thread (jsbox runtimes must die where they were born)."""
        if self.probe is not None and self._runtime is not None:
            self.probe.realm_closed()
        self._runtime = None  # type: ignore[assignment]
        self.entry_points = {}

    def _record_counts(self) -> None:
        """Hand the probe the realm's coverage counters (after loading and after every call)."""
        if self.probe is None:
            return
        try:
            counts = self._runtime.eval(self.probe.counts_expression)
        except (jsbox.JavaScriptError, jsbox.JsTimeoutError):
            return  # a realm out of memory cannot even report; its last counts stand
        self.probe.record_counts(counts)

    def release(self, objects: Sequence[HostObject]) -> None:
        self.bridge.release(objects)

    def _encode(self, arg: Any, into: list[Any]) -> None:
        """Append one argument for the shim's invoke: kind, then its fields.

        0 handle (id, interface, layout), 1 bytes, 2 printData (bytes, buffer key, offset), 3 a value.
        One flat list for all arguments: jsbox converts every nested list separately, at
        ≈ 3,000 instructions each (performance.md §2.10).
        """
        if isinstance(arg, HostObject):
            into.extend((0, *self.bridge.reference(arg)))
        elif isinstance(arg, PrintData):
            into.extend((2, arg, arg.buffer_key, arg.offset))
        elif isinstance(arg, Bytes):
            into.extend((1, arg))
        else:
            into.extend((3, arg))

    def _invoke_raw(
        self, entry: str | None, names: list[str] | None, args: list[Any], timeout: float | None = None
    ) -> Any:
        """Run the shim's invoke: call `entry` with `args`, or (entry None) describe the `names`."""
        self.bridge.pending = (names, args)
        expression = self._invocations.get(entry)
        if expression is None:
            entry_js = "null" if entry is None else f'"{entry}"'
            expression = self._invocations[entry] = f'__usbmon_invoke__("{self._token}", {entry_js})'
        return self._runtime.eval(expression, timeout=timeout)

    def _run(self, action: Callable[[], Any], timeout: float | None = None) -> Any:
        """Run engine work, turning every way it can end badly into a ScriptFailure."""
        try:
            return action()
        except CallInterrupted as exc:
            if exc.reason == "cancelled":
                return ScriptFailure("cancelled", "the job was cancelled while the script was running")
            return self._timeout_failure("while the script was inside host calls", timeout)
        except jsbox.JsTimeoutError:
            return self._timeout_failure("in JavaScript", timeout)
        except jsbox.JavaScriptError as exc:
            return self._engine_failure(exc.name, exc.message or "", exc.stack or "")
        except (TypeError, ValueError) as exc:  # a value jsbox could not convert
            return ScriptFailure("exception", f"the script produced a value the host cannot read: {exc}")

    def _timeout_failure(self, where: str, timeout: float | None = None) -> ScriptFailure:
        seconds = self.limits.call_timeout_s if timeout is None else timeout
        return ScriptFailure("timeout", f"the call exceeded its {seconds:g} s deadline ({where})")

    def _engine_failure(self, name: str | None, message: str, stack: str) -> ScriptFailure:
        stack_text, location = vendor_stack(
            stack,
            self.script.name,
            drop_last_eval=not self._loading,
            column_of=self.probe.original_column if self.probe is not None else None,
        )
        if "out of memory" in message:
            return ScriptFailure(
                "memory",
                f"out of memory: the script exceeded the {self.limits.memory_limit_mib} MiB heap limit",
                location,
                stack_text,
            )
        if "stack size exceeded" in message or "stack overflow" in message:
            return ScriptFailure(
                "memory",
                f"stack overflow: the script exceeded the {self.limits.stack_limit_kib} KiB stack limit",
                location,
                stack_text,
            )
        label = f"{name}: {message}" if name else message
        return ScriptFailure("exception", label, location, stack_text)

    def _interpret(self, entry: str, raw: Any) -> CallResult:
        if isinstance(raw, bool):
            raw = {"invalid": "boolean", "shown": str(raw).lower()}
        if isinstance(raw, int):
            return CallResult(entry, return_code=raw)
        if isinstance(raw, float):
            if raw.is_integer():
                return CallResult(entry, return_code=int(raw))
            raw = {"invalid": "number", "shown": repr(raw)}
        if isinstance(raw, dict) and "threw" in raw:
            threw = raw["threw"]
            return CallResult(
                entry, failure=self._engine_failure(threw["name"], threw["message"], threw["stack"])
            )
        if isinstance(raw, dict) and "missing" in raw:
            return CallResult(entry, skipped=True)
        kind = raw.get("invalid", "?") if isinstance(raw, dict) else type(raw).__name__
        shown = raw.get("shown", "") if isinstance(raw, dict) else repr(raw)
        return CallResult(
            entry,
            failure=ScriptFailure(
                "invalid_return", f"{entry} returned {kind} {shown!r}; USBMon expects an integer return code"
            ),
        )
