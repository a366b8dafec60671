"""What host object (or array, or string) an expression holds, as far as one can tell statically.

Entry-point parameters are typed by position (spec §1). From there types follow simple aliases
(`var bag = ctx.JobPropertyBag;`), member results whose type the COM classes declare
(`GetReadStream` → stream, `TemporaryStreams[0]` → sequential stream, `Read` → bytes), and
helper functions called only directly by name (a helper's parameter gets a type when every call
passes the same one). Variables are typed flow-insensitively: a variable has a type only when
every value assigned to it has that type (`null`/`undefined` aside). Anything unsure is unknown
(None), and rules only report on known types, so an unknown never causes a finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from esprima.nodes import Node

from usbmon_js.lint import host_types as ht
from usbmon_js.lint.entry_points import EntryPoint
from usbmon_js.lint.host_types import ArrayT, HostT, JsType
from usbmon_js.lint.jsast import is_function, member_name, walk_function_body
from usbmon_js.lint.scopes import Reference, ScopeAnalysis

_MAX_ROUNDS = 50


class _Bottom:
    """Not known yet: the optimistic start of the fixed-point iteration."""

    def __repr__(self) -> str:
        return "BOTTOM"


BOTTOM: Any = _Bottom()
_NEUTRAL = (ht.NULL, ht.UNDEFINED)  # `var x = null; x = stream;` is still a stream
Key = tuple[Any, ...]

_ARRAY_SAME = frozenset({"slice", "concat", "splice", "reverse", "sort", "filter"})
_ARRAY_NUMBER = frozenset({"indexOf", "lastIndexOf", "push", "unshift"})
_STRING_STRING = frozenset(
    {"charAt", "substr", "substring", "slice", "toUpperCase", "toLowerCase", "replace", "trim", "concat"}
)
_STRING_NUMBER = frozenset({"charCodeAt", "indexOf", "lastIndexOf", "search"})
_GLOBAL_CALLS: dict[str, JsType] = {
    "String": ht.STRING,
    "Number": ht.NUMBER,
    "parseInt": ht.NUMBER,
    "parseFloat": ht.NUMBER,
    "Boolean": ht.BOOLEAN,
    "isNaN": ht.BOOLEAN,
    "isFinite": ht.BOOLEAN,
    "Array": ArrayT(None),
}
_STATIC_CALLS: dict[tuple[str, str], JsType] = {
    ("String", "fromCharCode"): ht.STRING,
    ("JSON", "stringify"): ht.STRING,
    ("Date", "now"): ht.NUMBER,
}


def join(a: Any, b: Any) -> Any:
    """Least upper bound: BOTTOM < a type < None (unknown); arrays of different things stay arrays."""
    if a is BOTTOM or (a in _NEUTRAL and b is not None):
        return b
    if b is BOTTOM or (b in _NEUTRAL and a is not None):
        return a
    if a == b:
        return a
    if isinstance(a, ArrayT) and isinstance(b, ArrayT):
        return ArrayT(None)
    return None


def join_all(types: Iterable[Any]) -> Any:
    result: Any = BOTTOM
    for t in types:
        result = join(result, t)
        if result is None:
            break
    return result


class TypeInference:
    """Solves the types of every variable, helper parameter and helper result of a script."""

    def __init__(self, scopes: ScopeAnalysis, entries: list[EntryPoint]) -> None:
        self.scopes = scopes
        self.refs: dict[int, Reference] = {id(ref.node): ref for ref in scopes.references}
        self._sources: dict[Key, list[tuple[str, Node | None]]] = {}
        self._seeds: dict[Key, Any] = {}  # parameters: what callers pass
        self._entry_seeds: dict[Key, Any] = {}
        self._helpers: dict[int, tuple[Node, list[Node]]] = {}  # helper → (function, its direct calls)
        self._callee_helper: dict[int, int] = {}  # id(callee identifier) → helper it calls
        self._returns: dict[int, list[Node | None]] = {}
        self.vars: dict[Key, Any] = {}
        self.results: dict[int, Any] = {}
        self._memo: dict[int, Any] = {}
        self._collect(entries)
        self._solve()

    # -- public ---------------------------------------------------------------------------
    def type_of(self, node: Node | None) -> JsType | None:
        """The expression's type, or None when unknown."""
        if node is None:
            return None
        found = self._memo.get(id(node), BOTTOM)
        if found is BOTTOM:
            found = self._type(node)
            self._memo[id(node)] = found
        return None if found is BOTTOM else found

    def is_free_global(self, node: Node, name: str | None = None) -> bool:
        """Is `node` an identifier naming a global the script neither declares nor assigns?"""
        if node.type != "Identifier" or (name is not None and node.name != name):
            return False
        ref = self.refs.get(id(node))
        return ref is not None and ref.is_free and not self.scopes.defines_global(ref.name)

    # -- collecting -----------------------------------------------------------------------
    def _key(self, ref: Reference) -> Key:
        if ref.resolved is None:
            return ("free", id(ref.function), ref.name)
        return (id(ref.resolved), ref.name)

    def _collect(self, entries: list[EntryPoint]) -> None:
        for ref in self.scopes.references:
            if ref.write:
                self._sources.setdefault(self._key(ref), []).append(self._source(ref))
        entry_functions = {id(entry.function): entry for entry in entries}
        for function in self._functions():
            scope = self.scopes.scope_for(function)
            self._returns[id(function)] = self._return_values(function)
            entry = entry_functions.get(id(function))
            for index, param in enumerate(function.params):
                if param.type != "Identifier":
                    continue
                key = (id(scope), param.name)
                if entry is not None:
                    params = entry.signature.params
                    self._entry_seeds[key] = params[index][1] if index < len(params) else ht.UNDEFINED
                else:
                    self._seeds[key] = None
        self._find_helpers(entry_functions)

    def _functions(self) -> list[Node]:
        return [scope.node for scope in self.scopes.scopes.values() if scope.kind == "function"]

    def _source(self, ref: Reference) -> tuple[str, Node | None]:
        parent = self.scopes.parent(ref.node)
        if parent is None:
            return ("top", None)
        if parent.type == "VariableDeclarator" and parent.id is ref.node:
            if parent.init is not None:
                return ("expr", parent.init)
            holder = self.scopes.parent(self.scopes.parent(parent) or parent)
            return (
                ("string", None) if holder is not None and holder.type == "ForInStatement" else ("top", None)
            )
        if parent.type == "AssignmentExpression" and parent.left is ref.node:
            return ("expr", parent.right) if parent.operator == "=" else ("compound", parent)
        if parent.type == "UpdateExpression":
            return ("number", None)
        if parent.type == "ForInStatement" and parent.left is ref.node:
            return ("string", None)
        return ("top", None)

    def _return_values(self, function: Node) -> list[Node | None]:
        if function.body is not None and function.body.type != "BlockStatement":
            return [function.body]  # an arrow function's expression body
        return [node.argument for node in walk_function_body(function) if node.type == "ReturnStatement"]

    def _find_helpers(self, entry_functions: dict[int, EntryPoint]) -> None:
        """Functions bound to a name that is only ever called directly: their callers type their params."""
        definitions: dict[Key, list[Node]] = {}
        for function in self._functions():
            holder = self.scopes.parent(function)
            if function.type == "FunctionDeclaration" and function.id is not None:
                name, where = function.id.name, self.scopes.function_of(function)
            elif (
                holder is not None and holder.type == "VariableDeclarator" and holder.id.type == "Identifier"
            ):
                name, where = holder.id.name, self.scopes.function_of(holder)
            else:
                continue
            scope = self.scopes.resolve(name, self.scopes.scope_for(where))
            if scope is not None:
                definitions.setdefault((id(scope), name), []).append(function)
        uses: dict[Key, list[Reference]] = {}
        for ref in self.scopes.references:
            if ref.resolved is not None:
                uses.setdefault((id(ref.resolved), ref.name), []).append(ref)
        for key, functions in definitions.items():
            if len(functions) != 1 or id(functions[0]) in entry_functions:
                continue
            function = functions[0]
            calls = []
            for ref in uses.get(key, []):
                parent = self.scopes.parent(ref.node)
                if ref.write and parent is not None and parent.init is function:
                    continue  # the definition `var f = function…` itself
                if (
                    ref.write
                    or parent is None
                    or parent.type != "CallExpression"
                    or parent.callee is not ref.node
                ):
                    break
                calls.append(parent)
            else:
                self._helpers[id(function)] = (function, calls)
                self._callee_helper.update((id(call.callee), id(function)) for call in calls)

    # -- solving --------------------------------------------------------------------------
    def _solve(self) -> None:
        self.vars = {key: BOTTOM for key in self._sources}
        for key in self._seeds:
            self.vars.setdefault(key, BOTTOM)
        for key in self._entry_seeds:
            self.vars.setdefault(key, BOTTOM)
        self.results = {fid: BOTTOM for fid in self._returns}
        for _ in range(_MAX_ROUNDS):
            self._memo.clear()
            seeds = dict(self._seeds)
            for function, calls in self._helpers.values():
                scope = self.scopes.scope_for(function)
                for index, param in enumerate(function.params):
                    if param.type == "Identifier":
                        seeds[(id(scope), param.name)] = join_all(
                            self._argument_type(call, index) for call in calls
                        )
            new_vars = {}
            for key in self.vars:
                parts = [self._source_type(source) for source in self._sources.get(key, [])]
                if key in self._entry_seeds:
                    parts.append(self._entry_seeds[key])
                elif key in seeds:
                    parts.append(seeds[key])
                new_vars[key] = join_all(parts)
            new_results = {
                fid: join_all(ht.UNDEFINED if value is None else self._type(value) for value in values)
                for fid, values in self._returns.items()
            }
            if new_vars == self.vars and new_results == self.results:
                break
            self.vars, self.results = new_vars, new_results
        self._memo.clear()

    def _argument_type(self, call: Node, index: int) -> Any:
        args = call.arguments
        if any(arg.type == "SpreadElement" for arg in args[: index + 1]):
            return None
        return self._type(args[index]) if index < len(args) else ht.UNDEFINED

    def _source_type(self, source: tuple[str, Node | None]) -> Any:
        kind, node = source
        if kind == "expr":
            return self._type(node)
        if kind == "compound":
            assert node is not None
            if node.operator != "+=":
                return ht.NUMBER
            right = self._type(node.right)
            return ht.STRING if right == ht.STRING else (None if right is None else BOTTOM)
        return {"number": ht.NUMBER, "string": ht.STRING}.get(kind)

    # -- expressions ----------------------------------------------------------------------
    def _type(self, node: Node | None) -> Any:
        if node is None:
            return None
        cached = self._memo.get(id(node), BOTTOM)
        if cached is not BOTTOM:
            return cached
        result = self._compute(node)
        if result is not BOTTOM:
            self._memo[id(node)] = result
        return result

    def _compute(self, node: Node) -> Any:
        kind = node.type
        if kind == "Literal":
            return _literal_type(node)
        if kind == "TemplateLiteral":
            return ht.STRING
        if kind == "Identifier":
            return self._identifier(node)
        if kind == "ObjectExpression":
            return ht.OBJECT
        if kind == "ArrayExpression":
            elements = [self._type(e) if e.type != "SpreadElement" else None for e in node.elements if e]
            element = join_all(elements)
            return ArrayT(None if element is BOTTOM else element)
        if kind == "UnaryExpression":
            return {"typeof": ht.STRING, "!": ht.BOOLEAN, "delete": ht.BOOLEAN, "void": ht.UNDEFINED}.get(
                node.operator, ht.NUMBER
            )
        if kind == "UpdateExpression":
            return ht.NUMBER
        if kind == "BinaryExpression":
            return self._binary(node.operator, node.left, node.right)
        if kind == "LogicalExpression":
            return join(self._type(node.left), self._type(node.right))
        if kind == "ConditionalExpression":
            return join(self._type(node.consequent), self._type(node.alternate))
        if kind == "AssignmentExpression":
            if node.operator == "=":
                return self._type(node.right)
            return self._binary(node.operator[:-1], node.left, node.right)
        if kind == "SequenceExpression":
            return self._type(node.expressions[-1])
        if kind == "MemberExpression":
            return self._member(node)
        if kind == "CallExpression":
            return self._call(node)
        if kind == "NewExpression":
            return ArrayT(None) if self.is_free_global(node.callee, "Array") else None
        return None

    def _identifier(self, node: Node) -> Any:
        ref = self.refs.get(id(node))
        if ref is None:
            return None
        if ref.is_free and not self.scopes.defines_global(ref.name):
            return {"undefined": ht.UNDEFINED, "NaN": ht.NUMBER, "Infinity": ht.NUMBER}.get(ref.name)
        return self.vars.get(self._key(ref), BOTTOM)

    def _binary(self, operator: str, left: Node, right: Node) -> Any:
        if operator in ("==", "!=", "===", "!==", "<", ">", "<=", ">=", "in", "instanceof"):
            return ht.BOOLEAN
        if operator != "+":
            return ht.NUMBER
        a, b = self._type(left), self._type(right)
        if ht.STRING in (a, b):
            return ht.STRING
        if a is None or b is None or isinstance(a, ArrayT | HostT) or isinstance(b, ArrayT | HostT):
            return None
        if a is BOTTOM or b is BOTTOM:
            return BOTTOM
        return ht.NUMBER

    def _member(self, node: Node) -> Any:
        receiver = self._type(node.object)
        if receiver is BOTTOM:
            return BOTTOM
        name = member_name(node)
        if isinstance(receiver, HostT):
            iface = ht.interface(receiver)
            member = iface.lookup(name) if iface is not None and name is not None else None
            return member.result if member is not None and not member.is_method else None
        if isinstance(receiver, ArrayT):
            if name == "length":
                return ht.NUMBER
            return receiver.element if node.computed and name is None else None
        if receiver == ht.STRING:
            if name == "length":
                return ht.NUMBER
            return ht.STRING if node.computed and name is None else None
        return None

    def _call(self, node: Node) -> Any:
        callee = node.callee
        if callee.type == "Identifier":
            if self.is_free_global(callee) and callee.name in _GLOBAL_CALLS:
                return _GLOBAL_CALLS[callee.name]
            return self._helper_result(callee)
        if is_function(callee):
            return None
        name = member_name(callee)
        if callee.type != "MemberExpression" or name is None:
            return None
        if callee.object.type == "Identifier" and self.is_free_global(callee.object):
            if callee.object.name == "Math":
                return ht.NUMBER
            return _STATIC_CALLS.get((callee.object.name, name))
        if name in ("toString", "toFixed", "toPrecision", "toExponential"):
            return ht.STRING
        receiver = self._type(callee.object)
        if receiver is BOTTOM:
            return BOTTOM
        if isinstance(receiver, HostT):
            iface = ht.interface(receiver)
            member = iface.lookup(name) if iface is not None else None
            return member.result if member is not None and member.is_method else None
        if isinstance(receiver, ArrayT):
            if name in _ARRAY_SAME:
                return receiver
            if name == "join":
                return ht.STRING
            if name in ("shift", "pop"):
                return receiver.element
            return ht.NUMBER if name in _ARRAY_NUMBER else None
        if receiver == ht.STRING:
            if name in _STRING_STRING:
                return ht.STRING
            if name in _STRING_NUMBER:
                return ht.NUMBER
            if name == "split":
                return ArrayT(ht.STRING)
        return None

    def _helper_result(self, callee: Node) -> Any:
        fid = self._callee_helper.get(id(callee))
        return None if fid is None else self.results.get(fid)


def _literal_type(node: Node) -> Any:
    value = node.value
    if node.regex is not None:
        return None
    if isinstance(value, bool):
        return ht.BOOLEAN
    if isinstance(value, int | float):
        return ht.NUMBER
    if isinstance(value, str):
        return ht.STRING
    if value is None:
        return ht.NULL
    return None
