"""`usbmon-js lint`: every rule on a broken script (exact ids and line:col), what must not be
reported (clean scripts, the shipped samples), the CLI's output formats and exit statuses."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from usbmon_js.cli import lint as cli
from usbmon_js.cli.main import main
from usbmon_js.com.bidi import BidiSchemaElement, BidiSchemaResponses
from usbmon_js.com.streams import SequentialStream
from usbmon_js.errors import BadInput
from usbmon_js.lint import LintReport, all_rules, lint_script, lint_source
from usbmon_js.lint import host_types as ht
from usbmon_js.lint.rules.entry import near_entry_point

ROOT = Path(__file__).resolve().parent.parent
LINT = ROOT / "tests" / "scripts" / "lint"
SAMPLES = sorted((ROOT / "scripts").glob("*.js"))
DOCS_ORDER = ROOT / "tests" / "scripts" / "docs_order.js"

# file → every finding expected, as (rule, line, column); columns are 1-based.
EXPECTED: dict[str, list[tuple[str, int, int]]] = {
    "es5_syntax.js": [
        ("ES5-LET", 5, 1),
        ("ES5-CONST", 6, 1),
        ("ES5-ARROW", 8, 13),
        ("ES5-CLASS", 9, 1),
        ("ES5-TEMPLATE", 10, 13),
        ("ES5-BUILTIN", 11, 14),  # String.raw
        ("ES5-TAGGED-TEMPLATE", 11, 14),
        ("ES5-DESTRUCTURING", 12, 5),
        ("ES5-SPREAD", 13, 24),
        ("ES5-REST", 14, 25),
        ("ES5-DEFAULT-PARAM", 17, 20),
        ("ES5-FOR-OF", 20, 1),
        ("ES5-GENERATOR", 21, 1),
        ("ES5-ASYNC", 22, 1),
        ("ES5-COMPUTED-KEY", 24, 15),
        ("ES5-SHORTHAND", 25, 15),
        ("ES5-SHORTHAND", 25, 20),
        ("ES5-EXPONENT", 26, 15),
        ("ES5-NEW-TARGET", 27, 26),
        ("ES5-REGEX-FLAG", 28, 14),
        ("ES5-NUMERIC-LITERAL", 29, 12),
        ("ES5-NUMERIC-LITERAL", 29, 21),
        ("ES5-TRAILING-COMMA", 30, 24),
        ("ES5-UNICODE-ESCAPE", 31, 13),
    ],
    "es_module.js": [("ES5-MODULE", 6, 1), ("ES5-MODULE", 8, 1), ("ES5-MODULE", 13, 1)],
    "syntax_error.js": [("SYNTAX", 7, 21)],
    "host_members.js": [
        ("HOST-MEMBER", 9, 19),
        ("HOST-MEMBER", 17, 32),
        ("HOST-MEMBER", 18, 32),
        ("HOST-ARGS", 19, 5),
        ("HOST-MEMBER", 20, 11),
        ("HOST-MEMBER", 21, 12),
        ("HOST-MEMBER", 23, 19),
        ("HOST-MEMBER", 30, 17),
        ("HOST-READONLY", 34, 9),
        ("HOST-CALL-PROPERTY", 41, 15),
        ("HOST-READONLY", 43, 5),
        ("HOST-MEMBER", 44, 26),
        ("HOST-MEMBER", 45, 29),
        ("JS-MEMBER-CASE", 52, 59),
        ("HOST-MEMBER", 53, 28),
        ("HOST-MEMBER", 54, 18),
        ("HOST-UNAVAILABLE", 61, 30),
        ("STATUS-WRITE", 67, 5),
    ],
    "entry_names.js": [
        ("ENTRY-NAME", 6, 10),
        ("ENTRY-NAME", 10, 5),
        ("ENTRY-NAME", 15, 1),
        ("ENTRY-NAME", 19, 10),
    ],
    "no_entry.js": [("ENTRY-NONE", 1, 1), ("ENTRY-NAME", 4, 10)],
    "arity.js": [("ENTRY-ARITY", 6, 78), ("ENTRY-ARITY", 13, 5), ("ENTRY-DOCS-ORDER", 24, 37)],
    "globals.js": [
        ("GLOBAL-UNAVAILABLE", 6, 5),
        ("GLOBAL-UNAVAILABLE", 7, 21),
        ("GLOBAL-UNAVAILABLE", 8, 5),
        ("GLOBAL-UNAVAILABLE", 9, 5),
        ("GLOBAL-UNAVAILABLE", 10, 14),
        ("GLOBAL-UNAVAILABLE", 11, 19),
        ("GLOBAL-UNAVAILABLE", 12, 13),
        ("GLOBAL-UNAVAILABLE", 13, 5),
        ("GLOBAL-UNAVAILABLE", 14, 5),
        ("GLOBAL-UNAVAILABLE", 15, 17),
        ("GLOBAL-UNAVAILABLE", 16, 13),
    ],
    "own_globals.js": [],
    "write_string.js": [
        ("HOST-STRING-BYTES", 23, 25),
        ("HOST-STRING-BYTES", 24, 25),
        ("HOST-STRING-BYTES", 25, 25),
        ("HOST-STRING-BYTES", 28, 28),
        ("HOST-STRING-BYTES", 29, 67),
        ("HOST-STRING-BYTES", 46, 33),
        ("HOST-STRING-BYTES", 52, 21),
    ],
    "busy_wait.js": [
        ("BUSY-WAIT", 7, 5),
        ("BUSY-WAIT", 12, 5),
        ("BUSY-WAIT", 31, 5),
        ("ENDLESS-LOOP", 46, 5),
    ],
    "returns.js": [
        ("RETURN-TYPE", 9, 16),
        ("RETURN-TYPE", 12, 16),
        ("RETURN-MISSING", 15, 9),
        ("RETURN-CODE", 17, 44),
        ("RETURN-CODE", 23, 16),
        ("RETURN-MISSING", 28, 1),
        ("RETURN-CODE", 35, 16),
        ("PROGRESS-NOT-SET", 40, 10),
        ("RETURN-TYPE", 54, 20),
    ],
    "hygiene.js": [
        ("IMPLICIT-GLOBAL", 7, 5),
        ("NO-WITH", 9, 5),
        ("NO-EVAL", 16, 16),
        ("NO-EVAL", 17, 16),
        ("IMPLICIT-GLOBAL", 18, 10),
    ],
    "es5_builtins.js": [
        ("ES5-BUILTIN", 8, 16),
        ("ES5-BUILTIN", 9, 20),
        ("ES5-BUILTIN", 10, 23),
        ("ES5-BUILTIN", 11, 20),
        ("ES5-BUILTIN", 12, 13),
    ],
    "clean.js": [],
}


def _where(report: LintReport) -> list[tuple[str, int, int]]:
    return [(f.rule, f.line, f.column) for f in report.findings]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usbmon-js")
    cli.add_parser(parser.add_subparsers(dest="command"))
    return parser


def _run(*argv: str) -> int:
    return cli.main(_parser().parse_args(["lint", *argv]))


# -- every rule on its broken script --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_are_exactly_the_expected_ones(name: str) -> None:
    report = lint_script(LINT / name)
    assert _where(report) == EXPECTED[name]


def test_every_rule_is_exercised_by_a_script() -> None:
    seen = {rule for findings in EXPECTED.values() for rule, _, _ in findings}
    assert seen == {rule.id for rule in all_rules()}


def test_rules_have_unique_ids_severities_and_rationales() -> None:
    rules = all_rules()
    assert len({rule.id for rule in rules}) == len(rules)
    for rule in rules:
        assert rule.severity in ("error", "warning")
        assert rule.rationale and "\n" not in rule.rationale


def test_findings_carry_severity_rationale_and_end() -> None:
    report = lint_script(LINT / "host_members.js")
    finding = next(f for f in report.findings if (f.line, f.column) == (30, 17))
    assert finding.severity == "error"
    assert finding.rationale.startswith("host objects expose only")
    assert (finding.end_line, finding.end_column) == (30, 21)  # `type`, end exclusive


# -- messages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "column", "text"),
    [
        (30, 17, "IPrinterBidiSchemaElement has no member `type`; did you mean `BidiType`?"),
        (18, 32, "did you mean `AddRequeryKey`?"),
        (23, 19, "IPrinterScriptableSequentialStream has no member `Flush`; it has Read, Write"),
        (54, 18, "did you mean `Success`?"),
        (44, 26, "index it first (`ctx.TemporaryStreams[0].Read`)"),
        (52, 59, "did you mean `length`?"),
    ],
)
def test_host_member_messages_name_the_construct_and_suggest(line: int, column: int, text: str) -> None:
    report = lint_script(LINT / "host_members.js")
    message = next(f.message for f in report.findings if (f.line, f.column) == (line, column))
    assert text in message


def test_entry_name_messages() -> None:
    messages = [f.message for f in lint_script(LINT / "entry_names.js").findings]
    assert "`GetSchemas` differs only in case from the entry point `getSchemas`" in messages[0]
    assert "`startJob` is not an entry point; did you mean `startPrintJob`?" in messages[2]


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("GetSchemas", "getSchemas"),
        ("writePrintdata", "writePrintData"),
        ("getSchema", "getSchemas"),
        ("startJob", "startPrintJob"),
        ("end_print_job", "endPrintJob"),
        ("requestStatu", "requestStatus"),
        ("getStatus", None),
        ("checksum", None),
        ("readReply", None),
    ],
)
def test_near_entry_points(name: str, meant: str | None) -> None:
    assert near_entry_point(name, set()) == meant


def test_a_helper_near_a_defined_entry_point_is_not_flagged() -> None:
    assert near_entry_point("setStatus", {"getStatus"}) is None
    assert near_entry_point("setStatus", set()) == "getStatus"


# -- what must not be reported ------------------------------------------------------------------


@pytest.mark.parametrize("path", [*SAMPLES, DOCS_ORDER], ids=lambda p: p.name)
def test_samples_have_no_error_findings(path: Path) -> None:
    report = lint_script(path)
    assert report.counts["error"] == 0, [f.message for f in report.findings]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_samples_lint_clean(path: Path) -> None:
    assert lint_script(path).findings == []


def test_docs_order_is_only_a_warning() -> None:
    report = lint_script(DOCS_ORDER)
    assert _where(report) == [("ENTRY-DOCS-ORDER", 26, 43)]
    assert report.write_signature == "docs"


def test_utf16_script_with_crlf_is_linted() -> None:
    path = ROOT / "tests" / "scripts" / "utf16_crlf.js"
    assert path.read_bytes()[:2] == b"\xff\xfe"
    report = lint_script(path)
    assert report.findings == []
    assert report.entry_points == ["startPrintJob", "writePrintData", "endPrintJob"]


def test_vendor_style_globals_are_only_warnings() -> None:
    report = lint_script(ROOT / "tests" / "scripts" / "undeclared_globals.js")
    assert {f.rule for f in report.findings} == {"IMPLICIT-GLOBAL"}
    assert report.counts["error"] == 0


@pytest.mark.parametrize(
    "source",
    [
        "function requestStatus(a, printerStream, c) { printerStream.Write([1, 2]); return 0; }",
        "function requestStatus(a, s, c) { var b = s.Read(2); s.Write(b); return 0; }",
        "function getStatus(a, s, r) { if (typeof console === 'object') { console.log(1); } return 0; }",
        "function getStatus(a, s, r) { var alert = function () {}; alert(); return 0; }",
        "function getStatus(a, s, r) { var x = 0; for (;;) { x++; if (x > 3) { break; } } return 0; }",
        "function getStatus(a, s, r) { throw new Error('unsupported'); }",
        "function getStatus(a, s, r) { r.addint32('\\\\P:X', 1); return 2; }",
        "function requestStatus(a, s, r) { var e = s; e = null; e = s; e.write([0]); return 0; }",
    ],
)
def test_valid_code_is_not_flagged(source: str) -> None:
    assert lint_source(source, "inline.js").findings == []


def test_module_syntax_that_is_not_a_valid_module_either() -> None:
    source = "import x from 'y';\nwith (x) {}\nfunction getStatus(a, b, c) { return 0; }\n"
    assert _where(lint_source(source)) == [("ES5-MODULE", 1, 1)]


@pytest.mark.parametrize(
    ("source", "column", "hint"),
    [
        ("var a = b ?? 1;", 12, "`??` is ES2020"),
        ("var a = b?.c;", 11, "optional chaining"),
        ("try { a(); } catch { b(); }", 20, "catch without a binding"),
    ],
)
def test_post_es2017_syntax_is_a_syntax_finding_with_a_hint(source: str, column: int, hint: str) -> None:
    (finding,) = lint_source(source).findings
    assert (finding.rule, finding.line, finding.column) == ("SYNTAX", 1, column)
    assert hint in finding.message


def test_empty_script_has_no_entry_point() -> None:
    assert _where(lint_source("")) == [("ENTRY-NONE", 1, 1)]


def test_deeply_nested_expressions_are_linted() -> None:
    terms = " + ".join(["1"] * 3000)
    source = f"function getStatus(a, b, c) {{ var x = {terms}; return 0; }}"
    assert lint_source(source).findings == []


def test_unknown_types_never_produce_member_findings() -> None:
    source = (
        "function helper(x) { return x.Anything(); }\n"
        "function getStatus(a, printerStream, r) { helper(printerStream); helper({}); return 0; }\n"
    )
    assert lint_source(source).findings == []


# -- host types come from the COM classes -------------------------------------------------------


@pytest.mark.parametrize("cls", [SequentialStream, BidiSchemaResponses, BidiSchemaElement])
def test_interfaces_are_derived_from_com_layout(cls: type) -> None:
    layout = cls.com_layout()
    iface = ht.interfaces()[layout["iface"]]
    assert set(iface.members) == set(layout["members"])


def test_member_result_types_come_from_annotations() -> None:
    job = ht.interfaces()[ht.JOB_CONTEXT.iface]
    assert job.lookup("temporarystreams").result == ht.ArrayT(ht.PRINTER_STREAM)
    assert job.lookup("JobPropertyBag").result == ht.HostT("IPrinterScriptablePropertyBag")
    assert ht.interfaces()[ht.PRINTER_STREAM.iface].lookup("read").result == ht.BYTES
    assert ht.return_code_values() == {
        "success": 0,
        "failure": 1,
        "retry": 2,
        "devicebusy": 3,
        "abortthejob": 4,
    }


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_human_output_and_exit_3_on_errors(capsys: pytest.CaptureFixture[str]) -> None:
    path = LINT / "returns.js"
    assert _run(str(path)) == cli.EXIT_FINDINGS
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (
        f"{path}:9:16: error RETURN-TYPE getSchemas returns a boolean (`true`); USBMon expects a number "
        "(0 Success, 1 call again with the requery keys)"
    )
    assert lines[-1] == f"{path}: 3 errors, 6 warnings"
    assert len(lines) == len(EXPECTED["returns.js"]) + 1


def test_cli_exit_0_with_only_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(str(LINT / "busy_wait.js")) == cli.EXIT_CLEAN
    assert capsys.readouterr().out.splitlines()[-1].endswith("0 errors, 4 warnings")


def test_cli_clean_script(capsys: pytest.CaptureFixture[str]) -> None:
    path = LINT / "clean.js"
    assert _run(str(path)) == 0
    assert capsys.readouterr().out == f"{path}: no findings\n"


def test_cli_json_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(str(LINT / "arity.js"), "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["script"].endswith("arity.js")
    assert report["counts"] == {"error": 0, "warning": 3}
    assert report["write_signature"] == "docs"
    first = report["findings"][0]
    assert {k: first[k] for k in ("rule", "severity", "line", "column")} == {
        "rule": "ENTRY-ARITY",
        "severity": "warning",
        "line": 6,
        "column": 78,
    }
    assert first["rationale"] and first["message"] and first["end_column"] == 83
    assert LintReport.model_validate(report).findings[0].rule == "ENTRY-ARITY"


def test_cli_syntax_error_is_a_finding_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "tests" / "scripts" / "syntax_error.js"
    assert _run(str(path), "--json") == 3
    report = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["line"], f["column"]) for f in report["findings"]] == [("SYNTAX", 22, 30)]
    assert report["findings"][0]["message"] == "Unexpected token {"


def test_cli_missing_file_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(str(tmp_path / "absent.js")) == cli.EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "absent.js" in captured.err


@pytest.mark.parametrize("raw", [b"var a = '\xff\xfe\xfd';\n", b"v\x00a\x00r\x00"])
def test_cli_undecodable_file_is_bad_input(
    raw: bytes, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.js"
    path.write_bytes(raw)
    with pytest.raises(BadInput):
        lint_script(path)
    assert _run(str(path), "--json") == 2
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("absent.js", None, "driver script {path} does not exist"),
        ("folder", "dir", "driver script {path} is a directory"),
        ("latin1.js", b"var a = 'caf\xe9';\n", "not valid UTF-8"),
    ],
)
def test_cli_bad_input_is_exit_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | str | None, expected: str
) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    assert main(["lint", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("usbmon-js: error: ") and expected.format(path=path) in line


def test_cli_needs_a_script_unless_listing_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run() == 2
    assert "--rules" in capsys.readouterr().err


def test_cli_lists_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("--rules") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(all_rules())
    assert lines[0].split()[:2] == ["SYNTAX", "error"]
    assert _run("--rules", "--json") == 0
    rules = json.loads(capsys.readouterr().out)
    assert {"id": "BUSY-WAIT", "severity": "warning"}.items() <= next(
        r for r in rules if r["id"] == "BUSY-WAIT"
    ).items()
