"""ES2015+ syntax: Windows runs driver scripts in JScript/Chakra at ES5 level (spec §6).

esprima parses ES2017, so newer syntax yields a tree and each construct is reported where it
starts. QuickJS (what usbmon-js runs) accepts all of it, which is exactly why these matter: the
script works here and fails to load on Windows.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from esprima.nodes import Node

from usbmon_js.lint.context import LintContext
from usbmon_js.lint.findings import Finding, Rule, error
from usbmon_js.lint.jsast import is_function, walk

_WHY = "Windows runs USBMon scripts in JScript/Chakra at ES5 level (spec §6); {what} is a syntax error there"


def _rule(rule_id: str, what: str) -> Rule:
    return error(rule_id, _WHY.format(what=what))


LET = _rule("ES5-LET", "`let`")
CONST = _rule("ES5-CONST", "`const`")
ARROW = _rule("ES5-ARROW", "an arrow function")
CLASS = _rule("ES5-CLASS", "a class")
TEMPLATE = _rule("ES5-TEMPLATE", "a template literal")
TAGGED_TEMPLATE = _rule("ES5-TAGGED-TEMPLATE", "a tagged template")
DESTRUCTURING = _rule("ES5-DESTRUCTURING", "destructuring")
SPREAD = _rule("ES5-SPREAD", "spread (`...x`)")
REST = _rule("ES5-REST", "a rest parameter or rest element")
DEFAULT_PARAM = _rule("ES5-DEFAULT-PARAM", "a default parameter value")
FOR_OF = _rule("ES5-FOR-OF", "`for…of`")
GENERATOR = _rule("ES5-GENERATOR", "a generator function")
ASYNC = _rule("ES5-ASYNC", "`async`/`await`")
MODULE = _rule("ES5-MODULE", "`import`/`export` (USBMon loads a classic script, not a module)")
COMPUTED_KEY = _rule("ES5-COMPUTED-KEY", "a computed property name")
SHORTHAND = _rule("ES5-SHORTHAND", "a shorthand property or method")
EXPONENT = _rule("ES5-EXPONENT", "the `**` operator")
NEW_TARGET = _rule("ES5-NEW-TARGET", "`new.target`")
REGEX_FLAG = _rule("ES5-REGEX-FLAG", "a regular-expression flag other than g, i, m")
NUMERIC_LITERAL = _rule("ES5-NUMERIC-LITERAL", "a binary (0b) or octal (0o) literal")
TRAILING_COMMA = _rule("ES5-TRAILING-COMMA", "a trailing comma in a parameter or argument list")
UNICODE_ESCAPE = _rule("ES5-UNICODE-ESCAPE", "a `\\u{…}` code-point escape")

RULES = [
    LET,
    CONST,
    ARROW,
    CLASS,
    TEMPLATE,
    TAGGED_TEMPLATE,
    DESTRUCTURING,
    SPREAD,
    REST,
    DEFAULT_PARAM,
    FOR_OF,
    GENERATOR,
    ASYNC,
    MODULE,
    COMPUTED_KEY,
    SHORTHAND,
    EXPONENT,
    NEW_TARGET,
    REGEX_FLAG,
    NUMERIC_LITERAL,
    TRAILING_COMMA,
    UNICODE_ESCAPE,
]

_PATTERNS = frozenset({"ObjectPattern", "ArrayPattern", "RestElement", "AssignmentPattern"})
_CODE_POINT_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u\{")
_ES5_REGEX_FLAGS = frozenset("gim")


def check(ctx: LintContext) -> Iterator[Finding]:
    for node in ctx.module_syntax:
        keyword = "import" if node.type.startswith("Import") else "export"
        yield MODULE.at(node, f"`{keyword}` declaration (ES module syntax)")
    inside_pattern: set[int] = set()
    for node in walk(ctx.program):
        if id(node) in inside_pattern:
            continue
        if node.type in ("ObjectPattern", "ArrayPattern"):
            inside_pattern.update(id(n) for n in walk(node) if n is not node and n.type in _PATTERNS)
        yield from _check_node(ctx, node)
    yield from _trailing_commas(ctx)


def _check_node(ctx: LintContext, node: Node) -> Iterator[Finding]:
    kind = node.type
    parent = ctx.scopes.parent(node)
    if kind == "VariableDeclaration" and node.kind in ("let", "const"):
        rule = LET if node.kind == "let" else CONST
        yield rule.at(node, f"`{node.kind}` declaration; use `var`")
    elif kind == "ArrowFunctionExpression":
        yield ARROW.at(node, "arrow function; use `function (…) {…}`")
    elif kind in ("ClassDeclaration", "ClassExpression"):
        name = f" `{node.id.name}`" if node.id is not None else ""
        yield CLASS.at(node, f"class{name}; use a constructor function and its prototype")
    elif kind == "TemplateLiteral" and (parent is None or parent.type != "TaggedTemplateExpression"):
        yield TEMPLATE.at(node, "template literal; use string concatenation")
    elif kind == "TaggedTemplateExpression":
        yield TAGGED_TEMPLATE.at(node, "tagged template")
    elif kind in ("ObjectPattern", "ArrayPattern"):
        shape = "object" if kind == "ObjectPattern" else "array"
        yield DESTRUCTURING.at(node, f"{shape} destructuring; assign each value separately")
    elif kind == "SpreadElement":
        yield SPREAD.at(node, "spread `...`; use `apply` or `concat`")
    elif kind == "RestElement":
        yield REST.at(node, "rest parameter `...`; use `arguments`")
    elif kind == "AssignmentPattern" and is_function(parent):
        yield DEFAULT_PARAM.at(node, "default parameter value; test for `undefined` in the body")
    elif kind == "ForOfStatement":
        yield FOR_OF.at(node, "`for…of` loop; use an index loop")
    elif is_function(node):
        if node.generator:
            yield GENERATOR.at(node, "generator function (`function*`)")
        if node.isAsync:
            yield ASYNC.at(node, "`async` function")
    elif kind == "Property" and parent is not None and parent.type == "ObjectExpression":
        if node.computed:
            yield COMPUTED_KEY.at(node, "computed property name `[…]`")
        if node.shorthand:
            yield SHORTHAND.at(
                node, f"shorthand property `{node.key.name}`; write `{node.key.name}: {node.key.name}`"
            )
        elif node.method:
            yield SHORTHAND.at(node, "shorthand method; write `name: function (…) {…}`")
    elif (kind == "BinaryExpression" and node.operator == "**") or (
        kind == "AssignmentExpression" and node.operator == "**="
    ):
        yield EXPONENT.at(node, f"`{node.operator}` operator; use Math.pow")
    elif kind == "MetaProperty":
        yield NEW_TARGET.at(node, f"`{node.meta.name}.{node.property.name}`")
    elif kind == "Literal":
        yield from _literal(node)


def _literal(node: Node) -> Iterator[Finding]:
    raw = node.raw or ""
    if node.regex is not None:
        extra = "".join(flag for flag in node.regex.flags if flag not in _ES5_REGEX_FLAGS)
        if extra:
            yield REGEX_FLAG.at(node, f"regular expression flag `{extra}` in {raw}")
    elif isinstance(node.value, int | float) and raw[:2].lower() in ("0b", "0o"):
        kind = "binary" if raw[1] in "bB" else "octal"
        yield NUMERIC_LITERAL.at(node, f"{kind} literal {raw}; write it in hex or decimal")
    elif isinstance(node.value, str) and _CODE_POINT_ESCAPE.search(raw):
        yield UNICODE_ESCAPE.at(
            node, "code-point escape `\\u{…}`; use `\\uXXXX` (a surrogate pair above FFFF)"
        )


def _trailing_commas(ctx: LintContext) -> Iterator[Finding]:
    tokens = ctx.tokens
    for token, following in itertools.pairwise(tokens):
        if token.type == "Punctuator" and token.value == "," and following.value == ")":
            yield TRAILING_COMMA.at(token, "trailing comma before `)`")
