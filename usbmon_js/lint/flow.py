"""Control flow the rules need: can a statement fall off its end, does a loop ever leave."""

from __future__ import annotations

from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint.jsast import LOOP_TYPES, children, is_function, walk


def completes(node: Node) -> bool:
    """False when every path through `node` returns, throws or loops forever."""
    kind = node.type
    if kind in ("ReturnStatement", "ThrowStatement"):
        return False
    if kind == "BlockStatement":
        return _list_completes(node.body)
    if kind == "IfStatement":
        return node.alternate is None or completes(node.consequent) or completes(node.alternate)
    if kind == "TryStatement":
        if node.finalizer is not None and not completes(node.finalizer):
            return False
        return completes(node.block) or (node.handler is not None and completes(node.handler.body))
    if kind == "SwitchStatement":
        if not any(case.test is None for case in node.cases) or breaks_out(node):
            return True
        return not node.cases or _list_completes(node.cases[-1].consequent)
    if kind in ("WhileStatement", "ForStatement", "DoWhileStatement"):
        endless = is_endless(node)
        if kind == "DoWhileStatement" and not completes(node.body) and not _continues(node):
            return breaks_out(node)
        return breaks_out(node) if endless else True
    if kind == "LabeledStatement":
        return completes(node.body) or _breaks_to(node.body, node.label.name)
    return True


def _list_completes(statements: list[Node]) -> bool:
    return all(completes(statement) for statement in statements)


def breaks_out(target: Node) -> bool:
    """Does an unlabelled `break` inside `target` (a loop or switch) leave it?"""
    return any(node.type == "BreakStatement" and node.label is None for node in _own_jumps(target))


def _continues(target: Node) -> bool:
    return any(node.type == "ContinueStatement" for node in _own_jumps(target))


def _own_jumps(target: Node) -> Iterator[Node]:
    """break/continue statements that belong to `target`, not to a loop or switch nested in it."""
    stack = list(_body_of(target))
    while stack:
        node = stack.pop()
        if is_function(node) or node.type in LOOP_TYPES or node.type == "SwitchStatement":
            continue
        if node.type in ("BreakStatement", "ContinueStatement"):
            yield node
            continue
        stack.extend(child for _, child in children(node))


def _body_of(target: Node) -> list[Node]:
    if target.type == "SwitchStatement":
        return [statement for case in target.cases for statement in case.consequent]
    return [target.body]


def _breaks_to(node: Node, label: str) -> bool:
    return any(
        n.type == "BreakStatement" and n.label is not None and n.label.name == label for n in walk(node)
    )


def is_endless(loop: Node) -> bool:
    """`while (true)`, `for (;;)`, `do … while (1)`: a loop whose condition never ends it."""
    test = loop.test
    return test is None or (test.type == "Literal" and test.regex is None and bool(test.value))


def leaves(loop: Node) -> bool:
    """Can control leave `loop` other than by its condition: break, return, throw, labelled break?"""
    if breaks_out(loop):
        return True
    stack = [loop.body]
    while stack:
        node = stack.pop()
        if is_function(node):
            continue
        if node.type in ("ReturnStatement", "ThrowStatement"):
            return True
        if node.type == "BreakStatement" and node.label is not None:
            return True
        stack.extend(child for _, child in children(node))
    return False
