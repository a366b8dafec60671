"""Everything the rules share about one parsed script."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from esprima.nodes import Node

from usbmon_js.lint.entry_points import EntryPoint, GlobalFunction, entry_points, global_functions
from usbmon_js.lint.inference import TypeInference
from usbmon_js.lint.scopes import ScopeAnalysis


@dataclass
class LintContext:
    """A parsed script with its scopes, global functions, entry points and inferred types."""

    name: str
    source: str
    program: Node
    tokens: list[Node]
    module_syntax: list[Node] = field(default_factory=list)  # import/export declarations found

    @cached_property
    def scopes(self) -> ScopeAnalysis:
        return ScopeAnalysis(self.program)

    @cached_property
    def functions(self) -> list[GlobalFunction]:
        return global_functions(self.program)

    @cached_property
    def entries(self) -> list[EntryPoint]:
        return entry_points(self.functions)

    @cached_property
    def types(self) -> TypeInference:
        return TypeInference(self.scopes, self.entries)
