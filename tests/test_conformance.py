"""`usbmon-js conform`: the sample drivers conform, each deliberately broken driver fails exactly
the checks written for its bug (with evidence that points at it), and the reports are usable by CI.

Everything runs in virtual time on simulated printers, so a whole suite takes well under a
second per script (the busy-loop script spends its short call deadline in real time).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from helpers import load_script

from usbmon_js.cli import conform, lint
from usbmon_js.cli.main import main
from usbmon_js.clock import VirtualClock
from usbmon_js.conformance import ConformanceReport
from usbmon_js.conformance.checks import CATEGORIES, MAX_EVIDENCE, REGISTRY, Evidence, failed
from usbmon_js.conformance.return_checks import RC_CHECKS
from usbmon_js.conformance.scenario_files import load_scenario_file
from usbmon_js.conformance.scenarios import conformance_job, device_matrix
from usbmon_js.conformance.timeline import COLOURS, html_report
from usbmon_js.devices.sim.fixture import default_fixture
from usbmon_js.engine.limits import SandboxLimits
from usbmon_js.engine.quickjs import ScriptEngine
from usbmon_js.errors import BadInput

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
DEVICES = ROOT / "fixtures" / "devices"
BROKEN = ROOT / "tests" / "scripts" / "conform"
SCENARIOS = ROOT / "fixtures" / "scenarios"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="usbmon-js")
    conform.add_parser(parser.add_subparsers(dest="command"))
    return parser


def run_cli(*argv: str | Path) -> int:
    args = _parser().parse_args(["conform", *(str(a) for a in argv)])
    return conform.main(args)


@functools.cache
def _conform_cached(argv: tuple[str, ...], out_dir: str) -> tuple[int, ConformanceReport]:
    out = Path(out_dir) / f"report-{abs(hash(argv))}.json"
    status = run_cli(*argv, "--json", out)
    return status, ConformanceReport.model_validate(json.loads(out.read_text()))


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("conform"))


def failed_mandatory(report: ConformanceReport) -> set[str]:
    return {c.id for c in report.failed("mandatory")}


def check(report: ConformanceReport, check_id: str):
    return next(c for c in report.checks if c.id == check_id)


# -- the registry ---------------------------------------------------------------------------------


def test_at_least_40_checks_with_stable_ids_and_rationales() -> None:
    assert len(REGISTRY) >= 40
    for check_id, registered in REGISTRY.items():
        assert re.fullmatch(r"(LOAD|RC|JOB|STAT|BIDI|ROB)-\d{3}", check_id), check_id
        assert registered.id == check_id
        assert registered.category in CATEGORIES
        assert registered.severity in ("mandatory", "advisory")
        assert len(registered.rationale) > 40, f"{check_id} needs a rationale tied to the spec"
    categories = {c.category for c in REGISTRY.values()}
    assert categories >= {"loading", "return_codes", "job", "status", "bidi", "robustness"}
    assert {c.severity for c in REGISTRY.values()} == {"mandatory", "advisory"}


def test_return_code_checks_keep_their_ids_and_take_codes_from_the_spec_table() -> None:
    titles = {check_id: REGISTRY[check_id].title for check_id, _ in RC_CHECKS.values()}
    assert titles["RC-001"] == "startPrintJob returns only 0, 1"
    assert titles["RC-002"] == "writePrintData returns only 0, 1, 2, 3, 4"
    assert titles["RC-006"] == "getStatus returns only 0, 2"
    assert "§1.6: 0 Success, 1 Failure, 2 Retry, 3 DeviceBusy, 4 AbortTheJob" in REGISTRY["RC-002"].rationale
    assert REGISTRY["RC-006"].rationale.endswith("status polling stops for the job.")


def test_failed_verdicts_keep_the_first_findings_and_count_the_rest() -> None:
    verdict = failed(*(Evidence(message=f"problem {i}", scenario="fast") for i in range(30)))
    assert len(verdict.evidence) == MAX_EVIDENCE
    assert verdict.evidence[-2].message == f"problem {MAX_EVIDENCE - 2}"
    assert verdict.evidence[-1].message == f"… and {30 - MAX_EVIDENCE + 1} more finding(s) like these"
    merged = failed(*(Evidence(message="same", scenario=name) for name in ("fast", "slow", "busy")))
    assert [e.scenario for e in merged.evidence] == ["fast, slow, busy"]


def test_evidence_text_shows_an_instant_of_zero() -> None:
    assert "t: 0.000 s" in Evidence(message="x", t=0.0).text()
    assert "t:" not in Evidence(message="x").text()


def test_device_matrix_places_every_behaviour_mid_job() -> None:
    job = conformance_job()
    matrix = {s.name: s for s in device_matrix(default_fixture(), len(job))}
    assert set(matrix) == {"fast", "partial", "busy", "slow", "stall", "chatter", "disconnect", "cancel"}
    assert matrix["partial"].fixture.max_write is not None
    assert matrix["slow"].fixture.bytes_per_second is not None
    assert 0 < matrix["disconnect"].fixture.disconnect_after_bytes < len(job)  # type: ignore[operator]
    assert all(0 < period.after_bytes < len(job) for period in matrix["stall"].fixture.busy)
    assert matrix["stall"].fixture.busy[0].seconds > 10  # longer than the write timeout
    assert matrix["cancel"].expect == "cancelled" and matrix["cancel"].cancel_after_s
    assert matrix["disconnect"].expect == "failed"
    assert job.count(b"\x0c") == 6 and len(job) > 3 * 4096  # pages straddle 4 KiB buffers


def test_fresh_engine_forgets_globals_between_calls() -> None:
    script = load_script("var n = 0;\nfunction getStatus(a, b, c) { n++; return n; }\n")
    engine = ScriptEngine(script, SandboxLimits(), VirtualClock())
    codes = []
    try:
        for _ in range(3):
            engine.reset()  # what fresh_engine_per_call does before every call
            codes.append(engine.call("getStatus", [1, 2, 3]).return_code)
    finally:
        engine.close()
    assert codes == [1, 1, 1]


# -- the sample drivers conform ----------------------------------------------------------------------

SAMPLES = {
    "pjl_passthrough": (SCRIPTS / "pjl_passthrough.js", "--bidi-xml", SCRIPTS / "pjl_passthrough.xml"),
    "host_based_duplex": ("--manifest", SCRIPTS / "host_based_duplex-manifest.ini"),
    "busy_retry": (
        "--manifest",
        SCRIPTS / "busy_retry-manifest.ini",
        "--device",
        f"sim:{DEVICES / 'busy_printer.yaml'}",
    ),
    "binary_bidi": (
        "--manifest",
        SCRIPTS / "binary_bidi-manifest.ini",
        "--device",
        f"sim:{DEVICES / 'binary_bidi_printer.yaml'}",
    ),
    "pjl_info_bidi": (
        "--manifest",
        SCRIPTS / "pjl_info_bidi-manifest.ini",
        "--device",
        f"sim:{DEVICES / 'pjl_info_bidi_printer.yaml'}",
    ),
    "http_bidi": (
        "--manifest",
        SCRIPTS / "http_bidi-manifest.ini",
        "--device",
        f"sim:{DEVICES / 'http_bidi_printer.yaml'}",
    ),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_scripts_pass_every_check(name: str, out_dir: str) -> None:
    status, report = _conform_cached(tuple(str(a) for a in SAMPLES[name]), out_dir)
    assert report.failed() == [], [f"{c.id}: {c.summary}" for c in report.failed()]  # advisory ones too
    assert report.ok and status == 0
    assert report.summary.total >= 40


def test_samples_exercise_the_checks_they_can(out_dir: str) -> None:
    _, duplex = _conform_cached(tuple(str(a) for a in SAMPLES["host_based_duplex"]), out_dir)
    for check_id in ("JOB-010", "JOB-014", "JOB-024", "JOB-025", "ROB-002", "ROB-008", "BIDI-009"):
        assert check(duplex, check_id).status == "passed", check_id
    _, pjl = _conform_cached(tuple(str(a) for a in SAMPLES["pjl_info_bidi"]), out_dir)
    for check_id in ("BIDI-002", "BIDI-004", "BIDI-006", "BIDI-007", "STAT-001", "ROB-003", "JOB-020"):
        assert check(pjl, check_id).status == "passed", check_id
    _, binary = _conform_cached(tuple(str(a) for a in SAMPLES["binary_bidi"]), out_dir)
    assert "requery" in check(binary, "BIDI-005").summary  # its printer warms up: one requery round
    assert check(binary, "JOB-010").reason and "no job functions" in check(binary, "JOB-010").reason
    _, passthrough = _conform_cached(tuple(str(a) for a in SAMPLES["pjl_passthrough"]), out_dir)
    assert check(passthrough, "JOB-029").evidence[0].message == (
        "the script does not count pages (PrintedPageCount is never set)"
    )
    assert "pages_printed" in check(duplex, "JOB-029").evidence[0].message


# -- deliberately broken drivers fail exactly their checks --------------------------------------------

# name → (mandatory failures, advisory failures, extra options): exactly these checks fail.
BROKEN_CASES: dict[str, tuple[set[str], set[str], tuple[str, ...]]] = {
    "loses_bytes_on_short_write": ({"JOB-020"}, {"JOB-021"}, ()),
    "returns_five": ({"RC-002", "JOB-014"}, set(), ()),
    "global_job_state": ({"ROB-002"}, set(), ()),
    "bidi_int_as_string": ({"BIDI-003"}, set(), ()),
    "temp_stream_leak": ({"JOB-024"}, set(), ()),
    "busy_loop": ({"JOB-012", "JOB-014", "ROB-006"}, set(), ("--call-timeout", "2")),
    "status_writes": ({"STAT-001", "RC-009"}, {"STAT-002"}, ()),
    "page_count_resets": ({"JOB-025"}, set(), ()),
    "misnamed_entry": ({"LOAD-006"}, set(), ()),
    "toplevel_wscript": ({"LOAD-003"}, set(), ()),
    "requery_without_key": ({"BIDI-005"}, set(), ()),
    "undeclared_event": ({"BIDI-009"}, set(), ()),
    "stops_after_short_write": ({"JOB-014", "JOB-023"}, set(), ()),
    "empty_job_throws": ({"JOB-002"}, set(), ()),
    "job_counter_global": ({"ROB-004"}, set(), ()),
    "overcounts_processed": ({"JOB-022", "JOB-020"}, {"JOB-021"}, ()),
    "es2015_syntax": (set(), {"LOAD-009"}, ()),
    "doubtful_xml": (set(), {"BIDI-013"}, ()),
}


def broken_argv(name: str) -> tuple[str, ...]:
    script = BROKEN / f"{name}.js"
    xml = script.with_suffix(".xml")
    extra = ("--bidi-xml", str(xml)) if xml.exists() else ()
    return (str(script), *extra, *BROKEN_CASES[name][2])


@pytest.mark.parametrize("name", BROKEN_CASES)
def test_broken_script_fails_exactly_its_checks(name: str, out_dir: str) -> None:
    mandatory, advisory, _ = BROKEN_CASES[name]
    status, report = _conform_cached(broken_argv(name), out_dir)
    assert failed_mandatory(report) == mandatory
    assert {c.id for c in report.failed("advisory")} == advisory
    assert status == (3 if mandatory else 0) and report.ok == (not mandatory)
    for result in report.failed():
        assert result.evidence, f"{result.id} failed without evidence"


def test_every_broken_script_names_its_expected_failures_in_its_header() -> None:
    for name, (mandatory, advisory, _) in BROKEN_CASES.items():
        header = (BROKEN / f"{name}.js").read_text().split("\n\n")[0]
        for label, expected in (("MANDATORY", mandatory), ("ADVISORY", advisory)):
            if expected:
                assert f"EXPECTED {label} FAILURES:" in header, name
            for check_id in expected:
                assert check_id in header, f"{name}.js does not document {check_id}"
    assert {p.stem for p in BROKEN.glob("*.js")} == set(BROKEN_CASES)


def test_categories_covered_by_broken_scripts() -> None:
    failing = {
        REGISTRY[i].category for mandatory, advisory, _ in BROKEN_CASES.values() for i in mandatory | advisory
    }
    assert failing == set(CATEGORIES) - {
        "scenario"
    }  # SCEN-: test_vendor_scenario_with_wrong_expectations_fails


def _evidence(report: ConformanceReport, check_id: str):
    return check(report, check_id).evidence


def test_evidence_points_at_the_bug(out_dir: str) -> None:
    _, lost = _conform_cached(broken_argv("loses_bytes_on_short_write"), out_dir)
    (item,) = _evidence(lost, "JOB-020")
    assert item.scenario == "stall" and item.bytes and "bytes missing" in item.bytes

    _, five = _conform_cached(broken_argv("returns_five"), out_dir)
    item = _evidence(five, "RC-002")[0]
    assert (item.call, item.return_code, item.scenario) == ("writePrintData", 5, "stall")
    assert item.arguments and "4096 bytes" in item.arguments  # the printData it was given

    _, globals_ = _conform_cached(broken_argv("global_job_state"), out_dir)
    locations = [e.location for e in _evidence(globals_, "ROB-002")]
    assert "global_job_state.js:19:5" in locations

    _, misnamed = _conform_cached(broken_argv("misnamed_entry"), out_dir)
    (item,) = _evidence(misnamed, "LOAD-006")
    assert item.location == "misnamed_entry.js:17" and "writePrintData" in item.message

    _, status = _conform_cached(broken_argv("status_writes"), out_dir)
    item = _evidence(status, "STAT-001")[0]
    assert (
        item.call == "getStatus" and item.location == "status_writes.js:15:25" and "read-only" in item.message
    )

    _, leak = _conform_cached(broken_argv("temp_stream_leak"), out_dir)
    assert "TemporaryStreams[0] still holds" in _evidence(leak, "JOB-024")[0].message

    _, wrong_type = _conform_cached(broken_argv("bidi_int_as_string"), out_dir)
    item = _evidence(wrong_type, "BIDI-003")[0]
    assert "PageCount reported as BIDI_STRING" in item.message and "BIDI_INT" in item.message

    _, pages = _conform_cached(broken_argv("page_count_resets"), out_dir)
    assert "went from 2 to 1" in _evidence(pages, "JOB-025")[0].message


def test_syntax_beyond_es5_is_reported_with_the_linters_findings(out_dir: str) -> None:
    _, report = _conform_cached(broken_argv("es2015_syntax"), out_dir)
    evidence = _evidence(report, "LOAD-009")
    where = {(e.location, e.message.rsplit(" (", 1)[-1]) for e in evidence}
    assert ("es2015_syntax.js:19:5", "ES5-LET)") in where
    assert ("es2015_syntax.js:20:18", "ES5-ARROW)") in where
    assert ("es2015_syntax.js:22:54", "ES5-TEMPLATE)") in where
    assert check(report, "JOB-020").status == "passed"  # it does print


def test_post_es2017_syntax_is_a_load_009_finding(tmp_path: Path) -> None:
    script = tmp_path / "nullish.js"
    script.write_text("function getStatus(a, b, c) {\n    var x = a ?? 1;\n    return 0;\n}\n")
    out = tmp_path / "r.json"
    assert run_cli(script, "--json", out) == 0
    (item,) = _evidence(ConformanceReport.model_validate_json(out.read_text()), "LOAD-009")
    assert item.location == "nullish.js:2:16" and "`??` is ES2020" in item.message


def test_doubtful_xml_is_an_advisory_finding_naming_file_and_line(out_dir: str) -> None:
    _, report = _conform_cached(broken_argv("doubtful_xml"), out_dir)
    (item,) = _evidence(report, "BIDI-013")
    assert "doubtful_xml.xml:8:" in item.message and "JamCount has an empty queryKey" in item.message
    _, clean = _conform_cached(broken_argv("bidi_int_as_string"), out_dir)
    assert check(clean, "BIDI-013").status == "passed"
    _, none = _conform_cached(broken_argv("returns_five"), out_dir)
    assert check(none, "BIDI-013").reason == "no Bidi XML or DriverEvents file given"


def test_same_finding_in_many_runs_is_reported_once(out_dir: str) -> None:
    _, status = _conform_cached(broken_argv("status_writes"), out_dir)
    evidence = _evidence(status, "STAT-001")
    assert len(evidence) == 1 and "+" in (evidence[0].scenario or "")


def test_a_script_that_cannot_load_skips_everything_else(out_dir: str) -> None:
    status, report = _conform_cached((str(ROOT / "tests" / "scripts" / "syntax_error.js"),), out_dir)
    assert failed_mandatory(report) == {"LOAD-001"} and status == 3
    assert check(report, "LOAD-001").evidence[0].location
    assert all(
        c.status == "skipped" for c in report.checks if c.id not in ("LOAD-001", "LOAD-002", "LOAD-010")
    )


def test_undecodable_script_is_a_finding_not_bad_input(tmp_path: Path) -> None:
    script = tmp_path / "latin1.js"
    script.write_bytes(b"// caf\xe9\nfunction startPrintJob(a, b, c) { return 0; }\n")
    out = tmp_path / "r.json"
    assert run_cli(script, "--json", out) == 3
    report = ConformanceReport.model_validate_json(out.read_text())
    assert failed_mandatory(report) == {"LOAD-002"}
    assert "not valid UTF-8" in check(report, "LOAD-002").evidence[0].message


def test_docs_order_is_an_advisory_finding(out_dir: str) -> None:
    status, report = _conform_cached((str(ROOT / "tests" / "scripts" / "docs_order.js"),), out_dir)
    assert status == 0 and report.ok
    assert {c.id for c in report.failed("advisory")} >= {"LOAD-008"}


# -- reports ------------------------------------------------------------------------------------------


def test_junit_has_one_pytest_style_testcase_per_check(tmp_path: Path) -> None:
    junit, out = tmp_path / "conform.xml", tmp_path / "conform.json"
    assert run_cli(*broken_argv("returns_five"), "--junit", junit, "--json", out) == 3
    report = ConformanceReport.model_validate_json(out.read_text())
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == report.summary.total == int(suite.get("tests", "0"))
    assert [c.get("name") for c in cases] == [c.id for c in report.checks]
    assert len({c.get("name") for c in cases}) == len(cases)
    for case in cases:
        assert case.get("classname", "").startswith("usbmon_js.conformance.")
        assert float(case.get("time", "-1")) >= 0
    failures = [c for c in cases if c.find("failure") is not None]
    skips = [c for c in cases if c.find("skipped") is not None]
    assert len(failures) == int(suite.get("failures", "-1")) == report.summary.failed
    assert len(skips) == int(suite.get("skipped", "-1")) == report.summary.skipped
    rc = next(c for c in cases if c.get("name") == "RC-002")
    failure = rc.find("failure")
    assert failure is not None and failure.get("type") == "mandatory"
    assert "returned 5" in failure.get("message", "") and "stall" in (failure.text or "")
    assert all(s.find("skipped").get("message") for s in skips)  # type: ignore[union-attr]


def test_json_report_has_checks_summary_and_scenarios(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run_cli(SCRIPTS / "pjl_passthrough.js", "--json", out) == 0
    data = json.loads(out.read_text())
    assert data["ok"] is True
    assert data["summary"]["total"] == len(data["checks"]) >= 40
    first = data["checks"][0]
    assert {"id", "title", "category", "severity", "status", "rationale", "evidence"} <= set(first)
    names = {s["name"] for s in data["scenarios"]}
    assert {"baseline", "fast", "stall", "cancel", "fresh-engine"} <= names
    assert "call_spans" not in data["scenarios"][0]  # timeline data is for the HTML only


def test_html_report_has_a_timeline_per_scenario(tmp_path: Path) -> None:
    html = tmp_path / "conform.html"
    assert run_cli(*broken_argv("returns_five"), "--html", html) == 3
    text = html.read_text()
    assert "NOT CONFORMANT" in text and "RC-002" in text
    svgs = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(svgs) >= 8
    for svg in svgs:
        ET.fromstring(svg)  # well-formed inline SVG
    assert "returned 5" in text or "→ 5" in text


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,1600",
)
TIMELINE_BARS = ("startPrintJob", "writePrintData", "endPrintJob")


def _chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a fresh profile; fails (never skips) when it is not installed."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("chromium is not installed: `make setup` installs it (Debian package chromium)")
    done = subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _screenshot_colours(html: Path, out: Path) -> dict[tuple[int, int, int], int]:
    """Pixel count of every colour in a 1200x1600 screenshot of `html` in headless Chromium."""
    from PIL import Image

    shot = out / f"{html.stem}.png"
    _chromium(out / f"profile-{html.stem}", f"--screenshot={shot}", html.as_uri())
    with Image.open(shot) as image:
        assert image.size == (1200, 1600)
        colours = image.convert("RGB").getcolors(maxcolors=1200 * 1600)
    assert colours is not None
    return {rgb: count for count, rgb in colours}


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_html_report_shows_the_timeline_in_chromium(tmp_path: Path) -> None:
    html, out = tmp_path / "conform.html", tmp_path / "conform.json"
    assert run_cli(*broken_argv("returns_five"), "--html", html, "--json", out) == 3

    # The DOM Chromium built holds a timeline per scenario.
    dom = _chromium(tmp_path / "profile-dom", "--dump-dom", html.as_uri()).stdout
    timelines = dict(re.findall(r'<svg class="timeline" id="timeline-([^"]+)"(.*?)</svg>', dom, re.S))
    report = ConformanceReport.model_validate_json(out.read_text())
    assert set(timelines) == {s.name for s in report.scenarios} >= {"baseline", "stall", "cancel"}
    for scenario in report.scenarios:  # a bar per entry-point call
        assert timelines[scenario.name].count("<rect") == sum(scenario.calls.values()), scenario.name

    # The screenshot is not blank, and the timeline's bars are on screen in their entry points'
    # colours: many pixels each, where the legend's swatches alone give 100.
    colours = _screenshot_colours(html, tmp_path)
    assert len(colours) > 50, "the page rendered (nearly) blank"
    for entry in TIMELINE_BARS:
        assert colours.get(_rgb(COLOURS[entry]), 0) > 1000, f"no {entry} bars on screen"

    # The same page without its timelines fails that test: it does test the timeline.
    bare = tmp_path / "bare.html"
    bare.write_text(html_report(report.model_copy(update={"scenarios": []})))
    without = _screenshot_colours(bare, tmp_path)
    assert all(without.get(_rgb(COLOURS[entry]), 0) <= 100 for entry in TIMELINE_BARS)


def test_human_output_is_a_table_and_a_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(*broken_argv("misnamed_entry")) == 3
    out = capsys.readouterr().out
    assert "LOAD-006" in out and "NOT CONFORMANT" in out and "Failed checks" in out


# -- vendor scenario files ------------------------------------------------------------------------------


def test_vendor_scenarios_become_checks(out_dir: str) -> None:
    argv = (*SAMPLES["pjl_passthrough"], "--scenarios", SCENARIOS / "pjl_passthrough.yaml")
    status, report = _conform_cached(tuple(str(a) for a in argv), out_dir)
    scen = [c for c in report.checks if c.category == "scenario"]
    assert {c.id for c in scen} == {
        "SCEN-small-job-busy-printer",
        "SCEN-unplugged-mid-job",
        "SCEN-status-chatter",
        "SCEN-user-cancels-slow-job",
        "SCEN-inline-job",
    }
    assert all(c.status == "passed" for c in scen), [c.summary for c in scen]
    assert status == 0


def test_vendor_scenario_with_wrong_expectations_fails(tmp_path: Path) -> None:
    (tmp_path / "scen.yaml").write_text(
        f"""scenarios:
  - name: wrong-bytes
    device: {DEVICES / "busy_printer.yaml"}
    job: {{hex: "41 42 43"}}
    device_bytes: {{sha256: "{"0" * 64}"}}
  - name: wrong-outcome
    job: {{text: "abc"}}
    outcome: aborted
