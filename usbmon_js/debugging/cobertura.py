"""Cobertura XML (`coverage.xml`): what Jenkins, GitLab and Azure DevOps show in merge requests."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from usbmon_js.debugging.coverage import BranchCoverage, ScriptCoverage


def to_cobertura(coverage: ScriptCoverage) -> str:
    rates = {
        "line-rate": f"{coverage.line_rate:.4f}",
        "branch-rate": f"{coverage.branch_rate:.4f}",
        "complexity": "0",
    }
    root = ET.Element(
        "coverage",
        {
            "lines-valid": str(coverage.lines_found),
            "lines-covered": str(coverage.lines_hit),
            "branches-valid": str(coverage.branches_found),
            "branches-covered": str(coverage.branches_hit),
            **rates,
            "version": "usbmon-js",
            "timestamp": str(int(time.time() * 1000)),
        },
    )
    ET.SubElement(ET.SubElement(root, "sources"), "source").text = str(coverage.path.parent)
    package = ET.SubElement(ET.SubElement(root, "packages"), "package", {"name": "driver", **rates})
    classes = ET.SubElement(package, "classes")
    name = coverage.path.name
    script = ET.SubElement(classes, "class", {"name": name, "filename": name, **rates})
    methods = ET.SubElement(script, "methods")
    for function, calls in coverage.functions:
        method = ET.SubElement(
            methods,
            "method",
            {"name": function.name, "signature": "", "line-rate": "1" if calls else "0", "branch-rate": "0"},
        )
        ET.SubElement(
            ET.SubElement(method, "lines"), "line", {"number": str(function.line), "hits": str(calls)}
        )
    lines = ET.SubElement(script, "lines")
    for line, hits in coverage.line_hits.items():
        attributes = {"number": str(line), "hits": str(hits), "branch": "false"}
        branches = coverage.branches_on(line)
        if branches:
            attributes.update(_condition(branches))
        ET.SubElement(lines, "line", attributes)
    ET.indent(root)
    header = '<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n'
    return header + ET.tostring(root, encoding="unicode") + "\n"


def _condition(branches: list[BranchCoverage]) -> dict[str, str]:
    arms = [taken for branch in branches for taken in branch.taken]
    hit = sum(1 for taken in arms if taken)
    return {"branch": "true", "condition-coverage": f"{round(100 * hit / len(arms))}% ({hit}/{len(arms)})"}
