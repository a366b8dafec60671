"""Rewriting a driver script so it reports its own progress: the debugger's and coverage's eyes.

QuickJS has no debugger protocol, so the script itself is made to call the probe (probe.js)
before every statement, on every function entry and on every branch decision. The rewrite only
inserts text, never a newline, so every line of the instrumented script is the same line of the
vendor's file; the inserted lengths are kept so columns can be mapped back too.

`coverage` mode inserts counters only. `debug` mode also keeps a shadow call stack with one
scope reader per function call (a closure doing a direct `eval`, which is how the debugger reads
locals and evaluates expressions in the paused frame) and reports exceptions leaving a function.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import Literal

import esprima
from esprima.nodes import Node

from usbmon_js.debugging.probe_map import PROGRAM, BranchPoint, FunctionInfo, ProbeMap, Statement
from usbmon_js.errors import BadInput
from usbmon_js.lint.jsast import children, is_function, member_name, pattern_names, walk_own

Mode = Literal["coverage", "debug"]

# The probe's entry points as the instrumented text calls them (probe.js defines them).
STATEMENT = "__usbmon_s"  # (statement id): before every statement
ENTER = "__usbmon_f"  # (function id): a call began (coverage only)
PUSH = "__usbmon_p"  # (function id, scope reader): a call began (debug: pushes a frame)
LEAVE = "__usbmon_l"  # (): a call ended, however it ended
THROWN = "__usbmon_t"  # (exception): an exception is leaving a function
CAUGHT = "__usbmon_c"  # (scope reader, exception): a catch clause began
TRUTH = "__usbmon_b"  # (arm slot, value): a branch test; counts slot (truthy) or slot + 1, returns value
ARM = "__usbmon_k"  # (arm slot): a switch case was entered
READER = "function(__usbmon_e){return eval(__usbmon_e)}"

_UNHOOKED = frozenset({"FunctionDeclaration", "EmptyStatement"})
_LOOPS = frozenset({"WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement"})
_ARMS = {"if": ("then", "else"), "?:": ("then", "else"), "&&": ("right side", "short-circuit")}
_ARMS["||"] = ("short-circuit", "right side")


class InstrumentationError(BadInput):
    """The script cannot be instrumented (esprima, ES2017, cannot parse it)."""


@dataclass(frozen=True)
class InstrumentedScript:
    source: str
    map: ProbeMap
    mode: Mode


@dataclass(frozen=True)
class _Where:
    """Where the visitor is: the function, the catch names in scope, the nesting depth."""

    function: int
    depth: int
    catch_names: tuple[str, ...] = ()

    def down(self) -> _Where:
        return _Where(self.function, self.depth + 1, self.catch_names)


def instrument(source: str, script_name: str, mode: Mode) -> InstrumentedScript:
    try:
        program = esprima.parseScript(source, {"range": True, "loc": True})
    except esprima.Error as exc:
        line = getattr(exc, "lineNumber", None)
        column = getattr(exc, "column", None)
        where = f"{script_name}:{line}:{column}" if line else script_name
        message = str(exc).split(": ", 1)[-1]
        raise InstrumentationError(
            f"{where}: cannot instrument the script for debugging or coverage: esprima (ES2017) "
            f"cannot parse it: {message}"
        ) from None
    except RecursionError:
        raise InstrumentationError(
            f"{script_name}: cannot instrument the script: it is nested too deeply to parse"
        ) from None
    rewriter = _Rewriter(source, script_name, mode)
    try:
        rewriter.program(program)
    except RecursionError:
        raise InstrumentationError(
            f"{script_name}: cannot instrument the script: it is nested too deeply"
        ) from None
    return InstrumentedScript(rewriter.text(), rewriter.map, mode)


class _Rewriter:
    def __init__(self, source: str, script_name: str, mode: Mode) -> None:
        self.source = source
        self.debug = mode == "debug"
        self.map = ProbeMap(script_name, source.split("\n"))
        self._inserts: list[tuple[tuple[int, int, int, int, int], str]] = []
        self._order = itertools.count()
        self._line_starts = [0] + [i + 1 for i, char in enumerate(source) if char == "\n"]

    # -- the edit list ---------------------------------------------------------------------
    def _insert(self, offset: int, text: str, depth: int, *, closing: bool = False, sub: int = 0) -> None:
        """Openings at one offset go outermost first; closings innermost first, before openings."""
        nest = -depth if closing else depth
        key = (offset, 0 if closing else 1, nest, sub, next(self._order))
        self._inserts.append((key, text))

    def text(self) -> str:
        parts: list[str] = []
        done = 0
        for (offset, *_), text in sorted(self._inserts):
            parts.append(self.source[done:offset])
            parts.append(text)
            done = offset
            line = bisect.bisect_right(self._line_starts, offset)
            column = offset - self._line_starts[line - 1]
            self.map.insertions.setdefault(line, []).append((column, len(text)))
        parts.append(self.source[done:])
        return "".join(parts)

    # -- statements ------------------------------------------------------------------------
    def program(self, program: Node) -> None:
        self.map.functions.append(
            FunctionInfo(PROGRAM, "<top level>", 1, len(self.map.lines), _declared(program.body, ()))
        )
        self._statements(program.body, _Where(PROGRAM, 0))

    def _statements(self, body: list[Node], where: _Where) -> None:
        for statement in body:
            if _hookable(statement):
                self._hook(statement, where)
            self._visit(statement, where.down())

    def _single(self, statement: Node | None, where: _Where) -> None:
        """A statement where the grammar takes exactly one (a loop body, an if arm): braced."""
        if statement is None:
            return
        if statement.type == "BlockStatement" or not _hookable(statement):
            self._visit(statement, where)
            return
        self._insert(statement.range[0], "{", where.depth)
        self._hook(statement, where)
        self._visit(statement, where.down())
        self._insert(statement.range[1], "}", where.depth, closing=True)

    def _hook(self, statement: Node, where: _Where) -> None:
        sid = len(self.map.statements)
        start = statement.loc.start
        self.map.statements.append(
            Statement(sid, start.line, start.column, where.function, statement.type == "DebuggerStatement")
        )
        if where.catch_names:
            self.map.scope_names[sid] = where.catch_names
        self._insert(statement.range[0], f"{STATEMENT}({sid});", where.depth, sub=1)

    # -- the tree --------------------------------------------------------------------------
    def _visit(self, node: Node, where: _Where, name: str | None = None) -> None:
        kind = node.type
        if is_function(node):
            self._function(node, where, name)
        elif kind == "BlockStatement":
            self._statements(node.body, where.down())
        elif kind == "IfStatement":
            self._branch(node.test, "if", where)
            self._visit(node.test, where.down())
            self._single(node.consequent, where.down())
            self._single(node.alternate, where.down())
        elif kind in _LOOPS:
            for field, child in children(node):
                if field != "body":
                    self._visit(child, where.down())
            self._single(node.body, where.down())
        elif kind == "LabeledStatement":
            body = node.body
            if body.type in _LOOPS or body.type == "BlockStatement":
                self._visit(body, where.down())
            else:
                self._single(body, where.down())
        elif kind == "SwitchStatement":
            self._switch(node, where)
        elif kind == "CatchClause":
            self._catch(node, where)
        elif kind == "ConditionalExpression":
            self._branch(node.test, "?:", where)
            self._visit_children(node, where)
        elif kind == "LogicalExpression":
            self._branch(node.left, node.operator, where)
            self._visit_children(node, where)
        elif kind == "VariableDeclarator":
            self._visit_children(node, where, _identifier(node.id))
        elif kind == "AssignmentExpression":
            target = node.left
            self._visit_children(node, where, _identifier(target) or member_name(target))
        elif kind in ("Property", "MethodDefinition"):
            self._visit_children(node, where, _key_name(node))
        else:
            self._visit_children(node, where)

    def _visit_children(self, node: Node, where: _Where, name: str | None = None) -> None:
        for _, child in children(node):
            self._visit(child, where.down(), name if is_function(child) else None)

    def _branch(self, test: Node, kind: str, where: _Where) -> None:
        arms = _ARMS[kind]
        self.map.branches.append(
            BranchPoint(len(self.map.branches), test.loc.start.line, kind, self.map.arm_count, arms)
        )
        depth = where.depth + 1
        self._insert(test.range[0], f"{TRUTH}({self.map.arm_count},(", depth)
        self._insert(test.range[1], "))", depth, closing=True)
        self.map.arm_count += len(arms)

    def _switch(self, node: Node, where: _Where) -> None:
        self._visit(node.discriminant, where.down())
        cases = node.cases
        labels = tuple("default" if case.test is None else f"case {i + 1}" for i, case in enumerate(cases))
        if cases:
            first = self.map.arm_count
            self.map.branches.append(
                BranchPoint(len(self.map.branches), node.loc.start.line, "switch", first, labels)
            )
            self.map.arm_count += len(cases)
            for index, case in enumerate(cases):
                at = case.consequent[0].range[0] if case.consequent else case.range[1]
                self._insert(at, f"{ARM}({first + index});", where.depth + 1)
        for case in cases:
            if case.test is not None:
                self._visit(case.test, where.down())
            self._statements(case.consequent, where.down().down())

    def _catch(self, node: Node, where: _Where) -> None:
        names = tuple(p.name for p in pattern_names(node.param))
        inner = _Where(where.function, where.depth + 1, (*where.catch_names, *names))
        body = node.body
        if self.debug and node.param is not None and node.param.type == "Identifier":
            reader = f"{CAUGHT}({READER},{node.param.name});"
            self._insert(body.range[0] + 1, reader, inner.depth)
        self._statements(body.body, inner.down())

    def _function(self, node: Node, where: _Where, name: str | None) -> None:
        fid = len(self.map.functions)
        shown = node.id.name if node.id is not None else name or "<anonymous>"
        body = node.body
        own = body.body if body.type == "BlockStatement" else []
        params = tuple(n.name for p in node.params for n in pattern_names(p))
        self.map.functions.append(
            FunctionInfo(fid, shown, node.loc.start.line, node.loc.end.line, _declared(own, params))
        )
        inner = _Where(fid, where.depth + 1)
        for param in node.params:
            self._visit(param, inner)
        if body.type != "BlockStatement":  # an arrow function's expression body
            self._visit(body, inner)
            return
        directives = list(itertools.takewhile(lambda s: s.directive is not None, own))
        at = directives[-1].range[1] if directives else body.range[0] + 1
        if self.debug and not node.generator and not node.isAsync:
            self._insert(at, f"try{{{PUSH}({fid},{READER});", inner.depth)
            epilogue = f"}}catch(__usbmon_x){{{THROWN}(__usbmon_x);throw __usbmon_x}}finally{{{LEAVE}()}}"
            self._insert(body.range[1] - 1, epilogue, inner.depth, closing=True)
        else:
            self._insert(at, f"{ENTER}({fid});", inner.depth)
        self._statements(own[len(directives) :], inner)


def _hookable(statement: Node) -> bool:
    if statement.type in _UNHOOKED:
        return False
    return not (statement.type == "ExpressionStatement" and statement.directive is not None)


def _identifier(node: Node | None) -> str | None:
    return str(node.name) if node is not None and node.type == "Identifier" else None


def _key_name(node: Node) -> str | None:
    key = node.key
    if key.type == "Identifier" and not node.computed:
        return str(key.name)
    return str(key.value) if key.type == "Literal" else None


def _declared(body: list[Node], params: tuple[str, ...]) -> tuple[str, ...]:
    """Names a function body (or the top level) declares: parameters, `var`s, functions, own `let`s."""
    names = list(params)
    top = {id(statement) for statement in body}
    for statement in body:
        for node in walk_own(statement):
            if node.type == "VariableDeclaration" and (node.kind == "var" or id(node) in top):
                names += [n.name for d in node.declarations for n in pattern_names(d.id)]
            elif node.type in ("FunctionDeclaration", "ClassDeclaration") and node.id is not None:
                names.append(node.id.name)
    return tuple(dict.fromkeys(names))
