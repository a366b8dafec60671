"""A debug session: breakpoints, stepping, and the hand-over between a paused script and you.

The script runs on its engine's thread (jsbox engines are thread-affine); the debugger's user
(a terminal, a command file, a test) runs on another. When the script stops, its thread blocks
inside the probe's stop callback and the session hands the stop to the controller; every
question the controller asks (evaluate, locals) goes back to that thread as a command the probe
answers in JavaScript, in the paused frame. One engine is paused at a time; a second engine
reaching a stop (the status poller) waits for the first to resume.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from usbmon_js.debugging.probe import AttachedProbe, HostCall
from usbmon_js.debugging.probe_map import PROGRAM, ProbeMap
from usbmon_js.engine.bridge import CallInterrupted
from usbmon_js.engine.quickjs import ENTRY_POINTS

StepKind = Literal["continue", "step", "next", "finish"]
ExceptionPolicy = Literal["none", "uncaught", "all"]
_MODES = {"continue": 0, "step": 1, "next": 2, "finish": 3}
_EXCEPTIONS = {"none": 0, "uncaught": 1, "all": 2}
_BREAKPOINT, _DEBUGGER = 1, 2
_STACK_POSITION = re.compile(r"eval_script:(\d+):(\d+)")


class DebuggerError(Exception):
    """A command that cannot be carried out (unknown line, no such frame): said, not fatal."""


@dataclass
class Breakpoint:
    number: int
    spec: str  # as given: "42", "writePrintData", "script.js:42"
    statement: int | None = None  # line and function breakpoints stop at a statement
    entry: str | None = None  # entry-point breakpoints stop when USBMon calls that entry point
    condition: str | None = None
    hits: int = 0


@dataclass(frozen=True)
class Frame:
    index: int
    function: str
    function_id: int
    statement: int | None
    line: int  # 0: the global scope, from which USBMon called the entry point


@dataclass
class Stop:
    reason: str  # breakpoint, debugger, step, entry, uncaught, exception, caught, interrupt
    engine: AttachedProbe
    entry: str
    statement: int
    line: int
    column: int
    depth: int
    frames: list[Frame]
    error: dict[str, Any] | None = None
    breakpoint: Breakpoint | None = None
    host_call: HostCall | None = None
    error_location: str | None = None


@dataclass
class Finished:
    """The job or Bidi request ended (with its report, or the exception that ended it)."""

    result: Any = None
    error: BaseException | None = None


@dataclass
class _Stepping:
    """How one engine runs on: free, or stepping relative to where it last stopped."""

    mode: int = 0
    target: int = 0
    from_line: int = -1
    from_depth: int = -1
    from_id: int = -1
    entry_break: Breakpoint | None = None

    def js(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "target": self.target,
            "fromLine": self.from_line,
            "fromDepth": self.from_depth,
            "fromId": self.from_id,
        }


@dataclass
class DebugSession:
    map: ProbeMap
    exceptions: ExceptionPolicy = "uncaught"
    on_console: Callable[[str, str], None] | None = None
    breakpoints: list[Breakpoint] = field(default_factory=list)
    detached: bool = False  # the user is done: nothing stops any more

    def __post_init__(self) -> None:
        self._events: queue.Queue[Stop | Finished] = queue.Queue()
        self._commands: queue.Queue[dict[str, Any]] = queue.Queue()
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._paused = threading.Lock()
        self._interrupt = threading.Event()
        self._stepping: dict[AttachedProbe, _Stepping] = {}
        self._numbers = 0
        self._first_engine_steps = False
        self.started = False
        self.current: Stop | None = None
        self.selected_frame = 0

    # -- breakpoints -----------------------------------------------------------------------
    def add_breakpoint(self, spec: str, condition: str | None = None) -> Breakpoint:
        """`LINE`, `FILE:LINE`, a function name, or an entry point's name."""
        statement, entry = self._resolve(spec)
        self._numbers += 1
        point = Breakpoint(self._numbers, spec, statement=statement, entry=entry, condition=condition)
        self.breakpoints.append(point)
        return point

    def _resolve(self, spec: str) -> tuple[int | None, str | None]:
        """Where a breakpoint stops: (statement id, None) or, for an entry point, (None, its name)."""
        target = spec.rsplit(":", 1)[-1]
        if target.isdigit():
            statement = self.map.first_statement_on_or_after(int(target))
            if statement is None:
                raise DebuggerError(f"no statement on or after line {target} of {self.map.script_name}")
            return statement.id, None
        if target in ENTRY_POINTS:  # however the script defines it, stop when USBMon calls it
            return None, target
        functions = self.map.functions_named(target)
        first = self.map.first_statement_of(functions[0]) if functions else None
        if first is None:
            known = ", ".join(sorted({f.name for f in self.map.functions[1:]})) or "none"
            script = self.map.script_name
            raise DebuggerError(f"no line or function '{spec}' in {script} (functions: {known})")
        return first.id, None

    def delete_breakpoint(self, number: int | None = None) -> None:
        if number is None:
            self.breakpoints.clear()
            return
        kept = [b for b in self.breakpoints if b.number != number]
        if len(kept) == len(self.breakpoints):
            raise DebuggerError(f"no breakpoint number {number}")
        self.breakpoints = kept

    def breakpoint_line(self, point: Breakpoint) -> int | None:
        return self.map.statements[point.statement].line if point.statement is not None else None

    def _marks(self) -> list[list[int]]:
        if self.detached:
            return []
        marks = {s.id: _DEBUGGER for s in self.map.statements if s.debugger}
        marks.update({b.statement: _BREAKPOINT for b in self.breakpoints if b.statement is not None})
        return [[sid, mark] for sid, mark in marks.items()]

    def _shared_state(self) -> dict[str, Any]:
        return {
            "breakpoints": self._marks(),
            "exceptions": 0 if self.detached else _EXCEPTIONS[self.exceptions],
        }

    # -- the probe's side (engine threads) -----------------------------------------------------
    def state_for_call(self, engine: AttachedProbe, entry: str) -> dict[str, Any]:
        """The JS state for a call (entry "" : the script loading in a new realm)."""
        stepping = self._stepping.get(engine)
        if stepping is None:
            stepping = self._stepping[engine] = _Stepping()
            if self._first_engine_steps:  # `step` before the run began: stop at the first statement
                self._first_engine_steps = False
                stepping.mode = _MODES["step"]
        if stepping.mode in (_MODES["next"], _MODES["finish"]):  # the last call is over: its
            stepping.mode = _MODES["step"]  # caller is USBMon, so stop where the next one starts
            stepping.from_depth = -1
        entry_break = next((b for b in self.breakpoints if b.entry == entry), None)
        if entry_break is not None and not self.detached:
            stepping.mode, stepping.from_depth, stepping.entry_break = _MODES["step"], -1, entry_break
        if self.detached:
            stepping.mode = 0
        return {**stepping.js(), **self._shared_state()}

    def stopped(self, engine: AttachedProbe, message: dict[str, Any]) -> dict[str, Any]:
        if "reply" in message:
            self._replies.put(message["reply"])
            return self._next_command()
        self._paused.acquire()
        if self.detached:
            self._paused.release()
            return {"op": "resume", "mode": 0, **_quiet_js(), **self._shared_state()}
        self._interrupt.clear()
        self._events.put(self._stop_from(engine, message))
        return self._next_command()

    def _next_command(self) -> dict[str, Any]:
        """The paused engine's next command; it lets the next engine stop only once it has it."""
        command = self._commands.get()
        if command["op"] in ("resume", "abort"):
            self._paused.release()
        if command["op"] == "abort":
            raise CallInterrupted("cancelled")
        return command

    def poll(self, engine: AttachedProbe) -> bool:
        return self._interrupt.is_set() and not self.detached

    def host_call(self, engine: AttachedProbe, call: HostCall) -> None:
        if call.interface == "console" and self.on_console is not None:
            self.on_console(call.member, str(call.args[0]))

    def _stop_from(self, engine: AttachedProbe, message: dict[str, Any]) -> Stop:
        frames = []
        for index, (fid, at) in enumerate(message["frames"]):
            if fid == PROGRAM and engine.entry:  # the global scope USBMon called the entry point in
                frames.append(Frame(index, "<global scope>", fid, None, 0))
                continue
            statement = at if at >= 0 else None
            function = self.map.function_of(fid)
            line = self.map.statements[statement].line if statement is not None else function.line
            frames.append(Frame(index, function.name, fid, statement, line))
        sid = message["id"]
        statement = self.map.statements[sid]
        stop = Stop(
            reason=message["reason"],
            engine=engine,
            entry=engine.entry,
            statement=sid,
            line=statement.line,
            column=statement.column + 1,
            depth=message["depth"],
            frames=frames,
            error=message.get("error"),
            host_call=engine.last_host_call,
        )
        stepping = self._stepping.setdefault(engine, _Stepping())
        if stop.reason == "step" and stepping.entry_break is not None:
            stop.reason, stop.breakpoint = "entry", stepping.entry_break
        stepping.entry_break = None
        if stop.error is not None:
            stop.error_location = self._error_location(stop.error.get("stack") or "")
        return stop

    def _error_location(self, stack: str) -> str | None:
        match = _STACK_POSITION.search(stack)
        if match is None:
            return None
        line = int(match[1])
        return f"{self.map.script_name}:{line}:{self.map.original_column(line, int(match[2]))}"

    # -- the controller's side ------------------------------------------------------------------
    def start(self, work: Callable[[], Any], how: StepKind = "continue") -> None:
        """Run the job or Bidi request on its own thread; its end arrives as `Finished`.

        Any step (`step`, `next`) before the start stops at the first statement that runs.
        """
        self.started = True
        self._first_engine_steps = how != "continue"

        def run() -> None:
            try:
                self._events.put(Finished(result=work()))
            except BaseException as exc:  # handed to the controller, which reports it
                self._events.put(Finished(error=exc))

        threading.Thread(target=run, name="usbmon-debug-run", daemon=True).start()

    def next_event(self) -> Stop | Finished:
        """Wait for the next stop the user should see (conditions false: run on) or the end."""
        while True:
            event = self._events.get()
            if isinstance(event, Finished):
                self.current = None
                return event
            self.current = event
            self.selected_frame = 0
            if event.reason == "breakpoint":
                matched = self._breakpoints_hit(event)
                if not matched:
                    self._resume_as_before()
                    continue
                event.breakpoint = matched[0]
            elif event.reason == "entry" and event.breakpoint is not None:
                if not self._condition_holds(event.breakpoint):
                    self._resume_as_before()
                    continue
                event.breakpoint.hits += 1
            return event

    def _breakpoints_hit(self, stop: Stop) -> list[Breakpoint]:
        matched = [b for b in self.breakpoints if b.statement == stop.statement and self._condition_holds(b)]
        for point in matched:
            point.hits += 1
        return matched

    def _condition_holds(self, point: Breakpoint) -> bool:
        if point.condition is None:
            return True
        reply = self.evaluate(point.condition, 0)
        value = reply.get("value")
        return value is not None and _truthy(value)

    def interrupt(self) -> None:
        """Ask the running script to stop at its next statement (Ctrl-C)."""
        self._interrupt.set()

    def evaluate(self, expression: str, frame: int | None = None) -> dict[str, Any]:
        return self._ask({"op": "eval", "expression": expression, "frame": self._frame(frame)})

    def locals(self, frame: int | None = None) -> list[tuple[str, dict[str, Any]]]:
        chosen = self._stopped_frame(frame)
        names = self.map.visible_names(chosen.statement, chosen.function_id)
        reply = self._ask({"op": "locals", "names": list(names), "frame": chosen.index})
        return [(name, value) for name, value in reply.get("locals", [])]

    def _frame(self, frame: int | None) -> int:
        return self._stopped_frame(frame).index

    def _stopped_frame(self, frame: int | None) -> Frame:
        stop = self._require_stop()
        index = self.selected_frame if frame is None else frame
        if not 0 <= index < len(stop.frames):
            raise DebuggerError(f"no frame {index}: the stack has {len(stop.frames)} (0 is the innermost)")
        return stop.frames[index]

    def _require_stop(self) -> Stop:
        if self.current is None:
            raise DebuggerError("the script is not stopped")
        return self.current

    def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        self._require_stop()
        self._commands.put(command)
        return self._replies.get()

    def resume(self, how: StepKind) -> None:
        stop = self._require_stop()
        stepping = self._stepping.setdefault(stop.engine, _Stepping())
        stepping.mode = _MODES[how]
        stepping.target = stop.depth
        stepping.from_line, stepping.from_depth, stepping.from_id = stop.line, stop.depth, stop.statement
        self._send({"op": "resume", **stepping.js(), **self._shared_state()})

    def _resume_as_before(self) -> None:
        self._send({"op": "resume", **self._shared_state()})

    def _send(self, command: dict[str, Any]) -> None:
        self.current = None
        self._commands.put(command)

    def detach(self, *, abort: bool = False) -> None:
        """Stop debugging: nothing stops again; `abort` also ends the paused call (as a cancel)."""
        self.detached = True
        if self.current is not None:
            if abort:
                self._send({"op": "abort"})
            else:
                self._send({"op": "resume", "mode": 0, **_quiet_js(), **self._shared_state()})


def _quiet_js() -> dict[str, Any]:
    return {"target": 0, "fromLine": -1, "fromDepth": -1, "fromId": -1}


def _truthy(value: dict[str, Any]) -> bool:
    kind = value.get("t")
    if kind in ("undefined", "null"):
        return False
    if kind in ("number", "boolean", "string"):
        shown = value.get("v")
        return bool(shown) and shown == shown  # NaN is falsy
    return True
