"""Small helpers over esprima's ESTree nodes: children in source order, parents, names.

esprima's Python port gives nodes as attribute objects (missing attributes read as None) with
0-based `loc` columns. Everything the rules need about the tree's shape lives here so the
rules read like the JavaScript they look for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from esprima.nodes import Node

FUNCTION_TYPES = frozenset({"FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"})
LOOP_TYPES = frozenset(
    {"WhileStatement", "DoWhileStatement", "ForStatement", "ForInStatement", "ForOfStatement"}
)
_SKIP_FIELDS = frozenset({"type", "loc", "range"})


def is_node(value: Any) -> bool:
    return isinstance(value, Node)


def is_function(node: Any) -> bool:
    return is_node(node) and node.type in FUNCTION_TYPES


def children(node: Node) -> Iterator[tuple[str, Node]]:
    """(field, child) pairs in the order esprima built them, which follows the source."""
    for field, value in vars(node).items():
        if field in _SKIP_FIELDS:
            continue
        if isinstance(value, Node):
            yield field, value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Node):
                    yield field, item


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node` (itself included), depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed([child for _, child in children(current)]))


def walk_function_body(function: Node) -> Iterator[Node]:
    """Nodes that belong to `function` itself: nested functions are yielded but not entered."""
    for _, child in children(function):
        yield from walk_own(child)


def walk_own(node: Node) -> Iterator[Node]:
    """`node` and everything under it, without entering nested functions (yielded, not entered)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if is_function(current):
            continue
        stack.extend(reversed([child for _, child in children(current)]))


def pattern_names(pattern: Node | None) -> list[Node]:
    """The Identifier nodes a declaration pattern binds (`a`, `{a, b: [c]}`, `...rest`, `x = 1`)."""
    if pattern is None:
        return []
    kind = pattern.type
    if kind == "Identifier":
        return [pattern]
    if kind == "ObjectPattern":
        found: list[Node] = []
        for prop in pattern.properties:
            found += pattern_names(prop.argument if prop.type == "RestElement" else prop.value)
        return found
    if kind == "ArrayPattern":
        return [name for element in pattern.elements for name in pattern_names(element)]
    if kind == "RestElement":
        return pattern_names(pattern.argument)
    if kind == "AssignmentPattern":
        return pattern_names(pattern.left)
    return []


def member_name(node: Node) -> str | None:
    """`obj.Name` or `obj["Name"]` → "Name"; None for computed non-literal keys."""
    if node.type != "MemberExpression":
        return None
    prop = node.property
    if not node.computed and prop.type == "Identifier":
        return str(prop.name)
    if node.computed and prop.type == "Literal" and isinstance(prop.value, str):
        return prop.value
    return None


def string_value(node: Node | None) -> str | None:
    if node is not None and node.type == "Literal" and isinstance(node.value, str):
        return node.value
    return None


def callee_name(call: Node) -> str | None:
    """The member or function name a call goes to: `a.b.Write(x)` → "Write", `f(x)` → "f"."""
    callee = call.callee
    if callee.type == "Identifier":
        return str(callee.name)
    return member_name(callee)