"""
    )
    out = tmp_path / "r.json"
    assert run_cli(SCRIPTS / "busy_retry.js", "--scenarios", tmp_path / "scen.yaml", "--json", out) == 3
    report = ConformanceReport.model_validate_json(out.read_text())
    assert failed_mandatory(report) == {"SCEN-wrong-bytes", "SCEN-wrong-outcome"}
    assert "sha256" in (check(report, "SCEN-wrong-bytes").evidence[0].bytes or "")
    assert "outcome completed (expected aborted)" in check(report, "SCEN-wrong-outcome").evidence[0].message


def test_scenario_file_with_device_bytes_file() -> None:
    (scenario,) = load_scenario_file(SCENARIOS / "host_based_duplex.yaml")
    assert scenario.expected_bytes is not None and scenario.expected_bytes.startswith(
        bytes.fromhex("0D0D02CAFE")
    )
    assert scenario.fixture.replies[0].reply == b"\x01"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\ndevice: {max_write: 0}\n", r"scen\.yaml.*scenario 'x'.*device.*max_write"),
        ("name: x\njob: {text: a, hex: '41'}\n", r"scen\.yaml.*job.*exactly one of 'text' or 'hex'"),
        ("name: x\noutcome: printed\n", r"scen\.yaml.*outcome"),
        ("name: 'bad name'\n", r"scen\.yaml.*name"),
        ("name: x\ndevice: nowhere.yaml\n", r"scen\.yaml.*scenario 'x', field device.*nowhere\.yaml"),
        ("name: x\njob: missing.prn\n", r"scen\.yaml.*scenario 'x', field job.*missing\.prn"),
        ("name: x\ndevice: 'sim:'\n", r"scen\.yaml.*scenario 'x', field device: give 'sim', a fixture file"),
        ("name: x\ndevice: {max_write: 0}\n", r"field device: device fixture \(inline\) is invalid"),
        ("scenarios:\n  - {name: a}\n  - {name: b, colour: red}\n", r"scen\.yaml.*scenarios\.1\.colour"),
    ],
)
def test_invalid_scenario_files_are_bad_input_naming_file_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "scen.yaml"
    path.write_text(text)
    with pytest.raises(BadInput, match=expected):
        run_cli(SCRIPTS / "busy_retry.js", "--scenarios", path)


def test_duplicate_scenario_names_are_bad_input(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("name: same\n")
    with pytest.raises(BadInput, match="already used"):
        run_cli(SCRIPTS / "busy_retry.js", "--scenarios", tmp_path / "a.yaml", tmp_path / "b.yaml")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("nowhere.js",), "nowhere.js"),
        ((SCRIPTS / "busy_retry.js", "--device", "sim:nowhere.yaml"), "nowhere.yaml"),
        ((SCRIPTS / "busy_retry.js", "--bidi-xml", SCRIPTS / "busy_retry.js"), "busy_retry.js"),
        ((SCRIPTS / "busy_retry.js", "--junit", "/nonexistent-dir/x.xml"), "does not exist"),
        (
            (SCRIPTS / "busy_retry.js", "--junit", "-", "--json", "-"),
            "--junit, --json are all '-': only one report can go to stdout",
        ),
    ],
)
def test_bad_input(argv: tuple[str | Path, ...], expected: str) -> None:
    with pytest.raises(BadInput, match=re.escape(expected)):
        run_cli(*argv)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("nowhere.js",), "driver script nowhere.js does not exist"),
        (("{script}", "--bidi-xml", "{bad_xml}"), "bad.xml:1:"),
        (("{script}", "--scenarios", "{bad_yaml}"), "bad.yaml is not valid YAML"),
        (("{script}", "--device", "sim:nowhere.yaml"), "nowhere.yaml"),
        (("{script}", "--job", "{tmp}"), "is a directory"),
        (("{script}", "--json", "-", "--html", "-"), "only one report can go to stdout"),
    ],
)
def test_cli_bad_input_is_exit_2_with_one_line_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], expected: str
) -> None:
    (tmp_path / "bad.xml").write_text("<bidi:Schema")
    (tmp_path / "bad.yaml").write_text("scenarios: [\n")
    names = {"script": SCRIPTS / "busy_retry.js", "tmp": tmp_path}
    names |= {"bad_xml": tmp_path / "bad.xml", "bad_yaml": tmp_path / "bad.yaml"}
    assert main(["conform", *(a.format(**names) for a in argv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("usbmon-js: error: ") and expected in line


def test_readme_documents_every_conform_and_lint_option() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Conformance: ")[1].split("\n## ")[0]
    parser = argparse.ArgumentParser(prog="usbmon-js")
    commands = parser.add_subparsers(dest="command")
    conform.add_parser(commands)
    lint.add_parser(commands)
    for command in ("conform", "lint"):
        options = [
            option
            for action in commands.choices[command]._actions
            for option in action.option_strings
            if option.startswith("--") and option != "--help"
        ]
        assert options, command
        for option in options:
            assert f"`{option}" in section, (
                f"README's Conformance section does not document {command} {option}"
            )
    assert f"runs {len(REGISTRY)} checks" in section


@pytest.mark.parametrize("spec", ["emu:sim", "usb", "usb:04b8:0005", "replay:job.json"])
def test_conform_runs_on_simulated_printers_only(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conform", str(SCRIPTS / "busy_retry.js"), "--device", spec]) == 2
    err = capsys.readouterr().err
    assert "conform runs its scenarios on simulated printers" in err and "usbmon-js run" in err
