"""The debugger's command language (gdb-like), read from a terminal, a file or a pipe.

Before the run starts you set breakpoints and choose what exceptions stop; `continue` (or `step`)
starts it. At every stop you inspect and then resume. When the commands run out (the end of a
`--commands` file, or of piped input), the run goes on to its end without stopping again, so a
scripted session always finishes.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from usbmon_js.debugging.presenter import Presenter
from usbmon_js.debugging.session import DebuggerError, DebugSession, Finished, StepKind, Stop

HELP = """\
break LINE | FUNCTION | ENTRY [if EXPR]   stop there (b); an entry point stops when USBMon calls it
delete [N]                                 delete breakpoint N, or all (d)
info breakpoints                           list breakpoints (also: breakpoints)
catch uncaught | all | none                which exceptions stop the script (default: uncaught)
continue                                   run to the next stop (c, run, r)
step / next / finish                       step into (s) / over (n) / out of (out) the current function
print EXPR                                 evaluate in the selected frame (p); byte arrays as hex+ASCII
x EXPR                                     like print, the whole byte array however long
locals                                     the selected frame's parameters and variables (info locals)
backtrace                                  the call stack with file:line (bt, where)
frame N / up / down                        select a frame for print and locals
list [LINE]                                source around the stop or LINE (l)
host                                       the last host call of this entry point, arguments and result
detach                                     stop debugging, run to the end
quit                                       cancel the job (a Bidi request: end its call) and exit (q)"""

_RESUME: dict[str, StepKind] = {
    "c": "continue",
    "continue": "continue",
    "r": "continue",
    "run": "continue",
    "s": "step",
    "step": "step",
    "n": "next",
    "next": "next",
    "finish": "finish",
    "out": "finish",
    "o": "finish",
}


class CommandSource:
    """Lines of commands: from a terminal (with a prompt) or a file/pipe (echoed)."""

    def __init__(self, lines: Iterator[str] | None = None, *, interactive: bool = False) -> None:
        self._lines = lines
        self.interactive = interactive

    @classmethod
    def from_stream(cls, stream: IO[str]) -> CommandSource:
        return cls(iter(stream.readline, ""))

    def next_line(self) -> str | None:
        if self.interactive:
            try:
                return input("(usbmon-js debug) ")
            except EOFError:
                return None
        assert self._lines is not None
        for raw in self._lines:
            line = raw.strip()
            if line and not line.startswith("#"):
                return line
        return None


@dataclass
class CommandLoop:
    session: DebugSession
    presenter: Presenter
    source: CommandSource
    start: Callable[[StepKind], None]  # begins the run
    cancel: Callable[[], None]  # cancels the run as the spooler would (quit)

    def __post_init__(self) -> None:
        self._last = ""

    def run(self) -> Finished | None:
        """Until the run ends; None when `quit` came before it started."""
        while not self.session.started:
            line = self._read()
            if line is None:
                self.presenter.message("commands ended: running to the end without stopping")
                self.session.detached = True
                self.start("continue")
            elif self._before_start(line):
                return None
        while True:
            event = self._wait()
            if isinstance(event, Finished):
                return event
            self.presenter.stop(event)
            self._until_resumed()

    def _wait(self) -> Finished | Stop:
        interrupted = False
        while True:
            try:
                return self.session.next_event()
            except KeyboardInterrupt:
                if interrupted or self.session.detached:
                    self.presenter.message("quitting: cancelling the run")
                    self.cancel()
                    self.session.detach()
                else:
                    interrupted = True
                    self.presenter.message("interrupting: the script stops at its next statement")
                    self.session.interrupt()

    def _read(self) -> str | None:
        try:
            line = self.source.next_line()
        except KeyboardInterrupt:
            self.presenter.message("(type quit to end the session)")
            return ""
        if line is None:
            return None
        if not self.source.interactive:
            self.presenter.echo(line)
        if line.strip() == "" and self.source.interactive:
            return self._last
        self._last = line
        return line

    def _before_start(self, line: str) -> bool:
        """A command before the run: True when it was quit."""
        word, _, rest = line.strip().partition(" ")
        if word in ("q", "quit", "exit"):
            return True
        if word in _RESUME:
            self.start(_RESUME[word])
        elif word == "detach":
            self.session.detached = True
            self.start("continue")
        else:
            self._inspect(word, rest.strip())
        return False

    def _until_resumed(self) -> None:
        while self.session.current is not None:
            line = self._read()
            if line is None:
                self.presenter.message("commands ended: running to the end without stopping")
                self.session.detach()
                return
            word, _, rest = line.strip().partition(" ")
            if word in _RESUME:
                self.session.resume(_RESUME[word])
            elif word == "detach":
                self.session.detach()
            elif word in ("q", "quit", "exit"):
                self.presenter.message("quitting: cancelling the run")
                self.cancel()
                self.session.detach(abort=True)
            else:
                self._inspect(word, rest.strip())

    # -- commands that do not resume ----------------------------------------------------------
    def _inspect(self, word: str, rest: str) -> None:
        handler = self._handlers().get(word)
        if handler is None:
            if word:
                self.presenter.error(f"unknown command {word!r}; type help")
            return
        try:
            handler(rest)
        except DebuggerError as exc:
            self.presenter.error(str(exc))

    def _handlers(self) -> dict[str, Callable[[str], None]]:
        table: dict[str, Callable[[str], None]] = {
            "break": self._break,
            "delete": self._delete,
            "breakpoints": lambda _: self._list_breakpoints(),
            "info": self._info,
            "catch": self._catch,
            "print": lambda rest: self._print(rest, full=False),
            "x": lambda rest: self._print(rest, full=True),
            "locals": lambda _: self._locals(),
            "backtrace": lambda _: self.presenter.backtrace(self._stop(), self.session.selected_frame),
            "frame": self._frame,
            "up": lambda _: self._select(self.session.selected_frame + 1),
            "down": lambda _: self._select(self.session.selected_frame - 1),
            "list": self._list,
            "host": lambda _: self.presenter.host_call(self._stop().host_call),
            "help": lambda _: self.presenter.message(HELP),
        }
        aliases = {"b": "break", "d": "delete", "p": "print", "bt": "backtrace", "where": "backtrace"}
        aliases.update({"f": "frame", "l": "list", "h": "help", "?": "help", "bl": "breakpoints"})
        table.update({alias: table[name] for alias, name in aliases.items()})
        return table

    def _stop(self) -> Stop:
        stop = self.session.current
        if stop is None:
            raise DebuggerError("the script is not running yet: break, catch, then continue or step")
        return stop

    def _break(self, rest: str) -> None:
        spec, _, condition = rest.partition(" if ")
        if not spec.strip():
            stop = self._stop()
            spec = str(stop.line)
        point = self.session.add_breakpoint(spec.strip(), condition.strip() or None)
        line = self.session.breakpoint_line(point)
        where = f"at {self.session.map.script_name}:{line}" if line else f"when USBMon calls {point.entry}"
        self.presenter.message(f"breakpoint {point.number} {where}")

    def _delete(self, rest: str) -> None:
        if rest and not rest.isdigit():
            raise DebuggerError(f"delete takes a breakpoint number, not {rest!r}")
        self.session.delete_breakpoint(int(rest) if rest else None)

    def _list_breakpoints(self) -> None:
        lines = {p.number: self.session.breakpoint_line(p) for p in self.session.breakpoints}
        self.presenter.breakpoints(self.session.breakpoints, lines)

    def _info(self, rest: str) -> None:
        if rest.startswith("b"):
            self._list_breakpoints()
        elif rest.startswith("l"):
            self._locals()
        elif rest.startswith("f") or rest.startswith("s"):
            self.presenter.backtrace(self._stop(), self.session.selected_frame)
        else:
            raise DebuggerError("info breakpoints | locals | frame")

    def _catch(self, rest: str) -> None:
        if rest not in ("uncaught", "all", "none"):
            raise DebuggerError("catch uncaught | all | none")
        self.session.exceptions = rest  # type: ignore[assignment]
        self.presenter.message(f"exceptions that stop the script: {rest}")

    def _print(self, expression: str, *, full: bool) -> None:
        if not expression:
            raise DebuggerError("print what? e.g. print printData.length")
        self._stop()
        self.presenter.value(expression, self.session.evaluate(expression), full=full)

    def _locals(self) -> None:
        stop = self._stop()
        frame = stop.frames[self.session.selected_frame]
        self.presenter.locals(frame, self.session.locals())

    def _frame(self, rest: str) -> None:
        if not rest.isdigit():
            raise DebuggerError("frame N (0 is the innermost; see backtrace)")
        self._select(int(rest))

    def _select(self, index: int) -> None:
        stop = self._stop()
        if not 0 <= index < len(stop.frames):
            raise DebuggerError(f"no frame {index}: the stack has frames 0 to {len(stop.frames) - 1}")
        self.session.selected_frame = index
        frame = stop.frames[index]
        self.presenter.message(f"#{index}  {frame.function} ({self.session.map.script_name}:{frame.line})")

    def _list(self, rest: str) -> None:
        if rest:
            try:
                center = int(shlex.split(rest)[0].rsplit(":", 1)[-1])
            except ValueError:
                raise DebuggerError(f"list takes a line number, not {rest!r}") from None
            current = None
        else:
            stop = self._stop()
            center = stop.frames[self.session.selected_frame].line
            current = center
        marked = {
            line
            for line in (self.session.breakpoint_line(p) for p in self.session.breakpoints)
            if line is not None
        }
        self.presenter.source(center - 5, center + 5, current, marked)
