"""What the instrumenter knows about a script: its statements, functions and branches by id.

The instrumented script reports statement, function and branch-arm ids; this map turns them back
into the vendor's file and lines, and instrumented columns back into original ones, so every
location the debugger, the coverage reports and error stacks show is one in the original file.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field

PROGRAM = 0  # function id of the script's top level


@dataclass(frozen=True)
class Statement:
    id: int
    line: int
    column: int  # 0-based, as esprima counts
    function: int
    debugger: bool = False  # a `debugger;` statement: always a breakpoint under the debugger


@dataclass(frozen=True)
class FunctionInfo:
    id: int
    name: str
    line: int
    end_line: int
    names: tuple[str, ...]  # parameters and declarations visible in its body


@dataclass(frozen=True)
class BranchPoint:
    """A place where control takes one of several arms; arm counters are `slot`, `slot + 1`, …"""

    id: int
    line: int
    kind: str  # "if", "?:", "&&", "||", "switch"
    slot: int
    arms: tuple[str, ...]


@dataclass
class ProbeMap:
    script_name: str
    lines: list[str]
    statements: list[Statement] = field(default_factory=list)
    functions: list[FunctionInfo] = field(default_factory=list)
    branches: list[BranchPoint] = field(default_factory=list)
    arm_count: int = 0
    scope_names: dict[int, tuple[str, ...]] = field(default_factory=dict)  # statement → catch names
    insertions: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # line → (col, length)

    # -- positions -----------------------------------------------------------------------
    def original_column(self, line: int, column: int) -> int:
        """Map a 1-based column of the instrumented text back to the vendor's file."""
        x = column - 1
        shift = 0
        for at, length in self.insertions.get(line, ()):
            if x < at + shift:
                break
            if x < at + shift + length:
                return at + 1
            shift += length
        return x - shift + 1

    # -- breakpoints ---------------------------------------------------------------------
    def first_statement_on_or_after(self, line: int) -> Statement | None:
        """Where a breakpoint on `line` stops: its first statement, or the next line that has one."""
        starts = [s.line for s in self.statements_by_line]
        index = bisect.bisect_left(starts, line)
        return self.statements_by_line[index] if index < len(starts) else None

    @functools.cached_property
    def statements_by_line(self) -> list[Statement]:
        """Made once the instrumenter is done adding statements."""
        return sorted(self.statements, key=lambda s: (s.line, s.column))

    def functions_named(self, name: str) -> list[FunctionInfo]:
        return [f for f in self.functions if f.name == name and f.id != PROGRAM]

    def first_statement_of(self, function: FunctionInfo) -> Statement | None:
        own = [s for s in self.statements_by_line if s.function == function.id]
        return own[0] if own else None

    # -- scopes --------------------------------------------------------------------------
    def visible_names(self, statement_id: int | None, function_id: int) -> tuple[str, ...]:
        names = self.functions[function_id].names
        extra = self.scope_names.get(statement_id, ()) if statement_id is not None else ()
        return tuple(dict.fromkeys((*names, *extra)))

    def function_of(self, function_id: int) -> FunctionInfo:
        return self.functions[function_id]
