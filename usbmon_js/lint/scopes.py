"""Which names a script declares where, and what every identifier refers to.

USBMon evaluates a classic sloppy-mode script, so `var` and function declarations are
function-scoped and an assignment to an undeclared name creates a global. The rules need to
know, for each identifier, whether it is a local, a declared global, or a free name (a global
the script never declared: a host global such as `console`, an ES built-in, or an implicit
global). `let`/`const` are already ES5 errors; they are treated as function-scoped here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from esprima.nodes import Node

from usbmon_js.lint.jsast import children, is_function, pattern_names


@dataclass(eq=False)
class Scope:
    """A function's (or the program's, or a catch clause's) own names."""

    node: Node
    parent: Scope | None
    kind: str  # "program" | "function" | "catch"
    declared: set[str] = field(default_factory=set)

    @property
    def is_global(self) -> bool:
        return self.kind == "program"


@dataclass(eq=False)
class Reference:
    """One identifier used as a value or an assignment target."""

    node: Node
    scope: Scope
    resolved: Scope | None  # None: a free (undeclared global) name
    write: bool
    read: bool
    function: Node  # the enclosing function, or the Program

    @property
    def name(self) -> str:
        return str(self.node.name)

    @property
    def is_free(self) -> bool:
        return self.resolved is None


