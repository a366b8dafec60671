"""LCOV tracefile (`lcov.info`): what genhtml, Codecov, Coveralls and editors read."""

from __future__ import annotations

from usbmon_js.debugging.coverage import ScriptCoverage


def to_lcov(coverage: ScriptCoverage, test_name: str = "") -> str:
    out = [f"TN:{test_name}", f"SF:{coverage.path}"]
    for function, _ in coverage.functions:
        out.append(f"FN:{function.line},{_fn_name(function.id, function.name)}")
    for function, calls in coverage.functions:
        out.append(f"FNDA:{calls},{_fn_name(function.id, function.name)}")
    out += [f"FNF:{coverage.functions_found}", f"FNH:{coverage.functions_hit}"]
    for branch in coverage.branches:
        evaluated = any(branch.taken)
        for arm, taken in enumerate(branch.taken):
            out.append(f"BRDA:{branch.line},{branch.point.id},{arm},{taken if evaluated else '-'}")
    out += [f"BRF:{coverage.branches_found}", f"BRH:{coverage.branches_hit}"]
    out += [f"DA:{line},{hits}" for line, hits in coverage.line_hits.items()]
    out += [f"LF:{coverage.lines_found}", f"LH:{coverage.lines_hit}", "end_of_record"]
    return "\n".join(out) + "\n"


def _fn_name(function_id: int, name: str) -> str:
    """LCOV keys functions by name: anonymous and repeated names get their id to stay apart."""
    plain = name.replace(",", "_")
    return plain if not plain.startswith("<") else f"{plain}#{function_id}"
