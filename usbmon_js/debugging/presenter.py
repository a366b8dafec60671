"""What the debugger says: to a terminal (rich), or as JSON Lines for tools and CI (`--json`)."""

from __future__ import annotations

import json
import threading
from typing import IO, Any, Protocol

from rich.console import Console
from rich.markup import escape

from usbmon_js.debugging.probe import HostCall
from usbmon_js.debugging.probe_map import ProbeMap
from usbmon_js.debugging.session import Breakpoint, Frame, Stop
from usbmon_js.debugging.values import DUMP_LIMIT, detailed, hex_dump, host_value, one_line, to_json

_REASONS = {
    "breakpoint": "Breakpoint",
    "debugger": "debugger statement",
    "step": "Stepped",
    "entry": "Entry point",
    "uncaught": "Uncaught exception",
    "exception": "Exception thrown",
    "caught": "Exception caught",
    "interrupt": "Interrupted",
}


class Presenter(Protocol):
    def stop(self, stop: Stop) -> None: ...
    def value(self, expression: str, reply: dict[str, Any], *, full: bool = False) -> None: ...
    def locals(self, frame: Frame, entries: list[tuple[str, dict[str, Any]]]) -> None: ...
    def backtrace(self, stop: Stop, selected: int) -> None: ...
    def source(self, first: int, last: int, current: int | None, marked: set[int]) -> None: ...
    def host_call(self, call: HostCall | None) -> None: ...
    def breakpoints(self, points: list[Breakpoint], lines: dict[int, int | None]) -> None: ...
    def message(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...
    def console(self, level: str, text: str) -> None: ...
    def echo(self, command: str) -> None: ...


def _entry_text(stop: Stop) -> str:
    return f"entry point {stop.entry}" if stop.entry else "while the script loads"


def _frame_location(probe_map: ProbeMap, stop: Stop, frame: Frame) -> str:
    if frame.line == 0:
        return f"USBMon calls {stop.entry}"
    return f"{probe_map.script_name}:{frame.line}"


class TerminalPresenter:
    def __init__(self, probe_map: ProbeMap, out: IO[str] | None = None) -> None:
        self.map = probe_map
        self.console_out = Console(file=out, highlight=False, soft_wrap=True)
        self._lock = threading.Lock()

    def _print(self, text: str, *, markup: bool = True) -> None:
        with self._lock:
            self.console_out.print(text, markup=markup)

    def stop(self, stop: Stop) -> None:
        name = self.map.script_name
        label = _REASONS.get(stop.reason, stop.reason)
        if stop.breakpoint is not None:
            label += f" {stop.breakpoint.number}"
        function = stop.frames[0].function if stop.frames else "?"
        where = f"{name}:{stop.line}"
        if stop.error is not None:
            error = stop.error
            text = (
                f"{error.get('name')}: {error.get('message')}" if error.get("name") else error.get("message")
            )
            at = stop.error_location or where
            self._print(f"[bold red]{label}[/] {escape(str(text))} at {escape(at)}")
            self._print(f"  in {escape(function)} ({escape(_entry_text(stop))})")
        else:
            self._print(
                f"[bold cyan]{label}[/], {escape(function)} at {escape(where)} ({escape(_entry_text(stop))})"
            )
        self.source(stop.line, stop.line, stop.line, set())

    def value(self, expression: str, reply: dict[str, Any], *, full: bool = False) -> None:
        if "error" in reply:
            error = reply["error"]
            name = error.get("name")
            self.error(f"{name}: {error.get('message')}" if name else str(error.get("message")))
            return
        for line in detailed(reply["value"], None if full else DUMP_LIMIT):
            self._print(line, markup=False)

    def locals(self, frame: Frame, entries: list[tuple[str, dict[str, Any]]]) -> None:
        if not entries:
            self._print(f"(no locals in {escape(frame.function)})")
        for name, value in entries:
            self._print(f"  {escape(name)} = {escape(one_line(value))}")

    def backtrace(self, stop: Stop, selected: int) -> None:
        for frame in stop.frames:
            marker = "→" if frame.index == selected else " "
            where = _frame_location(self.map, stop, frame)
            self._print(f"{marker} #{frame.index}  {escape(frame.function)} ({escape(where)})")

    def source(self, first: int, last: int, current: int | None, marked: set[int]) -> None:
        lines = self.map.lines
        for number in range(max(first, 1), min(last, len(lines)) + 1):
            arrow = "→" if number == current else " "
            mark = "●" if number in marked else " "
            self._print(f"{mark}{number:5d} {arrow} {lines[number - 1]}", markup=False)

    def host_call(self, call: HostCall | None) -> None:
        if call is None:
            self._print("(no host call yet in this entry-point call)")
            return
        member = f"{call.interface}.{call.member}"
        if call.args is not None:  # None: a property read
            member += f"({', '.join(host_value(a) for a in call.args)})"
        self._print(f"{member} → {host_value(call.result)}", markup=False)
        shown = [(f"argument {i + 1}", a) for i, a in enumerate(call.args or [])] + [("result", call.result)]
        for label, value in shown:
            if isinstance(value, bytes | bytearray):
                self._print(f"  {label}, {len(value)} bytes:", markup=False)
                for line in hex_dump(bytes(value)):
                    self._print(f"    {line}", markup=False)

    def breakpoints(self, points: list[Breakpoint], lines: dict[int, int | None]) -> None:
        if not points:
            self._print("no breakpoints")
        for point in points:
            line = lines.get(point.number)
            where = f"line {line}" if line is not None else f"when USBMon calls {point.entry}"
            condition = f" if {point.condition}" if point.condition else ""
            self._print(
                f"  {point.number}: {escape(point.spec)} ({where}){escape(condition)}, hit {point.hits}×"
            )

    def message(self, text: str) -> None:
        self._print(escape(text))

    def error(self, text: str) -> None:
        self._print(f"[red]error:[/] {escape(text)}")

    def console(self, level: str, text: str) -> None:
        self._print(f"[magenta]console.{level}:[/] {escape(text)}")

    def echo(self, command: str) -> None:
        self._print(f"[dim](usbmon-js debug) {escape(command)}[/]")


class JsonPresenter:
    """One JSON object per line on stdout: {"event": "stop" | "value" | "locals" | …, …}."""

    def __init__(self, probe_map: ProbeMap, out: IO[str]) -> None:
        self.map = probe_map
        self.out = out
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        with self._lock:
            self.out.write(json.dumps({"event": event, **to_json(fields)}) + "\n")
            self.out.flush()

    def _frames(self, stop: Stop) -> list[dict[str, Any]]:
        return [
            {"index": f.index, "function": f.function, "location": _frame_location(self.map, stop, f)}
            for f in stop.frames
        ]

    def stop(self, stop: Stop) -> None:
        self.emit(
            "stop",
            reason=stop.reason,
            location=f"{self.map.script_name}:{stop.line}",
            line=stop.line,
            column=stop.column,
            entry=stop.entry or None,
            function=stop.frames[0].function if stop.frames else None,
            breakpoint=stop.breakpoint.number if stop.breakpoint else None,
            error=stop.error,
            error_location=stop.error_location,
            frames=self._frames(stop),
        )

    def value(self, expression: str, reply: dict[str, Any], *, full: bool = False) -> None:
        self.emit("value", expression=expression, **reply)

    def locals(self, frame: Frame, entries: list[tuple[str, dict[str, Any]]]) -> None:
        self.emit("locals", frame=frame.index, function=frame.function, locals=dict(entries))

    def backtrace(self, stop: Stop, selected: int) -> None:
        self.emit("backtrace", selected=selected, entry=stop.entry or None, frames=self._frames(stop))

    def source(self, first: int, last: int, current: int | None, marked: set[int]) -> None:
        lines = self.map.lines
        shown = {n: lines[n - 1] for n in range(max(first, 1), min(last, len(lines)) + 1)}
        self.emit("source", current=current, lines=shown, breakpoints=sorted(marked))

    def host_call(self, call: HostCall | None) -> None:
        if call is None:
            self.emit("host_call", call=None)
            return
        self.emit(
            "host_call",
            object=call.interface,
            member=call.member,
            args=[_host_json(a) for a in call.args or []],
            result=_host_json(call.result),
        )

    def breakpoints(self, points: list[Breakpoint], lines: dict[int, int | None]) -> None:
        self.emit(
            "breakpoints",
            breakpoints=[
                {
                    "number": p.number,
                    "spec": p.spec,
                    "line": lines.get(p.number),
                    "entry": p.entry,
                    "condition": p.condition,
                    "hits": p.hits,
                }
                for p in points
            ],
        )

    def message(self, text: str) -> None:
        self.emit("message", text=text)

    def error(self, text: str) -> None:
        self.emit("error", text=text)

    def console(self, level: str, text: str) -> None:
        self.emit("console", level=level, text=text)

    def echo(self, command: str) -> None:
        self.emit("command", command=command)


def _host_json(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {"bytes": len(value), "hex": bytes(value).hex()}
    if isinstance(value, list):
        return [_host_json(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return host_value(value)