class ScopeAnalysis:
    """Scopes, parents and resolved references of one parsed script."""

    def __init__(self, program: Node) -> None:
        self.program = program
        self.global_scope = Scope(program, None, "program")
        self.scopes: dict[int, Scope] = {id(program): self.global_scope}
        self.parents: dict[int, Node] = {}
        self.functions: dict[int, Node] = {}
        self.references: list[Reference] = []
        self._index(program)
        self._hoist(program, self.global_scope)
        for _, child in children(program):
            self._visit(child, self.global_scope)
        #: free names the script assigns somewhere: globals it creates itself
        self.assigned_globals = {ref.name for ref in self.references if ref.is_free and ref.write}

    # -- queries ------------------------------------------------------------------------
    def parent(self, node: Node) -> Node | None:
        return self.parents.get(id(node))

    def ancestors(self, node: Node) -> Iterator[Node]:
        current = self.parents.get(id(node))
        while current is not None:
            yield current
            current = self.parents.get(id(current))

    def function_of(self, node: Node) -> Node:
        """The innermost function containing `node` (the Program at top level)."""
        return self.functions.get(id(node), self.program)

    def scope_for(self, function: Node) -> Scope:
        return self.scopes[id(function)]

    def resolve(self, name: str, scope: Scope) -> Scope | None:
        current: Scope | None = scope
        while current is not None:
            if name in current.declared:
                return current
            current = current.parent
        return None

    def defines_global(self, name: str) -> bool:
        """Does the script itself provide global `name` (declared, or assigned as an implicit global)?"""
        return name in self.global_scope.declared or name in self.assigned_globals

    def references_in(self, function: Node) -> Iterator[Reference]:
        return (ref for ref in self.references if ref.function is function)

    # -- building -------------------------------------------------------------------------
    def _index(self, program: Node) -> None:
        stack: list[tuple[Node, Node]] = [(program, program)]
        while stack:
            node, function = stack.pop()
            inner = node if is_function(node) else function
            for _, child in children(node):
                self.parents[id(child)] = node
                self.functions[id(child)] = inner
                stack.append((child, inner))

    def _hoist(self, root: Node, scope: Scope) -> None:
        """Declare what `var`, function and class declarations bind in `root`'s function scope."""
        stack = [child for _, child in children(root)]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind == "VariableDeclaration":
                for declarator in node.declarations:
                    scope.declared.update(ident.name for ident in pattern_names(declarator.id))
            elif kind in ("FunctionDeclaration", "ClassDeclaration"):
                if node.id is not None:
                    scope.declared.add(node.id.name)
                if kind == "FunctionDeclaration":
                    continue
            elif kind == "ImportDeclaration":
                scope.declared.update(spec.local.name for spec in node.specifiers)
            if is_function(node):
                continue
            stack.extend(child for _, child in children(node))

    def _function_scope(self, function: Node, outer: Scope) -> Scope:
        scope = Scope(function, outer, "function")
        if function.type == "FunctionExpression" and function.id is not None:
            scope.declared.add(function.id.name)
        if function.type != "ArrowFunctionExpression":
            scope.declared.add("arguments")
        for param in function.params:
            scope.declared.update(ident.name for ident in pattern_names(param))
        if function.body is not None and function.body.type == "BlockStatement":
            self._hoist(function.body, scope)
        self.scopes[id(function)] = scope
        return scope

    def _reference(self, ident: Node, scope: Scope, *, write: bool, read: bool) -> None:
        self.references.append(
            Reference(
                node=ident,
                scope=scope,
                resolved=self.resolve(ident.name, scope),
                write=write,
                read=read,
                function=self.function_of(ident),
            )
        )

    def _visit(self, node: Node | None, scope: Scope) -> None:
        if node is None:
            return
        kind = node.type
        if is_function(node):
            inner = self._function_scope(node, scope)
            for param in node.params:
                self._target(param, inner, declaration=True)
            self._visit(node.body, inner)
        elif kind == "Identifier":
            self._reference(node, scope, write=False, read=True)
        elif kind == "CatchClause":
            catch = Scope(node, scope, "catch")
            if node.param is not None:
                catch.declared.update(ident.name for ident in pattern_names(node.param))
                self._target(node.param, catch, declaration=True)
            self.scopes[id(node)] = catch
            self._visit(node.body, catch)
        elif kind == "MemberExpression":
            self._visit(node.object, scope)
            if node.computed:
                self._visit(node.property, scope)
        elif kind in ("Property", "MethodDefinition"):
            if node.computed:
                self._visit(node.key, scope)
            self._visit(node.value, scope)
        elif kind == "LabeledStatement":
            self._visit(node.body, scope)
        elif kind in ("BreakStatement", "ContinueStatement", "MetaProperty", "ImportDeclaration"):
            return
        elif kind == "VariableDeclarator":
            self._target(node.id, scope, declaration=True)
            if node.init is not None:
                # `var x = expr` writes x: record it so aliases and types can follow it
                for ident in pattern_names(node.id):
                    self._reference(ident, scope, write=True, read=False)
                self._visit(node.init, scope)
        elif kind == "AssignmentExpression":
            compound = node.operator != "="
            self._target(node.left, scope, declaration=False, read=compound)
            self._visit(node.right, scope)
        elif kind == "UpdateExpression":
            self._target(node.argument, scope, declaration=False, read=True)
        elif kind in ("ForInStatement", "ForOfStatement"):
            if node.left.type == "VariableDeclaration":
                self._visit(node.left, scope)
                for declarator in node.left.declarations:
                    for ident in pattern_names(declarator.id):
                        self._reference(ident, scope, write=True, read=False)
            else:
                self._target(node.left, scope, declaration=False)
            self._visit(node.right, scope)
            self._visit(node.body, scope)
        elif kind in ("ClassDeclaration", "ClassExpression"):
            self._visit(node.superClass, scope)
            self._visit(node.body, scope)
        elif kind == "ExportSpecifier":
            return
        else:
            for _, child in children(node):
                self._visit(child, scope)

    def _target(self, pattern: Node | None, scope: Scope, *, declaration: bool, read: bool = False) -> None:
        """An assignment or binding target: identifiers there are written, not read."""
        if pattern is None:
            return
        kind = pattern.type
        if kind == "Identifier":
            if not declaration:
                self._reference(pattern, scope, write=True, read=read)
        elif kind == "ObjectPattern":
            for prop in pattern.properties:
                if prop.type == "RestElement":
                    self._target(prop.argument, scope, declaration=declaration)
                    continue
                if prop.computed:
                    self._visit(prop.key, scope)
                self._target(prop.value, scope, declaration=declaration)
        elif kind == "ArrayPattern":
            for element in pattern.elements:
                self._target(element, scope, declaration=declaration)
        elif kind == "RestElement":
            self._target(pattern.argument, scope, declaration=declaration)
        elif kind == "AssignmentPattern":
            self._target(pattern.left, scope, declaration=declaration)
            self._visit(pattern.right, scope)
        else:  # a member expression target: obj.x = ... reads obj
            self._visit(pattern, scope)
